"""Co-review by a partner department (会审, issue 19 point 7): a category that needs another
department's opinion (swimming → 体育局, arts → 文化和旅游局) makes the case wait after the
experts for each department's reasoned opinion, which the approver reads before deciding;
the applicant never sees who gave it. Through the services, the task forms, the web pages
and /api/v1/, as each user reaches them."""

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from rest_framework.test import APIClient
from viewflow.workflow.status import STATUS

from documents.delivery import view_address
from documents.models import DocumentDownload
from registry import services as registry_services
from registry.models import AuditEvent, PartnerDepartment, ServiceCategory
from registry.roles import Role
from registry.selectors.departments import departments_needed
from tests.factories import OfferingFactory, UserFactory
from tests.workflows.conftest import open_tasks, upload_all, upload_missing, worker_runs
from tests.workflows.test_selection_flow import _apply, _score_all, _verify_all
from workflows import task_actions
from workflows.models import Notification, PartnerOpinion
from workflows.services import errors, objections, outcome, partner
from workflows.services import selection as selection_services


def _to_partner_step(w):
    case = _apply(w)
    _verify_all(w, case)
    _score_all(w, case)
    return case


def _opinion_task(case):
    [task] = open_tasks(case, "partner_review")
    return task


def _task_page(case, task):
    return f"/organizationselection/{case.pk}/partner_review/{task.pk}/"


def test_departments_needed_follow_the_categories_and_the_nearest_jurisdiction(world, partners):
    w, p = world, partners
    arts = ServiceCategory.objects.get(code="arts")
    heritage = ServiceCategory.objects.get(code="intangible-heritage")  # a sub-item of arts
    reading = ServiceCategory.objects.get(code="reading")
    city = w.bureau.jurisdiction
    county = city.children.first()
    # a province department for arts is farther than the city's: the city's is asked
    province_culture = PartnerDepartment.objects.create(name="江西省文化和旅游厅",
                                                        jurisdiction=city.parent)
    province_culture.categories.set([arts])
    needed = departments_needed(county, [p.swimming, heritage, reading])
    assert [(d, names) for d, names in needed] == [
        (p.sports, ["体育 · 游泳"]), (p.culture, ["文化艺术 · 非遗传承"])]
    assert departments_needed(county, [ServiceCategory.objects.get(code="sport")]) == []
    p.sports.is_active = False
    p.sports.save(update_fields=["is_active"])
    assert departments_needed(city, [p.swimming]) == []


def test_a_case_without_such_a_category_goes_straight_to_the_approver(world, partners):
    w = world
    w.offering.category = ServiceCategory.objects.get(code="sport")
    w.offering.save(update_fields=["category"])
    case = _to_partner_step(w)
    assert open_tasks(case, "partner_review") == []
    assert len(open_tasks(case, "decision")) == 1
    assert not PartnerOpinion.objects.filter(case=case).exists()


