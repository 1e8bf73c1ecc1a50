"""What a reviewer's action costs in statements: the clerk's qualification check runs in the
task's transaction (under viewflow's lock) and opens no savepoint of its own."""

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from viewflow.workflow.models import Task

from tests.workflows.conftest import open_tasks
from workflows import task_actions
from workflows.services import selection


def _savepoints(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SAVEPOINT")]


def test_the_clerks_check_joins_the_tasks_transaction(world):
    w = world
    case = selection.selection_apply(actor=w.provider, organization=w.organization,
                                     bureau=w.bureau, offerings=[w.offering])
    decisions = {d.pk: "verify" for d in w.documents}
    # when: the service inside a caller's transaction, as the task's action calls it
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        assert selection.qualification_check(actor=w.clerk, case=case, decisions=decisions)
    # then: one savepoint, documents_review's (documents' own writer); the check and the
    # verdicts join the caller's transaction (two statements each were spent on theirs)
    assert len(_savepoints(queries)) == 1, _savepoints(queries)
    case.refresh_from_db()
    assert case.checked_by == w.clerk and case.missing == []


def test_the_clerks_check_through_the_api_stays_within_its_statements(
        world, django_assert_max_num_queries):
    w = world
    case = selection.selection_apply(actor=w.provider, organization=w.organization,
                                     bureau=w.bureau, offerings=[w.offering])
    [task] = open_tasks(case, "qualification")
    task = Task.objects.select_related("process").get(pk=task.pk)  # as the API loads it
    data = {f"doc_{d.pk}": "verify" for d in w.documents}
    # 29 here (the task's transaction is a savepoint inside the test's; the completeness
    # check reads the active offerings, for their course plans and the high-risk licence the
    # checklist follows); 33 while the
    # check and the verdicts each opened their own savepoint
    with django_assert_max_num_queries(29):
        assert task_actions.task_perform(actor=w.clerk, task=task, data=data)
