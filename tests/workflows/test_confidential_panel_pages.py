"""The panel is blind and confidential (issue 19, point 5), on the workflow engine's own pages
too: an expert's review task, and the panel's split and join that list every seat, open only
to the case's bureau staff and (the review task) to the expert holding it. The applicant, an
expert not on the panel, another expert of the same panel (before and after scoring) and
another bureau's clerk get a 404; the engine's dashboard and task list leave those tasks out
for them, and so never name an expert; nor does the case API."""

import pytest
from rest_framework.test import APIClient
from viewflow.workflow.models import Task

from tests.workflows.conftest import open_tasks
from tests.workflows.test_selection_flow import SCORES, _apply, _score_all, _verify_all
from workflows import task_actions

pytestmark = pytest.mark.django_db

SCORED = {"conflict": "no", **{f"score_{k}": v for k, v in SCORES.items()}}


def _panel_case(w):
    for number, expert in enumerate(w.experts):
        expert.username = f"expert-name-{number}"
        expert.save(update_fields=["username"])
    case = _apply(w)
    _verify_all(w, case)
    assert len(open_tasks(case, "expert_review")) == 3  # the worker has drawn the panel
    return case


def _pages(case, node):
    tasks = Task.objects.filter(process_id=case.pk, flow_task__endswith=f".{node}")
    return {task: [f"/organizationselection/{case.pk}/{node}/{task.pk}/{suffix}"
                   for suffix in ("", "detail/")] for task in tasks}


def _status(client, user, path):
    client.force_login(user)
    return client.get(path).status_code


def test_only_the_bureau_and_the_holding_expert_open_a_review_task(world, client):
    w = world
    case = _panel_case(w)
    reviews = _pages(case, "expert_review")
    on_panel = {task.owner for task in reviews}
    [off_panel] = [e for e in w.experts if e not in on_panel]
    for task, pages in reviews.items():
        for path in pages:
            # refused: the applicant, an expert not on the panel, the other experts of the
            # panel (who have not scored yet), another bureau's clerk
            for user in [w.provider, off_panel, w.other_clerk,
                         *(e for e in on_panel if e != task.owner)]:
                assert _status(client, user, path) == 404, (path, user.username)
            # let in: the expert holding it, the case's bureau staff (index pages redirect)
            for user in [task.owner, w.clerk, w.approver, w.admin]:
                assert _status(client, user, path) in (200, 302), (path, user.username)


def test_an_expert_who_has_scored_still_does_not_open_another_experts_task(world, client):
    w = world
    case = _panel_case(w)
    first = open_tasks(case, "expert_review")[0]
    assert task_actions.task_perform(actor=first.owner, task=first,
                                     data=SCORED)
    for task, pages in _pages(case, "expert_review").items():
        if task.owner != first.owner:
            for path in pages:
                assert _status(client, first.owner, path) == 404, path


def test_the_panels_split_and_join_are_not_the_applicants(world, client):
    w = world
    case = _panel_case(w)
    _score_all(w, case)
    for node in ("panel", "panel_done"):
        [(task, pages)] = _pages(case, node).items()
        detail = pages[1]
        assert _status(client, w.provider, detail) == 404, detail
        assert _status(client, w.other_clerk, detail) == 404, detail
        assert _status(client, w.clerk, detail) == 200, detail
        expert = case.assignments.first().expert
        assert _status(client, expert, detail) == 200, detail  # an expert of the panel


@pytest.mark.parametrize("page", ["/organizationselection/", "/organizationselection/tasks/"])
def test_the_engine_lists_name_no_expert_and_no_panel_task_to_the_applicant(world, client,
                                                                            page):
    w = world
    case = _panel_case(w)
    reviews = _pages(case, "expert_review")
    client.force_login(w.provider)
    body = client.get(page).content.decode()
    for number in range(len(w.experts)):
        assert f"expert-name-{number}" not in body, page
    for task in reviews:
        assert f"/expert_review/{task.pk}/" not in body
    # the bureau's clerk still finds every seat's task there
    client.force_login(w.clerk)
    body = client.get(page).content.decode()
    for task in reviews:
        assert f"/expert_review/{task.pk}/" in body


def test_the_case_api_lists_no_review_task_and_no_experts_id_to_the_applicant(world):
    """``GET /api/v1/cases/<id>/`` lists the case's open tasks: to the applicant it listed each
    expert's review with the expert's user id, which the task pages and lists hide."""
    # given the panel reviewing
    w = world
    case = _panel_case(w)
    held = open_tasks(case, "expert_review")
    api = APIClient()

    # the applicant: no review task, no expert's id
    api.force_authenticate(w.provider)
    rows = api.get(f"/api/v1/cases/{case.pk}/").json()["open_tasks"]
    assert not [r for r in rows if r["node"] == "expert_review"], rows
    listed = api.get("/api/v1/cases/").json()["results"]
    [row] = [r for r in listed if r["id"] == case.pk]
    assert not [r for r in row["open_tasks"] if r["node"] == "expert_review"]

    # an expert of the panel: its own review, with itself as holder, not the others'
    expert = held[0].owner
    api.force_authenticate(expert)
    rows = api.get(f"/api/v1/cases/{case.pk}/").json()["open_tasks"]
    assert [(r["id"], r["owner"]) for r in rows] == [(held[0].pk, expert.pk)]

    # the bureau's clerk: every review and who holds it
    api.force_authenticate(w.clerk)
    rows = api.get(f"/api/v1/cases/{case.pk}/").json()["open_tasks"]
    assert sorted((r["id"], r["owner"]) for r in rows) == sorted(
        (t.pk, t.owner_id) for t in held)


def test_the_case_api_names_no_holder_of_the_clerks_task_to_the_applicant(world):
    w = world
    case = _apply(w)
    [task] = open_tasks(case, "qualification")
    with task.activation() as activation:
        activation.assign(w.clerk)
    api = APIClient()
    api.force_authenticate(w.provider)
    [row] = api.get(f"/api/v1/cases/{case.pk}/").json()["open_tasks"]
    assert (row["id"], row["status"], row["owner"]) == (task.pk, "ASSIGNED", None)
    api.force_authenticate(w.clerk)
    [row] = api.get(f"/api/v1/cases/{case.pk}/").json()["open_tasks"]
    assert row["owner"] == w.clerk.pk
