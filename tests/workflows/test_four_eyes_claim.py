"""Four eyes when a task is taken, not only when its form is sent: whoever may not make a
decision (the clerk who checked the case, an expert of its panel, the clerk who investigated
a review case) may not take the decision's task from the queue either, through the pages a
user takes it by; it would sit held by someone who cannot finish it. The refusal says why,
and the task stays in the queue for someone who may."""

import datetime

import pytest
from django.urls import reverse
from viewflow.workflow.status import STATUS

from registry import services as registry_services
from registry.roles import Role
from tests.after.beat import beat_day
from tests.after.test_review_case import _investigate, _report_incident, _task
from tests.after.test_review_case import w as review_world  # noqa: F401 - a fixture
from tests.workflows.conftest import open_tasks
from tests.workflows.test_selection_flow import _apply, _score_all, _verify_all

FLOW = "organizationselection"
CLERK_REFUSED = "审查本申请的经办人不能对其作出审批决定。"
EXPERT_REFUSED = "抽取参与本申请评审的专家不能对其作出审批决定。"


def _decision_waiting(w):
    case = _apply(w)
    _verify_all(w, case)
    _score_all(w, case)
    [task] = open_tasks(case, "decision")
    return case, task


def _assert_not_taken(task):
    task.refresh_from_db()
    assert (task.status, task.owner_id) == (STATUS.NEW, None)


def _queued(client, task) -> tuple[bool, bool]:
    """Whether ``task`` is on the signed-in user's queue page, and on the API's list of
    their open tasks."""
    page = client.get(f"/{FLOW}/queue/").content.decode()
    api = client.get("/api/v1/tasks/").json()["results"]
    return f"/decision/{task.pk}/" in page, any(row["id"] == task.pk for row in api)


def _assert_not_queued(client, task):
    assert _queued(client, task) == (False, False)


def test_the_clerk_who_checked_cannot_take_the_decision(world, client):
    w = world
    case, task = _decision_waiting(w)
    # given: the clerk who checked the case is an approver of the bureau as well
    registry_services.role_grant(actor=w.root, user=w.clerk, role=Role.BUREAU_APPROVER,
                                 target=w.bureau)
    client.force_login(w.clerk)
    assign = f"/{FLOW}/{case.pk}/decision/{task.pk}/assign/"
    # when: they open the task's take page, or take it
    page = client.get(assign)
    taken = client.post(assign, {"_continue": "1"})
    # then: refused, saying why; the task is still in the queue
    assert page.status_code == 403 and CLERK_REFUSED in page.content.decode()
    assert taken.status_code == 403 and CLERK_REFUSED in taken.content.decode()
    _assert_not_taken(task)
    # nor through the queue's "take the selected tasks"
    bulk = client.post(f"/{FLOW}/queue/assign/", {"pk": [task.pk], "_confirm": "1"})
    assert bulk.status_code == 403
    _assert_not_taken(task)
    # nor through the API, which says why as well
    api = client.post(f"/api/v1/tasks/{task.pk}/act/", {"data": {
        "decision": "approve", "confirm": "yes", "reason": "同意"}},
        content_type="application/json")
    assert api.status_code == 403 and CLERK_REFUSED in api.content.decode()
    _assert_not_taken(task)
    # the case page offers them no decision to take
    case_page = client.get(f"/selection/cases/{case.pk}/").content.decode()
    assert f"/decision/{task.pk}/" not in case_page
    # nor do their queue page, its count in the menu, and the API's list of their tasks
    _assert_not_queued(client, task)
    # an approver with no part in the case has it in their queue, takes it, and it is theirs
    client.force_login(w.approver)
    assert _queued(client, task) == (True, True)
    assert client.post(assign, {"_continue": "1"}).status_code == 302
    task.refresh_from_db()
    assert (task.status, task.owner) == (STATUS.ASSIGNED, w.approver)


def test_an_expert_of_the_panel_cannot_take_the_decision(world, client):
    w = world
    case, task = _decision_waiting(w)
    expert = case.assignments.filter(status="scored").first().expert
    registry_services.role_grant(actor=w.root, user=expert, role=Role.BUREAU_APPROVER,
                                 target=w.bureau)
    client.force_login(expert)
    taken = client.post(f"/{FLOW}/{case.pk}/decision/{task.pk}/assign/", {"_continue": "1"})
    assert taken.status_code == 403 and EXPERT_REFUSED in taken.content.decode()
    _assert_not_taken(task)
    _assert_not_queued(client, task)


@pytest.mark.django_db
def test_the_investigating_clerk_cannot_take_the_review_decision(client, review_world):  # noqa: F811
    w = review_world
    case = _investigate(client, w, _report_incident(client, w))
    beat_day(datetime.date(2027, 3, 16))  # no answer by the deadline: to the decision
    task = _task(case, "decide")
    # the clerk who investigated is an administrator too: only the rule stops them
    client.force_login(w.clerk)
    assign = reverse("reviewcase:decide:assign", args=[case.pk, task.pk])
    taken = client.post(assign, {"_continue": "1"})
    assert taken.status_code == 403
    assert "须由调查人以外的人员作出决定。" in taken.content.decode()
    _assert_not_taken(task)
    assert task.pk not in [row["id"] for row in client.get("/api/v1/tasks/").json()["results"]]
    assert f"/decide/{task.pk}/" not in client.get("/reviewcase/queue/").content.decode()
    client.force_login(w.decider)
    assert f"/decide/{task.pk}/" in client.get("/reviewcase/queue/").content.decode()
    client.force_login(w.decider)
    assert client.post(assign, {"_continue": "1"}).status_code == 302
