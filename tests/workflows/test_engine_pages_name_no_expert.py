"""The applicant never reads an expert's name (issue 19, point 5), not even on the workflow
engine's own pages of its case: viewflow's process and task pages name each task's holder."""

import pytest

from registry.roles import Role
from tests.workflows.conftest import open_tasks
from tests.workflows.test_selection_flow import _apply, _score_all, _verify_all

pytestmark = pytest.mark.django_db


def test_the_engine_pages_of_a_case_never_name_an_expert_to_the_applicant(world, client):
    w = world
    for number, expert in enumerate(w.experts):
        expert.username, expert.first_name = f"expert-name-{number}", f"专家{number}"
        expert.save(update_fields=["username", "first_name"])
    case = _apply(w)
    _verify_all(w, case)
    held = open_tasks(case, "expert_review")
    assert held, "the panel is drawn"
    _score_all(w, case)
    done = [t for t in case.task_set.filter(flow_task__endswith="expert_review")]
    client.force_login(w.provider)
    pages = [f"/organizationselection/{case.pk}/", f"/selection/cases/{case.pk}/"]
    pages += [f"/organizationselection/{case.pk}/expert_review/{t.pk}/{suffix}"
              for t in done for suffix in ("", "detail/")]
    for page in pages:
        response = client.get(page, follow=True)
        body = response.content.decode()
        for number in range(len(w.experts)):
            assert f"expert-name-{number}" not in body and f"专家{number}" not in body, page


def test_the_engines_board_and_lists_name_no_expert_while_the_panel_reviews(world, client):
    # given the panel drawn and reviewing (the tasks open, each held by its expert)
    w = world
    for number, expert in enumerate(w.experts):
        expert.username, expert.first_name = f"expert-name-{number}", f"专家{number}"
        expert.save(update_fields=["username", "first_name"])
    case = _apply(w)
    _verify_all(w, case)
    held = open_tasks(case, "expert_review")
    assert held and all(t.owner_id for t in held)
    pages = ["/organizationselection/", "/organizationselection/tasks/",
             "/organizationselection/flows/", "/organizationselection/inbox/",
             "/organizationselection/queue/", "/organizationselection/archive/"]

    # the applicant, on viewflow's process board (a card a task, with its holder) and lists
    client.force_login(w.provider)
    for page in pages:
        body = client.get(page, follow=True).content.decode()
        for number in range(len(w.experts)):
            assert f"expert-name-{number}" not in body and f"专家{number}" not in body, page
    board = client.get("/organizationselection/").content.decode()
    # the experts' review tasks are not on the applicant's board at all (a card a task,
    # headed #case/task): it may not open them (workflows.selectors.tasks_listed_for)
    assert not [t for t in held if f"#{case.pk}/{t.pk}" in board]

    # the bureau's clerk reads who holds each review, by name (never the login name)
    client.force_login(w.clerk)
    board = client.get("/organizationselection/").content.decode()
    assert all(t.owner.first_name in board for t in held)
    assert not any(t.owner.username in board for t in held)
    assert all(f"#{case.pk}/{t.pk}" in board for t in held)  # the cards the applicant lacks


def test_the_applicant_reads_that_the_clerk_took_its_case_never_who(world, client):
    # given the clerk holding the qualification check of the provider's case
    w = world
    w.clerk.username, w.clerk.first_name = "clerk-wang-li", "王丽"
    w.clerk.save(update_fields=["username", "first_name"])
    case = _apply(w)
    [task] = open_tasks(case, "qualification")
    with task.activation() as activation:
        activation.assign(w.clerk)
    pages = ["/organizationselection/", "/organizationselection/tasks/",
             f"/organizationselection/{case.pk}/qualification/{task.pk}/detail/"]

    # the applicant, on the engine's task list (its holder column), board and task page
    client.force_login(w.provider)
    for page in pages:
        response = client.get(page)
        body = response.content.decode()
        assert response.status_code == 200, page
        # then the task is there, as taken, without the clerk's name
        assert "已有人办理" in body, page
        assert "clerk-wang-li" not in body and "王丽" not in body, page

    # the clerk's colleagues of the bureau read who holds it: by name, never the login name
    colleague = w.staff(Role.BUREAU_CLERK)
    client.force_login(colleague)
    for page in pages:
        body = client.get(page).content.decode()
        assert "王丽" in body and "已有人办理" not in body, page
        assert "clerk-wang-li" not in body, page
