"""The task list of /api/v1/tasks/: the same tasks as viewflow's inbox and queue, asked in
a shape an index can serve (workflows.task_queue.task_queue_for)."""

from django.db import connection
from rest_framework.test import APIClient
from viewflow.workflow.models import Task

from tests.workflows.conftest import open_tasks
from workflows import task_actions, task_queue
from workflows.flows import (
    AnnualReviewFlow,
    IndividualVettingFlow,
    OrganizationSelectionFlow,
    RecertificationFlow,
)
from workflows.services import selection

FLOWS = [OrganizationSelectionFlow, IndividualVettingFlow, RecertificationFlow,
         AnnualReviewFlow]


def _stock(user) -> set[int]:
    inbox = set(Task.objects.inbox(FLOWS, user).values_list("pk", flat=True))
    return inbox | set(Task.objects.queue(FLOWS, user).values_list("pk", flat=True))


def _ours(user) -> set[int]:
    return set(task_queue.task_queue_for(user, FLOWS).values_list("pk", flat=True))


def _apply(w):
    return selection.selection_apply(actor=w.provider, organization=w.organization,
                                     bureau=w.bureau, offerings=[w.offering])


def test_open_tasks_are_viewflows_inbox_and_queue(world):
    w = world
    case = _apply(w)
    [qualification] = open_tasks(case, "qualification")
    # given: the qualification check waits in the bureau's queue
    users = [w.clerk, w.other_clerk, w.approver, w.provider, *w.experts, w.root]
    for user in users:
        assert _ours(user) == _stock(user), user
    assert qualification.pk in _ours(w.clerk)
    assert qualification.pk not in _ours(w.other_clerk)
    assert qualification.pk not in _ours(w.approver)
    # when: the clerk verifies every document, experts are drawn and assigned a seat each
    task_actions.task_perform(actor=w.clerk, task=qualification,
                              data={f"doc_{d.pk}": "verify" for d in w.documents})
    seats = open_tasks(case, "expert_review")
    # then: each expert sees its own seat only (assigned tasks are the inbox)
    for user in users:
        assert _ours(user) == _stock(user), user
    for seat in seats:
        assert _ours(seat.owner) & {s.pk for s in seats} == {seat.pk}
    assert not _ours(w.clerk) & {s.pk for s in seats}


def test_task_list_endpoint_scopes_to_the_bureau(world, django_assert_max_num_queries):
    w = world
    case = _apply(w)
    [qualification] = open_tasks(case, "qualification")
    clerk, other = APIClient(), APIClient()
    clerk.force_authenticate(w.clerk)
    other.force_authenticate(w.other_clerk)
    with django_assert_max_num_queries(12):
        response = clerk.get("/api/v1/tasks/")
    assert response.status_code == 200
    assert [t["id"] for t in response.json()["results"]] == [qualification.pk]
    assert other.get("/api/v1/tasks/").json()["count"] == 0


def test_queue_query_can_use_the_queue_index(world):
    w = world
    _apply(w)
    sql, params = task_queue.task_queue_for(w.clerk, FLOWS).query.sql_with_params()
    assert "owner_permission_obj_pk" in sql and "CONCAT" not in sql.upper()
    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, "viewflow_task")
    assert any(c["columns"][:3] == ["owner_permission", "owner_permission_obj_pk", "status"]
               for c in indexes.values() if c["index"])
