"""Every task row, inbox row, notification and dashboard count leads to the case (issue 19,
point 1): the rows of the engine's queue, inbox, archive, task list and flow dashboard link to
the case's page; the bureau dashboard's counts of cases link to the list of the cases they
count, whose rows link to each case's page; a notification about a case or a list of them
links there."""

import re

import pytest
from django.urls import reverse
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from registry import services as registry_services
from registry.roles import Role
from tests.factories import OfferingFactory, OrganizationFactory
from tests.workflows.conftest import open_tasks, upload_all
from workflows import task_actions
from workflows.models import Notification
from workflows.services import list_review, selection

pytestmark = pytest.mark.django_db


def _apply(w):
    """An application of another organization of the world's provider (one open case per
    organization and bureau), complete."""
    organization = OrganizationFactory()
    registry_services.role_grant(actor=w.root, user=w.provider, role=Role.PROVIDER,
                                 target=organization)
    offering = OfferingFactory(organization=organization)
    case_documents = upload_all(w.provider, organization)
    case = selection.selection_apply(actor=w.provider, organization=organization,
                                     bureau=w.bureau, offerings=[offering])
    open_tasks(case)  # the worker has run the automatic steps
    case.uploaded = case_documents
    return case


def _verify_all(w, case):
    [task] = open_tasks(case, "qualification")
    data = {f"doc_{d.pk}": "verify" for d in case.uploaded}
    assert task_actions.task_perform(actor=w.clerk, task=task, data=data)


def _links(client, path):
    response = client.get(path)
    assert response.status_code == 200, path
    return set(re.findall(r'href="([^"]+)"', response.content.decode()))


def test_every_task_row_of_the_engine_links_to_its_case_page(world, client):
    w = world
    waiting = _apply(w)  # its qualification task waits in the clerks' queue
    held = _apply(w)
    [task] = open_tasks(held, "qualification")
    with task.activation() as activation:
        activation.assign(w.clerk)
    done = _apply(w)
    _verify_all(w, done)  # a finished task in the clerk's archive
    page = {case: f"/selection/cases/{case.pk}/" for case in (waiting, held, done)}
    client.force_login(w.clerk)
    assert page[waiting] in _links(client, "/organizationselection/queue/")
    assert page[held] in _links(client, "/organizationselection/inbox/")
    assert page[done] in _links(client, "/organizationselection/archive/")
    listed = _links(client, "/organizationselection/tasks/")
    assert set(page.values()) <= listed
    assert {page[waiting], page[held]} <= _links(client, "/organizationselection/")
    # the applicant's own rows too (its cases' task list)
    client.force_login(w.provider)
    assert set(page.values()) <= _links(client, "/organizationselection/tasks/")


def test_the_dashboard_counts_link_to_the_cases_they_count(world, client):
    w = world
    cases = [_apply(w), _apply(w)]
    # an automatic step of the second case failed and waits for an administrator
    step = Task.objects.filter(process_id=cases[1].pk).exclude(
        flow_task_type="HUMAN").order_by("-pk").first()
    Task.objects.filter(pk=step.pk).update(status=STATUS.ERROR)
    client.force_login(w.clerk)
    dashboard = f"/selection/dashboard/{w.bureau.pk}/"
    links = _links(client, dashboard)
    opened = f"/selection/dashboard/{w.bureau.pk}/cases/?type=selection"
    failed = f"/selection/dashboard/{w.bureau.pk}/failed/"
    assert opened in links and failed in links
    assert {f"/selection/cases/{c.pk}/" for c in cases} <= _links(client, opened)
    failed_rows = _links(client, failed)
    assert f"/selection/cases/{cases[1].pk}/" in failed_rows
    assert f"/selection/cases/{cases[0].pk}/" not in failed_rows


def test_a_notification_about_cases_links_to_them(world, client):
    w = world
    case = _apply(w)
    open_tasks(case)  # the clerks are told of the task in their queue
    note = Notification.objects.filter(user=w.clerk).latest("pk")
    assert note.url == f"/selection/cases/{case.pk}/"
    client.force_login(w.clerk)
    assert note.url in _links(client, "/selection/notifications/")


def test_the_yearly_list_review_and_the_expiry_digest_link_to_their_lists(world):
    w = world
    list_review.list_review_start(actor=w.admin, bureau=w.bureau)
    note = Notification.objects.filter(user=w.admin).latest("pk")
    assert note.url == reverse("workflows:list-reviews", args=[w.bureau.pk])
