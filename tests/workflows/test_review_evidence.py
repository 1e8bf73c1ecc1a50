"""Reviewers decide with the evidence in front of them; the panel stays confidential:
the documents beside each task's form, who may read them, what the case page
shows to whom. Attacked through HTTP, as a user would."""

import re

from documents.models import DocumentDownload
from registry.formatting import user_label
from tests.workflows.conftest import open_tasks
from workflows import task_actions
from workflows.services import objections, selection

SCORES = {"qualification": 90, "course-plan": 80, "safety": 85, "price": 70, "reputation": 75}


def _apply(w):
    return selection.selection_apply(actor=w.provider, organization=w.organization,
                                    bureau=w.bureau, offerings=[w.offering])


def _page(case, task, action="execute"):
    flow = case.flow_class.instance.flow_label
    return f"/{flow}/{case.pk}/{task.flow_task.name}/{task.pk}/{action}/"


def _verify_all(w, case):
    [task] = open_tasks(case, "qualification")
    assert task_actions.task_perform(actor=w.clerk, task=task,
                                 data={f"doc_{d.pk}": "verify" for d in w.documents})


def _view_links(html: str) -> list[str]:
    return [link.replace("&amp;", "&") for link in
            re.findall(r'href="(/documents/\d+/view/\?t=[^"]+)"', html)]


def test_the_clerk_reads_every_document_beside_the_form(world, client):
    w = world
    case = _apply(w)
    [task] = open_tasks(case, "qualification")
    client.force_login(w.clerk)
    client.post(_page(case, task, "assign"), {"_continue": "1"})
    page = client.get(_page(case, task)).content.decode()
    links = _view_links(page)
    assert len(set(links)) == len(w.documents)
    assert f'href="/selection/cases/{case.pk}/"' in page
    response = client.get(links[0])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert DocumentDownload.objects.filter(user=w.clerk, via="inline-stream").count() == 1


def test_a_view_address_is_the_readers_own_and_short_lived(world, client):
    w = world
    case = _apply(w)
    [task] = open_tasks(case, "qualification")
    client.force_login(w.clerk)
    client.post(_page(case, task, "assign"), {"_continue": "1"})
    link = _view_links(client.get(_page(case, task)).content.decode())[0]
    # another signed-in user with the clerk's link: refused, as a document nobody holds
    client.force_login(w.other_provider)
    assert client.get(link).status_code == 404
    # the public: sent to sign in
    client.logout()
    assert client.get(link).status_code == 302
    # a tampered or missing token
    client.force_login(w.clerk)
    assert client.get(link.split("?")[0]).status_code == 403
    assert client.get(link[:-2] + "xx").status_code == 403
    import time_machine
    from django.utils import timezone
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=6)):
        assert client.get(link).status_code == 403


def test_experts_on_the_panel_read_the_documents_others_do_not(world, client):
    w = world
    case = _apply(w)
    document = w.documents[0]
    # before the draw no expert reads them (a bureau role of expert is not enough)
    client.force_login(w.experts[0])
    assert client.get(f"/api/v1/documents/{document.pk}/download/").status_code == 404
    _verify_all(w, case)
    tasks = open_tasks(case, "expert_review")
    drawn = {t.owner for t in tasks}
    [outsider] = [e for e in w.experts if e not in drawn] or [None]
    task = tasks[0]
    client.force_login(task.owner)
    page = client.get(_page(case, task)).content.decode()
    links = _view_links(page)
    assert len(set(links)) == len(w.documents)
    assert client.get(links[0]).status_code == 200
    assert client.get(f"/api/v1/documents/{document.pk}/view/").status_code == 200
    assert DocumentDownload.objects.filter(user=task.owner).count() == 2
    # afterwards, for the record, too
    task_actions.task_perform(actor=task.owner, task=task,
                          data={"conflict": "no", **{f"score_{k}": v for k, v in SCORES.items()}})
    assert client.get(f"/api/v1/documents/{document.pk}/view/").status_code == 200
    # an expert not on the panel, a clerk of another bureau, another provider: nothing
    for user in [u for u in (outsider, w.other_clerk, w.other_provider) if u is not None]:
        client.force_login(user)
        assert client.get(f"/api/v1/documents/{document.pk}/view/").status_code == 404
        assert client.get(f"/documents/{document.pk}/download/").status_code == 404
        assert client.get(f"/selection/cases/{case.pk}/").status_code == 404
        assert client.get(links[0]).status_code == 404
    # the public
    client.logout()
    assert client.get(f"/api/v1/documents/{document.pk}/view/").status_code in (401, 403)
    assert client.get(f"/selection/cases/{case.pk}/").status_code == 302


