"""Two people acting on one task at once: exactly one wins (PostgreSQL, real threads)."""

import threading

import pytest
from django.db import connection, connections

from registry.models import AuditEvent
from tests.workflows.conftest import open_tasks, worker_runs
from workflows import task_actions
from workflows.services import errors, selection

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SCORES = {"qualification": 80, "course-plan": 80, "safety": 80, "price": 80,
          "reputation": 80}


def _to_decision(w):
    case = selection.selection_apply(actor=w.provider, organization=w.organization,
                                     bureau=w.bureau, offerings=[w.offering])
    [task] = open_tasks(case, "qualification")
    task_actions.task_perform(actor=w.clerk, task=task,
                              data={f"doc_{d.pk}": "verify" for d in w.documents})
    for task in open_tasks(case, "expert_review"):
        task_actions.task_perform(actor=task.owner, task=task, data={
                "conflict": "no", **{f"score_{k}": v for k, v in SCORES.items()}})
    [task] = open_tasks(case, "decision")
    return case, task


def test_fifty_approvers_deciding_one_task(world):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://… (CI does)")
    w = world
    approvers = [w.approver] + [w.staff("bureau_approver") for _ in range(49)]
    case, task = _to_decision(w)
    results, barrier = [], threading.Barrier(len(approvers))

    def decide(user):
        try:
            barrier.wait()
            task_actions.task_perform(actor=user, task=type(task).objects.get(pk=task.pk),
                                  data={"decision": "approve", "confirm": "yes",
                                        "reason": f"同意 {user.pk}"})
            results.append("ok")
        except errors.TaskAlreadyHandled:
            results.append("409")
        except Exception as exc:  # noqa: BLE001 - recorded and asserted below
            results.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=decide, args=(u,)) for u in approvers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert results.count("ok") == 1, results
    assert results.count("409") == len(approvers) - 1, results
    assert AuditEvent.objects.for_object(case).filter(action="case.decide").count() == 1
    case.refresh_from_db()
    assert case.decision == "approve"
    # and the worker opens one notice for it, once
    assert worker_runs() == 1 and worker_runs() == 0
    case.refresh_from_db()
    assert case.approval is not None
    assert AuditEvent.objects.for_object(case).filter(action="case.notice_start").count() == 1