def test_each_department_gives_its_reasoned_opinion_before_the_approver_decides(
        world, partners, client):
    w, p = world, partners
    OfferingFactory(organization=w.organization, title="少儿书法",
                    category=ServiceCategory.objects.get(code="arts"))
    w.documents += upload_missing(w.provider, w.organization)  # its course plan
    case = selection_services.selection_apply(
        actor=w.provider, organization=w.organization, bureau=w.bureau,
        offerings=list(w.organization.offerings.all()))
    _verify_all(w, case)
    _score_all(w, case)
    # one task per department, in its own queue; the approver waits
    tasks = open_tasks(case, "partner_review")
    assert len(tasks) == 2 and open_tasks(case, "decision") == []
    by_department = {t.owner_permission_obj: t for t in tasks}
    assert set(by_department) == {p.sports, p.culture}
    assert all(t.owner_permission == "registry.opine_department" for t in tasks)
    # the department's users were told, with a link to the case page
    [note] = Notification.objects.filter(user=p.sports_user)
    assert note.url == f"/selection/cases/{case.pk}/" and "游泳" in note.subject

    # nothing is chosen for the department; a reason and the conditions are required
    sports_task = by_department[p.sports]
    with pytest.raises(ValidationError) as refused:
        task_actions.task_perform(actor=p.sports_user, task=sports_task,
                                  data={"reason": "场馆具备高危险性体育项目经营许可"})
    assert "opinion" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        task_actions.task_perform(actor=p.sports_user, task=sports_task,
                                  data={"opinion": "conditions", "reason": "许可有效"})
    assert "conditions" in refused.value.message_dict
    # the other department cannot give this one's opinion
    with pytest.raises(PermissionDenied):
        task_actions.task_perform(actor=p.culture_user, task=sports_task,
                                  data={"opinion": "agree", "reason": "同意"})
    assert task_actions.task_perform(actor=p.sports_user, task=sports_task, data={
        "opinion": "conditions", "reason": "场馆持有高危险性体育项目经营许可，救生员持证上岗",
        "conditions": "每班不超过16人，须配备2名持证救生员"})
    assert open_tasks(case, "decision") == []  # still waiting for 文化和旅游局
    assert task_actions.task_perform(actor=p.culture_user, task=by_department[p.culture],
                                     data={"opinion": "disagree", "reason": "书法课程师资不足"})
    [decision] = open_tasks(case, "decision")

    opinion = PartnerOpinion.objects.get(case=case, department=p.sports)
    assert (opinion.opinion, opinion.given_by) == ("conditions", p.sports_user)
    assert AuditEvent.objects.filter(action="case.partner_opinion", to_state="conditions",
                                     reason__contains="救生员").exists()
    with pytest.raises(errors.CaseStateError):  # once only
        partner.partner_opinion_give(actor=p.sports_user, opinion=opinion, choice="agree",
                                     reason="再次")

    # the approver reads both opinions beside the form, and who gave them
    client.force_login(w.approver)
    flow = "organizationselection"
    page = client.get(f"/{flow}/{case.pk}/decision/{decision.pk}/assign/")
    assert page.status_code == 200
    client.post(f"/{flow}/{case.pk}/decision/{decision.pk}/assign/", {"_continue": "1"})
    page = client.get(f"/{flow}/{case.pk}/decision/{decision.pk}/execute/")
    text = page.content.decode()
    assert page.status_code == 200
    for words in ("南昌市体育局", "附条件同意", "每班不超过16人", "南昌市文化和旅游局", "不同意",
                  "书法课程师资不足", "彭志远"):
        assert words in text, words
    # approving against a disagreement says so before confirming
    response = client.post(f"/{flow}/{case.pk}/decision/{decision.pk}/execute/",
                           {"decision": "approve", "reason": "综合评审同意"})
    assert "这与南昌市文化和旅游局的不同意意见相反" in response.content.decode()
    case_page = client.get(f"/selection/cases/{case.pk}/").content.decode()
    assert "每班不超过16人" in case_page and "彭志远" in case_page

    # the applicant: no opinion, no department user's name (page and API)
    client.force_login(w.provider)
    case_page = client.get(f"/selection/cases/{case.pk}/").content.decode()
    assert "彭志远" not in case_page and "会审部门意见" not in case_page
    assert "每班不超过16人" not in case_page
    api = APIClient()
    api.force_authenticate(w.provider)
    assert api.get(f"/api/v1/cases/{case.pk}/partner-opinions/").json() == []
    # the bureau reads all of them through the API, with who gave each
    api.force_authenticate(w.approver)
    rows = api.get(f"/api/v1/cases/{case.pk}/partner-opinions/").json()
    assert {(r["department_name"], r["opinion"], r.get("given_by")) for r in rows} == {
        ("南昌市体育局", "conditions", "彭志远"),  # by name, never by username
        ("南昌市文化和旅游局", "disagree", f"用户 {p.culture_user.pk}")}
    # a department its own, without who gave it
    api.force_authenticate(p.culture_user)
    [row] = api.get(f"/api/v1/cases/{case.pk}/partner-opinions/").json()
    assert row["department_name"] == "南昌市文化和旅游局" and "given_by" not in row