def test_a_roster_persons_documents_are_not_the_panels(world, client):
    from tests.workflows.conftest import upload_all

    w = world
    upload_all(w.provider, w.person)
    case = selection.selection_apply(actor=w.provider, organization=w.organization,
                                    bureau=w.bureau, offerings=[w.offering], roster=[w.person])
    del case
    from documents.selectors import documents_of
    personal = documents_of(w.person, history=False).first()
    expert = w.experts[0]
    from tests.factories import ExpertAssignmentFactory
    from workflows.models import SelectionProcess
    ExpertAssignmentFactory(case=SelectionProcess.objects.get(), expert=expert, slot=1)
    client.force_login(expert)
    assert client.get(f"/api/v1/documents/{w.documents[0].pk}/view/").status_code == 200
    assert client.get(f"/api/v1/documents/{personal.pk}/view/").status_code == 404


def _to_decision(w):
    case = _apply(w)
    _verify_all(w, case)
    while tasks := open_tasks(case, "expert_review"):
        task = tasks[0]
        task_actions.task_perform(actor=task.owner, task=task, data={
            "conflict": "no", **{f"score_{k}": v for k, v in SCORES.items()}})
    [task] = open_tasks(case, "decision")
    return case, task


def test_nothing_is_chosen_for_the_clerk_and_the_expert(world, client):
    w = world
    case = _apply(w)
    [task] = open_tasks(case, "qualification")
    client.force_login(w.clerk)
    client.post(_page(case, task, "assign"), {"_continue": "1"})
    page = client.get(_page(case, task)).content.decode()
    for document in w.documents:  # each verdict: a radio with no option selected
        assert f'name="doc_{document.pk}" value=""' in page
    assert "&quot;selected&quot;: true" not in page
    # a document left without a verdict is refused, naming it
    response = client.post(_page(case, task), {f"doc_{w.documents[0].pk}": "verify"})
    assert response.status_code == 200
    assert "请核验或退回此材料" in response.content.decode() or \
        "Verify or reject this document" in response.content.decode()
    task.refresh_from_db()
    assert task.status == "ASSIGNED"


def test_the_expert_answers_the_conflict_question_before_the_scoring_form(world, client):
    w = world
    case = _apply(w)
    _verify_all(w, case)
    task = open_tasks(case, "expert_review")[0]
    client.force_login(task.owner)
    page = client.get(_page(case, task)).content.decode()
    assert 'name="score_qualification"' not in page
    # viewflow's radio component: no value, no option selected
    assert 'name="conflict" value=""' in page
    assert "&quot;selected&quot;: true" not in page
    # no answer: refused
    assert client.post(_page(case, task), {}).status_code == 200
    response = client.post(_page(case, task), {"conflict": "no"})
    assert response.status_code == 302 and response.url == _page(case, task)
    page = client.get(_page(case, task)).content.decode()
    assert 'name="score_qualification"' in page
    response = client.post(_page(case, task), {
        "conflict": "no", **{f"score_{k}": v for k, v in SCORES.items()}})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == "DONE"


