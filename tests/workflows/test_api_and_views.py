"""The same journeys over HTTP: REST under /api/v1/ and the web pages, with permissions."""

import pytest
from rest_framework.test import APIClient

from tests.workflows.conftest import open_tasks, worker_runs
from workflows import task_actions
from workflows.models import SelectionProcess
from workflows.services import selection, vetting


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_apply_list_and_act_through_the_api(world, django_assert_max_num_queries):
    w = world
    response = _client(w.provider).post("/api/v1/cases/", {
        "organization": w.organization.pk, "bureau": w.bureau.pk,
        "offerings": [w.offering.pk]}, format="json")
    assert response.status_code == 201, response.content
    case_id = response.json()["id"]
    # the provider sees its case, another provider does not
    assert _client(w.provider).get(f"/api/v1/cases/{case_id}/").status_code == 200
    assert _client(w.other_provider).get(f"/api/v1/cases/{case_id}/").status_code == 404
    assert _client(w.other_clerk).get("/api/v1/cases/").json()["count"] == 0
    # the clerk finds the task in its queue
    with django_assert_max_num_queries(15):
        tasks = _client(w.clerk).get("/api/v1/tasks/").json()["results"]
    [task] = [t for t in tasks if t["case"] == case_id]
    assert task["node"] == "qualification"
    data = {f"doc_{d.pk}": "verify" for d in w.documents}
    # a clerk of another bureau: 404 (the case is invisible), never a 500
    assert _client(w.other_clerk).post(f"/api/v1/tasks/{task['id']}/act/",
                                       {"data": data}, format="json").status_code == 404
    ok = _client(w.clerk).post(f"/api/v1/tasks/{task['id']}/act/", {"data": data},
                               format="json")
    assert ok.status_code == 200 and ok.json()["completed"] is True
    again = _client(w.clerk).post(f"/api/v1/tasks/{task['id']}/act/", {"data": data},
                                  format="json")
    assert again.status_code == 409
    assert again.json()["detail"]


