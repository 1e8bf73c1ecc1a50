"""Each flow's own pages of cases and tasks (the dashboard, the case list, the task list,
the queue) name each row's case by its summary ("赵文静 → 南昌市教育局"): read
with the rows, not one case and its person or organization a row. A bureau's page of fifty
tasks asks what a page of one asks."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from registry import services as registry_services
from registry.roles import Role
from tests.factories import OfferingFactory, OrganizationFactory
from tests.workflows.conftest import open_tasks, upload_all, vetting_back_for_correction
from workflows import task_actions
from workflows.services import selection

pytestmark = pytest.mark.django_db

VETTING = ["/individualvetting/", "/individualvetting/flows/", "/individualvetting/tasks/"]
SELECTION = ["/organizationselection/", "/organizationselection/flows/",
             "/organizationselection/tasks/", "/organizationselection/queue/"]


def _count(client, url: str) -> int:
    client.get(url)  # caches warmed: what a second reading asks
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def _vetting_cases(w, n: int):
    for i in range(n):
        vetting_back_for_correction(w, name=f"李{'一二三四五'[i]}")


@pytest.mark.parametrize("url", VETTING)
def test_a_flows_pages_of_individual_cases_ask_as_much_for_many_cases_as_for_one(world, url):
    w = world
    clerk = Client()
    clerk.force_login(w.clerk)
    _vetting_cases(w, 1)
    one = _count(clerk, url)
    _vetting_cases(w, 4)
    assert _count(clerk, url) == one


def _selection_cases(w, n: int, *, checked=False):
    for _ in range(n):
        organization = OrganizationFactory()
        registry_services.role_grant(actor=w.root, user=w.provider, role=Role.PROVIDER,
                                     target=organization)
        offering = OfferingFactory(organization=organization, category=w.offering.category)
        documents = upload_all(w.provider, organization)
        case = selection.selection_apply(actor=w.provider, organization=organization,
                                         bureau=w.bureau, offerings=[offering])
        [qualification] = open_tasks(case, "qualification")
        if checked:  # the clerk's archive: a check done
            task_actions.task_perform(actor=w.clerk, task=qualification,
                                      data={f"doc_{d.pk}": "verify" for d in documents})


@pytest.mark.parametrize("url", SELECTION)
def test_a_flows_pages_of_organization_cases_ask_as_much_for_many_cases_as_for_one(world,
                                                                                   url):
    w = world
    clerk = Client()
    clerk.force_login(w.clerk)
    _selection_cases(w, 1)
    one = _count(clerk, url)
    _selection_cases(w, 4)
    assert _count(clerk, url) == one


def test_the_archive_of_a_clerks_checks_asks_as_much_for_many_cases_as_for_one(world):
    w = world
    clerk = Client()
    clerk.force_login(w.clerk)
    _selection_cases(w, 1, checked=True)
    one = _count(clerk, "/organizationselection/archive/")
    _selection_cases(w, 4, checked=True)
    assert _count(clerk, "/organizationselection/archive/") == one