def test_the_department_acts_through_its_task_page_and_the_api(world, partners, client):
    w, p = world, partners
    case = _to_partner_step(w)
    task = _opinion_task(case)
    client.force_login(p.sports_user)
    # its queue lists the task, the task page shows the case's documents
    api = APIClient()
    api.force_authenticate(p.sports_user)
    assert [t["id"] for t in api.get("/api/v1/tasks/").json()["results"]] == [task.pk]
    client.post(_task_page(case, task) + "assign/", {"_continue": "1"})
    page = client.get(_task_page(case, task) + "execute/")
    assert page.status_code == 200
    text = page.content.decode()
    assert w.documents[0].original_name in text and "征求南昌市体育局意见的类别" in text
    # nothing pre-selected (viewflow's radio element lists its options with "selected")
    [field] = re.findall(r'<vf-field-radio-select[^>]*name="opinion"[^>]*>', text)
    assert 'value=""' in field and field.count("&quot;selected&quot;: false") == 3
    assert "&quot;selected&quot;: true" not in field
    refused = client.post(_task_page(case, task) + "execute/", {"reason": "许可有效"})
    assert refused.status_code == 200 and "请选择部门意见" in refused.content.decode()
    # through the API, with a reason
    response = api.post(f"/api/v1/tasks/{task.pk}/act/",
                        {"data": {"opinion": "agree", "reason": ""}}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    response = api.post(f"/api/v1/tasks/{task.pk}/act/",
                        {"data": {"opinion": "agree", "reason": "游泳场馆许可齐全"}},
                        format="json")
    assert response.status_code == 200 and response.json()["completed"] is True
    task.refresh_from_db()
    assert task.status == STATUS.DONE
    assert len(open_tasks(case, "decision")) == 1


def test_the_department_reads_the_documents_while_asked_and_afterwards_each_read_logged(
        world, partners, client):
    w, p = world, partners
    document = w.documents[0]
    case = _apply(w)
    client.force_login(p.sports_user)
    # before its opinion is asked: not its case, not its documents
    assert client.get(f"/selection/cases/{case.pk}/").status_code == 404
    assert client.get(view_address(p.sports_user, document)).status_code == 404
    _verify_all(w, case)
    _score_all(w, case)
    task = _opinion_task(case)
    before = DocumentDownload.objects.filter(user=p.sports_user).count()
    assert client.get(view_address(p.sports_user, document)).status_code == 200
    api = APIClient()
    api.force_authenticate(p.sports_user)
    listed = api.get(f"/api/v1/cases/{case.pk}/documents/")
    assert listed.status_code == 200 and len(listed.json()) == len(w.documents)
    task_actions.task_perform(actor=p.sports_user, task=task,
                              data={"opinion": "agree", "reason": "许可齐全"})
    # afterwards, for the record
    assert client.get(view_address(p.sports_user, document)).status_code == 200
    page = client.get(f"/selection/cases/{case.pk}/").content.decode()
    assert "许可齐全" in page
    assert DocumentDownload.objects.filter(user=p.sports_user).count() == before + 2


def test_other_departments_the_applicant_and_the_public_cannot_read_the_opinion_task(
        world, partners, client):
    w, p = world, partners
    case = _to_partner_step(w)
    task = _opinion_task(case)
    document = w.documents[0]
    # 文化和旅游局: a department this case does not need; and one of another city
    elsewhere = PartnerDepartment.objects.create(name="九江市体育局",
                                                 jurisdiction=w.other_bureau.jurisdiction)
    elsewhere.categories.set([p.swimming])
    elsewhere_user = UserFactory()
    registry_services.role_grant(actor=w.root, user=elsewhere_user, role=Role.DEPARTMENT,
                                 target=elsewhere)
    api = APIClient()
    for user in (p.culture_user, elsewhere_user, w.provider, w.other_provider):
        client.force_login(user)
        for action in ("", "detail/", "assign/", "execute/"):
            status = client.get(_task_page(case, task) + action).status_code
            assert status in (403, 404), (user, action, status)
        assert client.get(view_address(user, document)).status_code == 404 or \
            user == w.provider
        api.force_authenticate(user)
        assert api.post(f"/api/v1/tasks/{task.pk}/act/",
                        {"data": {"opinion": "agree", "reason": "x"}},
                        format="json").status_code in (403, 404), user
        opinions = api.get(f"/api/v1/cases/{case.pk}/partner-opinions/")
        assert opinions.status_code == 404 or opinions.json() == [], user
        if user != w.provider:
            assert client.get(f"/selection/cases/{case.pk}/").status_code == 404, user
            assert api.get(f"/api/v1/cases/{case.pk}/documents/").status_code == 404, user
    client.logout()
    assert client.get(_task_page(case, task) + "execute/").status_code in (302, 403, 404)
    assert client.get(view_address(p.sports_user, document)).status_code in (302, 403)
    api.force_authenticate(None)
    assert api.get(f"/api/v1/cases/{case.pk}/partner-opinions/").status_code in (401, 403)
    task.refresh_from_db()
    assert task.status == STATUS.NEW


def test_every_notification_of_a_case_links_to_its_case_page(world, partners):
    """Told of a correction, a withdrawal, a task in a queue, a panel draw, a department's
    opinion asked, the notice, an objection: each notification leads to its case's page."""
    w, p = world, partners
    # a first application goes back for correction, then is withdrawn
    first = _apply(w)
    [task] = open_tasks(first, "qualification")
    data = {f"doc_{d.pk}": "verify" for d in w.documents}
    data.update({f"doc_{w.documents[0].pk}": "reject",
                 f"doc_{w.documents[0].pk}_reason": "扫描件不清晰"})
    task_actions.task_perform(actor=w.clerk, task=task, data=data)
    assert open_tasks(first, "correction")
    outcome.case_withdraw(actor=w.provider, case=first)
    # a second goes through the panel, the department and the decision into the notice
    w.documents = upload_all(w.provider, w.organization)
    second = _apply(w)
    _verify_all(w, second)
    _score_all(w, second)
    task_actions.task_perform(actor=p.sports_user, task=_opinion_task(second),
                              data={"opinion": "agree", "reason": "许可齐全"})
    [decision] = open_tasks(second, "decision")
    task_actions.task_perform(actor=w.approver, task=decision, data={
        "decision": "approve", "reason": "同意", "confirm": "yes"})
    worker_runs()
    objections.objection_file(case=second, real_name="张三", contact="13800000000",
                              reason="该机构场馆存在安全隐患", evidence=[])
    pages = {f"/selection/cases/{first.pk}/", f"/selection/cases/{second.pk}/"}
    notes = list(Notification.objects.all())
    subjects = {n.subject for n in notes}
    assert len(notes) >= 8 and any("公示" in s for s in subjects), subjects
    assert {n.url for n in notes} == pages, [(n.subject, n.url) for n in notes
                                             if n.url not in pages]


def test_the_admin_reads_the_opinions_and_writes_none(world, partners, admin_client):
    """An opinion is a record, given in the department's task: the admin lists and reads it
    (with the organization and who gave it), and neither adds, changes nor deletes one."""
    w, p = world, partners
    case = _to_partner_step(w)
    task_actions.task_perform(actor=p.sports_user, task=_opinion_task(case),
                              data={"opinion": "agree", "reason": "场馆许可齐全"})
    opinion = PartnerOpinion.objects.get(case=case, department=p.sports)
    listing = admin_client.get("/admin/workflows/partneropinion/?q=体育局")
    body = listing.content.decode()
    assert listing.status_code == 200
    assert "南昌市体育局" in body and w.organization.name in body
    page = admin_client.get(f"/admin/workflows/partneropinion/{opinion.pk}/change/")
    body = page.content.decode()
    assert page.status_code == 200 and "场馆许可齐全" in body and 'name="_save"' not in body
    assert admin_client.get("/admin/workflows/partneropinion/add/").status_code == 403
    changed = admin_client.post(f"/admin/workflows/partneropinion/{opinion.pk}/change/",
                                {"opinion": "disagree", "reason": "改写"})
    deleted = admin_client.post(f"/admin/workflows/partneropinion/{opinion.pk}/delete/",
                                {"post": "yes"})
    assert changed.status_code == 403 and deleted.status_code == 403
    opinion.refresh_from_db()
    assert (opinion.opinion, opinion.reason) == ("agree", "场馆许可齐全")