def test_api_errors_are_clear_400s_in_the_users_language(world):
    w = world
    client = _client(w.provider)
    response = client.post("/api/v1/cases/", {"organization": w.organization.pk,
                                              "bureau": w.bureau.pk, "offerings": []},
                           format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    response = client.post("/api/v1/cases/", {"organization": "abc", "bureau": w.bureau.pk,
                                              "offerings": [w.offering.pk]}, format="json")
    assert response.status_code == 400


def test_expert_scores_out_of_range_give_400_with_the_field(world):
    w = world
    case = selection.selection_apply(actor=w.provider, organization=w.organization,
                                     bureau=w.bureau, offerings=[w.offering])
    [task] = open_tasks(case, "qualification")
    task_actions.task_perform(actor=w.clerk, task=task,
                              data={f"doc_{d.pk}": "verify" for d in w.documents})
    task = open_tasks(case, "expert_review")[0]
    response = _client(task.owner).post(f"/api/v1/tasks/{task.pk}/act/", {"data": {
        "conflict": "no", "score_qualification": 101, "score_course-plan": 50,
        "score_safety": 50, "score_price": 50, "score_reputation": 50}}, format="json")
    assert response.status_code == 400
    assert "score_qualification" in response.json()
    # an expert who was not drawn cannot act on another's seat
    others = [e for e in w.experts if e != task.owner]
    response = _client(others[0]).post(f"/api/v1/tasks/{task.pk}/act/", {"data": {
        "conflict": "no"}}, format="json")
    assert response.status_code in (403, 404, 409)


def test_public_notices_and_objections_over_http(world, client):
    w = world
    case = selection.selection_apply(actor=w.provider, organization=w.organization,
                                     bureau=w.bureau, offerings=[w.offering])
    for node, actor, data in [
        ("qualification", w.clerk, {f"doc_{d.pk}": "verify" for d in w.documents}),
    ]:
        [task] = open_tasks(case, node)
        task_actions.task_perform(actor=actor, task=task, data=data)
    for task in open_tasks(case, "expert_review"):
        task_actions.task_perform(actor=task.owner, task=task, data={
                "conflict": "no", **{f"score_{k}": 80 for k in
                                     ["qualification", "course-plan", "safety", "price",
                                      "reputation"]}})
    [task] = open_tasks(case, "decision")
    task_actions.task_perform(actor=w.approver, task=task,
                          data={"decision": "approve", "confirm": "yes", "reason": "同意"})
    assert worker_runs() == 1  # the worker opens the notice after the decision commits
    page = client.get("/selection/notices/")
    assert page.status_code == 200 and w.organization.name in page.content.decode()
    # the objection form refuses an anonymous objection with a message next to the field
    response = client.post(f"/selection/notices/{case.pk}/object/",
                           {"real_name": "匿名", "contact": "1", "reason": "不同意该机构入选"})
    assert response.status_code == 400
    assert "真实姓名" in response.content.decode()
    response = client.post(f"/api/v1/notices/{case.pk}/objections/",
                           {"real_name": "王小明", "contact": "13900000000",
                            "reason": "该机构收费高于公示标准。"})
    assert response.status_code == 201
    assert SelectionProcess.objects.get(pk=case.pk).objections.count() == 1


def test_case_pages_are_scoped(world, client):
    w = world
    case = selection.selection_apply(actor=w.provider, organization=w.organization,
                                     bureau=w.bureau, offerings=[w.offering])
    client.force_login(w.provider)
    page = client.get(f"/selection/cases/{case.pk}/")
    assert page.status_code == 200 and "提交申请" in page.content.decode()  # case.apply, in words
    client.force_login(w.other_provider)
    assert client.get(f"/selection/cases/{case.pk}/").status_code == 404
    # viewflow's own process pages follow the same rule
    client.force_login(w.other_clerk)
    assert client.get(f"/organizationselection/{case.pk}/").status_code == 403
    for path in ["/organizationselection/flows/", "/organizationselection/tasks/",
                 "/organizationselection/"]:
        page = client.get(path)
        assert page.status_code == 200, path
        assert w.organization.name not in page.content.decode(), path
    client.force_login(w.clerk)
    # viewflow's page of the process is the case's own page
    response = client.get(f"/organizationselection/{case.pk}/")
    assert response.status_code == 302 and response.url == f"/selection/cases/{case.pk}/"
    assert client.get(response.url).status_code == 200
    assert w.organization.name in client.get("/organizationselection/flows/").content.decode()


@pytest.mark.parametrize("path", ["/selection/apply/", "/selection/cases/",
                                  "/selection/notifications/"])
def test_portal_pages_need_login(client, path, db):
    response = client.get(path)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_case_page_links_the_tasks_waiting_for_the_user(world, client):
    w = world
    case = selection.selection_apply(actor=w.provider, organization=w.organization,
                                     bureau=w.bureau, offerings=[w.offering])
    client.force_login(w.clerk)
    page = client.get(f"/selection/cases/{case.pk}/").content.decode()
    [task] = open_tasks(case, "qualification")
    assert f"/organizationselection/{case.pk}/qualification/{task.pk}/" in page
    client.force_login(w.provider)
    page = client.get(f"/selection/cases/{case.pk}/").content.decode()
    assert "qualification/" not in page
    # the task page itself opens for the clerk (viewflow's frontend, our form)
    client.force_login(w.clerk)
    response = client.get(f"/organizationselection/{case.pk}/qualification/{task.pk}/",
                          follow=True)
    assert response.status_code == 200


def test_clerk_takes_and_performs_a_task_in_the_web_frontend(world, client):
    w = world
    case = selection.selection_apply(actor=w.provider, organization=w.organization,
                                     bureau=w.bureau, offerings=[w.offering])
    [task] = open_tasks(case, "qualification")
    base = f"/organizationselection/{case.pk}/qualification/{task.pk}"
    client.force_login(w.clerk)
    assert client.post(f"{base}/assign/").status_code in (200, 302)
    form = client.get(f"{base}/execute/")
    assert form.status_code == 200
    body = form.content.decode()
    assert "营业执照" in body  # one verify/reject choice per document
    # a rejection without a reason is refused next to the field, and nothing moves
    licence = w.documents[0]
    data = {f"doc_{d.pk}": "verify" for d in w.documents}
    data[f"doc_{licence.pk}"] = "reject"
    response = client.post(f"{base}/execute/", data)
    assert response.status_code == 200
    assert "请填写驳回该材料的理由" in response.content.decode()  # zh-hans, the default
    assert open_tasks(case, "qualification")
    data[f"doc_{licence.pk}"] = "verify"
    response = client.post(f"{base}/execute/", data)
    assert response.status_code == 302
    assert not open_tasks(case, "qualification")
    assert len(open_tasks(case, "expert_review")) == 3


def test_list_endpoints_stay_bounded(world, django_assert_max_num_queries):
    """Query counts of the workflow lists do not grow with the rows."""
    from tests.factories import OfferingFactory, OrganizationFactory
    from tests.workflows.conftest import upload_all

    w = world
    selection.selection_apply(actor=w.provider, organization=w.organization, bureau=w.bureau,
                              offerings=[w.offering])
    for _ in range(3):
        org = OrganizationFactory()
        from registry import services as registry_services

        registry_services.role_grant(actor=w.root, user=w.provider, role="provider",
                                     target=org)
        offering = OfferingFactory(organization=org)  # first: its course plan is uploaded
        upload_all(w.provider, org)
        selection.selection_apply(actor=w.provider, organization=org, bureau=w.bureau,
                                  offerings=[offering])
    client = _client(w.provider)
    for path in ["/api/v1/cases/", "/api/v1/notifications/", "/api/v1/vettings/",
                 "/api/v1/notices/"]:
        with django_assert_max_num_queries(12):
            response = client.get(path)
        assert response.status_code == 200, path
    assert client.get("/api/v1/cases/").json()["count"] == 4


def test_objection_evidence_with_s3_unreachable_is_a_503_and_saves_nothing(world, client,
                                                                           settings):
    """The objection is not lost silently: the filer is told the store is down (503), and
    no half-saved objection or object remains."""
    from tests.conftest import s3_storage_config
    from tests.workflows.conftest import pdf
    from tests.workflows.test_selection_flow import _to_notice
    from workflows.models import Objection

    case = _to_notice(world)
    dead = s3_storage_config("http://127.0.0.1:1", "nowhere")  # nothing listens on port 1
    settings.STORAGES = {**settings.STORAGES, "documents": dead, "default": dead}
    response = client.post(f"/api/v1/notices/{case.pk}/objections/", {
        "real_name": "王小明", "contact": "13900000000", "reason": "该机构收费高于公示标准。",
        "evidence": pdf("收据.pdf")})
    assert response.status_code == 503 and response.json()["detail"]
    page = client.post(f"/selection/notices/{case.pk}/object/", {
        "real_name": "王小明", "contact": "13900000000", "reason": "该机构收费高于公示标准。",
        "evidence": pdf("收据.pdf")})
    assert page.status_code == 503
    assert not Objection.objects.exists()


@pytest.mark.parametrize("query_date", [20260401, ["2026-04-01"], {"day": "2026-04-01"}])
def test_a_task_field_that_is_not_text_is_a_400_not_a_500(world, query_date):
    # the task's form reads posted text: a number is read as its text (not a date here),
    # a list or an object is refused by name
    from tests.factories import PersonFactory
    from tests.workflows.conftest import upload_all

    w = world
    person = PersonFactory(organization=w.organization, kind="retiree")
    documents = upload_all(w.provider, person)
    case = vetting.vetting_start(actor=w.provider, person=person, bureau=w.bureau)
    [task] = open_tasks(case, "verification")
    data = {f"doc_{d.pk}": "verify" for d in documents}
    data.update(query_reference="NC-2026-000123", query_date=query_date,
                query_result="clear")
    response = _client(w.clerk).post(f"/api/v1/tasks/{task.pk}/act/", {"data": data},
                                     format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400, response.content.decode()[:500]
    assert response.json() == {"query_date": [
        "Enter a valid date." if isinstance(query_date, int)
        else "Give one value here, not a list or an object."]}
    assert open_tasks(case, "verification")  # nothing done


def test_the_case_list_asks_the_panel_once_per_case_not_per_expert_task(
        world, django_assert_max_num_queries):
    """Who may open each open task, and read its holder, is asked per task
    (workflows.selectors.tasks_openable_by, may_see_task_holder): the panel's answer for a
    case is read once, not once per expert's task (13 queries with three experts drawn)."""
    from tests.workflows.conftest import open_tasks, worker_runs
    from tests.workflows.test_selection_flow import _apply, _verify_all

    w = world
    case = _apply(w)
    _verify_all(w, case)
    worker_runs()  # the panel is drawn in the worker
    assert len(open_tasks(case, "expert_review")) == 3
    for reader in (w.provider, w.clerk):
        client = _client(reader)
        client.get("/api/v1/cases/")  # the content types and the session, read once
        with django_assert_max_num_queries(9):
            response = client.get("/api/v1/cases/")
        assert response.status_code == 200
