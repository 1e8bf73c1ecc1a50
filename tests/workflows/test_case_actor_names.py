"""A case's history names who acted as the reader may know them: a provider reads the
school's, its own organization's and the bureau's names, never another account's username
or e-mail address; the case's bureau staff read full names (and the party each acts for),
never a username or an e-mail either (defect: the history's 操作人 read "school", "clerk",
an e-mail address)."""

import re

import pytest
from django.urls import reverse
from viewflow.workflow.models import Task

from registry import services as registry_services
from registry.roles import Role
from tests.after.test_review_case import _investigate, _report_incident, w  # noqa: F401
from tests.factories import UserFactory
from tests.workflows.conftest import open_tasks
from tests.workflows.test_case_links import _apply, _verify_all
from workflows import selectors

pytestmark = pytest.mark.django_db


def _history(page) -> str:
    """The text of the page's history table (its last table)."""
    assert page.status_code == 200
    html = page.content.decode()
    return re.sub(r"<[^>]+>", " ", html[html.rindex("<table"):])


def _account_details(*users) -> list[str]:
    return [detail for user in users for detail in (user.get_username(), user.email)]


def _shown(details, text) -> list[str]:
    return [d for d in details if re.search(rf"(?<![\w@.]){re.escape(d)}(?![\w@.])", text)]


def test_a_provider_reads_the_parties_names_on_a_review_case(client, w):  # noqa: F811
    # given: a school reported an incident, the clerk investigated
    case = _investigate(client, w, _report_incident(client, w))
    school = w.engagement.school
    # when: the organization's provider opens the case page
    client.force_login(w.owner)
    history = _history(client.get(reverse("workflows:review-case", args=[case.pk])))
    # then: the school's and the bureau's names, not their accounts
    assert school.name in history
    assert w.bureau.name in history
    assert not _shown(_account_details(w.school_account, w.clerk), history), history


def test_bureau_staff_read_full_names_never_usernames_on_a_review_case(client, w):  # noqa: F811
    w.school_account.first_name = "王校长"
    w.school_account.save(update_fields=["first_name"])
    case = _investigate(client, w, _report_incident(client, w))
    client.force_login(w.decider)
    history = _history(client.get(reverse("workflows:review-case", args=[case.pk])))
    # the school's person by name and school; the clerk, who has no name set, by number
    assert f"王校长（{w.engagement.school.name}）" in history
    assert f"用户 {w.clerk.pk}" in history
    assert not _shown(_account_details(w.school_account, w.clerk), history), history


def test_a_provider_reads_no_account_details_on_a_selection_case(client, world):
    # given: one of the organization's providers applied, the clerk checked the documents
    case = _apply(world)
    _verify_all(world, case)
    colleague = UserFactory()
    registry_services.role_grant(actor=world.root, user=colleague, role=Role.PROVIDER,
                                 target=case.organization)
    # when: another of its providers opens the case page
    client.force_login(colleague)
    history = _history(client.get(reverse("workflows:case", args=[case.pk])))
    # then: the application under the organization's name, the check under the bureau's
    assert case.organization.name in history
    assert world.bureau.name in history
    assert not _shown(_account_details(world.provider, world.clerk, world.root), history), \
        history


def test_a_tasks_holder_is_named_by_full_name_never_by_username(world):
    case = _apply(world)
    [task] = open_tasks(case, "qualification")
    with task.activation() as activation:
        activation.assign(world.clerk)
    task = Task.objects.select_related("owner").get(pk=task.pk)
    assert selectors.task_holder_name(world.admin, task) == f"用户 {world.clerk.pk}"
    world.clerk.first_name, world.clerk.last_name = "文", "陈"
    world.clerk.save(update_fields=["first_name", "last_name"])
    task = Task.objects.select_related("owner").get(pk=task.pk)
    assert selectors.task_holder_name(world.admin, task) == world.clerk.get_full_name()
    assert selectors.task_holder_name(world.provider, task) == "已有人办理"