def test_the_decision_asks_for_confirmation_web_and_api(world, client):
    w = world
    case, task = _to_decision(w)
    client.force_login(w.approver)
    client.post(_page(case, task, "assign"), {"_continue": "1"})
    response = client.post(_page(case, task), {"decision": "approve", "reason": "同意"})
    assert response.status_code == 200
    assert "公示" in response.content.decode() or "public notice" in response.content.decode()
    case.refresh_from_db()
    assert case.decision == ""
    response = client.post(f"/api/v1/tasks/{task.pk}/act/",
                           {"data": {"decision": "approve", "reason": "同意"}},
                           content_type="application/json")
    assert response.status_code == 400 and "confirm" in response.json()
    response = client.post(_page(case, task), {"decision": "approve", "reason": "同意",
                                               "confirm": "on"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.decision == "approve"


def test_the_applicant_never_sees_the_panel(world, client):
    w = world
    case, task = _to_decision(w)
    experts = [a.expert for a in case.assignments.all()]
    client.force_login(w.provider)
    page = client.get(f"/selection/cases/{case.pk}/").content.decode()
    for expert in experts:
        assert expert.username not in page and user_label(expert) not in page
    assert "case-panel" not in page
    assert str(case.assignments.first().total) not in page
    # the bureau sees the panel
    client.force_login(w.approver)
    page = client.get(f"/selection/cases/{case.pk}/").content.decode()
    # by name (never the account's username)
    assert "case-panel" in page and user_label(experts[0]) in page
    assert experts[0].username not in page


def test_an_expert_sees_the_others_scores_only_after_scoring(world, client):
    w = world
    case = _apply(w)
    _verify_all(w, case)
    first, second = open_tasks(case, "expert_review")[:2]
    task_actions.task_perform(actor=first.owner, task=first, data={
        "conflict": "no", **{f"score_{k}": v for k, v in SCORES.items()}})
    client.force_login(second.owner)
    page = client.get(f"/selection/cases/{case.pk}/").content.decode()
    assert user_label(first.owner) not in page
    # nor the first expert's scores or total (looked for as the panel writes them: a
    # bare "90" would also match a user named user904)
    panel = page.split("case-panel")[-1].split("</table>")[0]
    scored = case.assignments.get(expert=first.owner)
    shown = [f"{s.criterion.display_name} {s.score}" for s in scored.scores.all()]
    assert len(shown) == len(SCORES) and scored.total is not None
    assert not [text for text in shown if text in panel]
    assert f"<td>{scored.total}</td>" not in panel
    task_actions.task_perform(actor=second.owner, task=second, data={
        "conflict": "no", **{f"score_{k}": v for k, v in SCORES.items()}})
    page = client.get(f"/selection/cases/{case.pk}/").content.decode()
    assert user_label(first.owner) in page


def test_objections_are_handled_during_the_notice_and_an_upheld_one_stops_it(world, client):
    from tests.workflows.conftest import worker_runs
    from tests.workflows.test_selection_flow import _to_notice
    from workflows.models import CaseOutcome, Objection

    w = world
    case = _to_notice(w)
    objection = objections.objection_file(case=case, real_name="张三丰", contact="13800000000",
                                        reason="该机构实际开展学科类培训，有招生简章为证")
    url = f"/selection/cases/{case.pk}/objections/{objection.pk}/"
    # nobody but the bureau's staff handles it or reads who objected
    for user in (w.provider, w.other_clerk, w.experts[0]):
        client.force_login(user)
        assert client.get(url).status_code == 404
        page = client.get(f"/selection/cases/{case.pk}/").content.decode()
        assert "张三丰" not in page and "招生简章" not in page
        api = client.get(f"/api/v1/cases/{case.pk}/objections/")
        assert api.status_code in (200, 404)
        assert "张三丰" not in api.content.decode()
    # the clerk acknowledges and investigates while the notice runs
    client.force_login(w.clerk)
    assert client.post(url, {"step": "acknowledge"}).status_code == 302
    objection.refresh_from_db()
    assert objection.status == Objection.Status.ACKNOWLEDGED
    progress = f"/api/v1/cases/{case.pk}/objections/{objection.pk}/progress/"
    assert client.post(progress, {"step": "investigate"},
                       content_type="application/json").status_code == 200
    # a finding needs what the applicant is told
    response = client.post(progress, {"step": "uphold", "finding": "经查属实"},
                           content_type="application/json")
    assert response.status_code == 400 and "applicant_note" in response.json()
    # the finding is the bureau's record: here it names the objector, as clerks write them
    finding = "张三丰反映属实，招生简章含数学课"
    response = client.post(progress, {"step": "uphold", "finding": finding,
                                      "applicant_note": "经核查，异议成立：存在学科类内容。",
                                      "stop_notice": True}, content_type="application/json")
    assert response.status_code == 200
    worker_runs()  # the timer dispatcher: the notice ends now, not at its last day
    case.refresh_from_db()
    assert case.outcome == CaseOutcome.REJECTED
    assert case.outcome_reason == "经核查，异议成立：存在学科类内容。"
    # the applicant is told what the clerk wrote, never the objector nor the finding: not in
    # a message (each is also e-mailed), not on the case's page, not in its history
    told = list(w.provider.notifications.values_list("subject", "body"))
    assert told and not [text for pair in told for text in pair
                         if "张三丰" in text or "招生简章" in text]
    client.force_login(w.provider)
    page = client.get(f"/selection/cases/{case.pk}/").content.decode()
    assert "异议成立：存在学科类内容" in page
    assert "张三丰" not in page and "招生简章" not in page
    # the bureau keeps the finding
    client.force_login(w.clerk)
    assert finding in client.get(f"/selection/cases/{case.pk}/").content.decode()


def test_a_correction_through_the_api_replaces_the_document(world, client):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from tests.samples import PDF

    w = world
    case = _apply(w)
    [task] = open_tasks(case, "qualification")
    licence = w.documents[0]
    data = {f"doc_{d.pk}": "verify" for d in w.documents}
    data.update({f"doc_{licence.pk}": "reject", f"doc_{licence.pk}_reason": "扫描件模糊"})
    task_actions.task_perform(actor=w.clerk, task=task, data=data)
    [task] = open_tasks(case, "correction")
    client.force_login(w.provider)
    [item] = client.get(f"/api/v1/cases/{case.pk}/corrections/").json()
    assert item["needs_file"] and item["reason"] == "扫描件模糊" and item["replaced_by"] is None
    # refused without the replacement, naming it; no round used
    response = client.post(f"/api/v1/tasks/{task.pk}/act/", {"item0_answer": "已更新"})
    assert response.status_code == 400 and licence.document_type.name in str(response.json())
    case.refresh_from_db()
    assert case.correction_rounds == 0
    response = client.post(f"/api/v1/tasks/{task.pk}/act/", {
        "item0_file": SimpleUploadedFile("licence-2.pdf", PDF, content_type="application/pdf"),
        "item0_issued_on": str(timezone.localdate()), "item0_answer": "已更新"})
    assert response.status_code == 200 and response.json()["completed"]
    case.refresh_from_db()
    assert case.correction_rounds == 1
    assert case.organization.documents.get(
        superseded_at__isnull=True, document_type=licence.document_type
    ).original_name == "licence-2.pdf"


def test_the_case_page_query_count_does_not_grow_with_documents(world, client,
                                                                 django_assert_max_num_queries):
    from tests.factories import DocumentTypeFactory
    from tests.workflows.conftest import upload_all

    w = world
    case = _apply(w)
    client.force_login(w.approver)
    with django_assert_max_num_queries(45) as few:
        assert client.get(f"/selection/cases/{case.pk}/").status_code == 200
    for n in range(25):
        DocumentTypeFactory(code=f"extra-{n}", name=f"补充材料{n}", subject="organization",
                            is_required=False, sort_order=900 + n)
    upload_all(w.provider, w.organization,
               skip=[d.document_type.code for d in w.documents])
    assert w.organization.documents.filter(superseded_at__isnull=True).count() >= 30
    with django_assert_max_num_queries(len(few.captured_queries) + 2):
        page = client.get(f"/selection/cases/{case.pk}/")
    assert page.content.decode().count("/view/?t=") >= 30
