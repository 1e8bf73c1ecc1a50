"""viewflow's own pages of a task: take it, hand it back, only when that makes sense.

Found by the permission matrix (tests/security): viewflow showed “take this task?” for a
cancelled task and “hand it back?” for a finished one to whoever held the permission, and
let an expert or an applicant hand the task the flow had given them by name back to a queue
where nobody else may do it (and, for a vetting correction, where anyone signed in could
take it). Found reading viewflow's task wrapper beside it: a task was found by its id
alone, whatever node and case the address named.
"""

from viewflow.workflow.status import STATUS

from registry import services as registry_services
from tests.workflows.conftest import open_tasks, vetting_back_for_correction
from workflows import task_actions
from workflows.services import outcome, selection


def _apply(w):
    return selection.selection_apply(actor=w.provider, organization=w.organization,
                                     bureau=w.bureau, offerings=[w.offering])


def _page(case, task, action):
    flow = case.flow_class.instance.flow_label
    return f"/{flow}/{case.pk}/{task.flow_task.name}/{task.pk}/{action}/"


def test_a_task_waiting_in_the_queue_is_taken_and_handed_back_by_its_clerk(world, client):
    w = world
    case = _apply(w)
    [task] = open_tasks(case, "qualification")
    client.force_login(w.clerk)
    assert client.get(_page(case, task, "assign")).status_code == 200
    assert client.get(_page(case, task, "unassign")).status_code == 403  # nobody holds it
    response = client.post(_page(case, task, "assign"), {"_continue": "1"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == STATUS.ASSIGNED and task.owner == w.clerk
    assert client.get(_page(case, task, "assign")).status_code == 403  # already taken
    assert client.get(_page(case, task, "unassign")).status_code == 200
    assert client.post(_page(case, task, "unassign"), {}).status_code == 302
    task.refresh_from_db()
    assert task.status == STATUS.NEW and task.owner is None


def test_a_finished_task_is_neither_taken_nor_handed_back(world, client):
    w = world
    case = _apply(w)
    [task] = open_tasks(case, "qualification")
    task_actions.task_perform(actor=w.clerk, task=task,
                              data={f"doc_{d.pk}": "verify" for d in w.documents})
    task.refresh_from_db()
    assert task.status == STATUS.DONE and task.owner == w.clerk
    client.force_login(w.clerk)
    for action in ("assign", "unassign"):
        assert client.get(_page(case, task, action)).status_code == 403, action
        assert client.post(_page(case, task, action), {}).status_code == 403, action
    task.refresh_from_db()
    assert task.status == STATUS.DONE and task.owner == w.clerk


def test_a_cancelled_task_cannot_be_taken(world, client):
    w = world
    case = _apply(w)
    [task] = open_tasks(case, "qualification")
    outcome.case_withdraw(actor=w.provider, case=case)
    task.refresh_from_db()
    assert task.status == STATUS.CANCELED and task.owner is None
    client.force_login(w.clerk)
    assert client.get(_page(case, task, "assign")).status_code == 403
    assert client.post(_page(case, task, "assign"), {"_continue": "1"}).status_code == 403
    task.refresh_from_db()
    assert task.status == STATUS.CANCELED and task.owner is None


def test_an_experts_review_stays_with_the_expert(world, client):
    w = world
    case = _apply(w)
    [task] = open_tasks(case, "qualification")
    task_actions.task_perform(actor=w.clerk, task=task,
                              data={f"doc_{d.pk}": "verify" for d in w.documents})
    review = open_tasks(case, "expert_review")[0]
    assert review.status == STATUS.ASSIGNED
    client.force_login(review.owner)
    assert client.get(_page(case, review, "execute")).status_code == 200
    assert client.get(_page(case, review, "unassign")).status_code == 403
    assert client.post(_page(case, review, "unassign"), {}).status_code == 403
    review.refresh_from_db()
    assert review.status == STATUS.ASSIGNED


def test_a_vetting_correction_stays_with_the_applicant(world, client):
    w = world
    case, task = vetting_back_for_correction(w)
    assert task.status == STATUS.ASSIGNED and task.owner == w.provider
    client.force_login(w.provider)
    assert client.get(_page(case, task, "execute")).status_code == 200
    assert client.get(_page(case, task, "unassign")).status_code == 403
    assert client.post(_page(case, task, "unassign"), {}).status_code == 403
    # handed back by a flow manager, it is still the applicant's only (it needs no
    # permission: viewflow would have let anyone signed in take it)
    client.force_login(w.root)
    assert client.post(_page(case, task, "unassign"), {}).status_code == 302
    task.refresh_from_db()
    assert task.status == STATUS.NEW
    client.force_login(w.other_provider)
    assert client.get(_page(case, task, "assign")).status_code == 403
    assert client.post(_page(case, task, "assign"), {"_continue": "1"}).status_code == 403
    client.force_login(w.provider)
    assert client.post(_page(case, task, "assign"), {"_continue": "1"}).status_code == 302
    task.refresh_from_db()
    assert task.status == STATUS.ASSIGNED and task.owner == w.provider


def test_a_task_page_answers_only_for_its_own_node(world, client):
    """The engine finds the task by its id alone: a qualification task opened under the
    decision's address would run the decision's form on it and skip the document check."""
    from registry.roles import Role

    w = world
    registry_services.role_grant(actor=w.root, user=w.clerk,
                                 role=Role.BUREAU_APPROVER, target=w.bureau)
    case = _apply(w)
    [task] = open_tasks(case, "qualification")
    client.force_login(w.clerk)
    client.post(_page(case, task, "assign"), {"_continue": "1"})
    task.refresh_from_db()
    assert task.owner == w.clerk
    wrong = _page(case, task, "execute").replace("/qualification/", "/decision/")
    for action in ("execute", "detail", "assign", "unassign", "cancel", "undo", "revive"):
        url = wrong.replace("/execute/", f"/{action}/")
        assert client.get(url).status_code == 404, action
    response = client.post(wrong, {"decision": "approve", "reason": "同意", "_continue": "1"})
    assert response.status_code == 404
    task.refresh_from_db()
    case.refresh_from_db()
    assert task.status == STATUS.ASSIGNED and case.decision == ""
    # nor under another case's address (that case, not the task's, would be locked)
    other = _page(case, task, "execute").replace(f"/{case.pk}/", f"/{case.pk + 1}/")
    assert client.get(other).status_code == 404
    assert client.get(_page(case, task, "execute")).status_code == 200
