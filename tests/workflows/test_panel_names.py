"""The expert panel's table names each expert as every page names a person: by full name,
or "用户 N" for an account without one, never by the account's username (often an e-mail
address). The case page and the decision's task page printed the username."""

import pytest

from tests.workflows.conftest import open_tasks
from tests.workflows.test_selection_flow import _apply, _score_all, _verify_all
from workflows import selectors

pytestmark = pytest.mark.django_db


def _panel_of_unnamed_and_named_experts(w):
    """The four experts: e-mail addresses as usernames, the first alone with a name."""
    for number, expert in enumerate(w.experts):
        expert.username = f"panel.expert{number}@example.invalid"
        expert.first_name, expert.last_name = ("王专家", "") if number == 0 else ("", "")
        expert.save(update_fields=["username", "first_name", "last_name"])
    case = _apply(w)
    _verify_all(w, case)
    _score_all(w, case)
    return case


def _shown(body: str, case) -> None:
    """Every seated expert named by label in ``body``, none by username."""
    seats = list(case.assignments.select_related("expert"))
    assert seats
    for seat in seats:
        expert = seat.expert
        assert expert.username not in body
        assert "@example.invalid" not in body
        label = "王专家" if expert.first_name else f"用户 {expert.pk}"
        assert label in body, label


def test_the_case_page_names_the_panel_by_full_name_or_number(world, client):
    w = world
    case = _panel_of_unnamed_and_named_experts(w)
    client.force_login(w.clerk)
    response = client.get(selectors.case_url(case), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    _shown(response.content.decode(), case)


def test_the_decision_task_page_names_the_panel_by_full_name_or_number(world, client):
    w = world
    case = _panel_of_unnamed_and_named_experts(w)
    [task] = open_tasks(case, "decision")
    page = f"/organizationselection/{case.pk}/decision/{task.pk}/"
    client.force_login(w.approver)
    assert client.post(page + "assign/", {"_continue": "1"}).status_code in (200, 302)
    response = client.get(page + "execute/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    body = response.content.decode()
    _shown(body, case)
