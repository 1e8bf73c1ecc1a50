"""Attacks on who the pages and the API name: an account's username or e-mail address is an
account detail, never shown to another party (``workflows.actor_names``).

Each party reads a selection case that went through the clerk's check, the expert panel and
the decision, with a flag the clerk decided, on every page and answer it may ask for: the
case page, viewflow's own pages (board, lists, task pages, chart), the bureau's worklist, and
the API's cases, panel, partner opinions, documents and tasks. No answer may carry another
account's username or e-mail address. Covered elsewhere, not repeated: the case history's
actors (tests/workflows/test_case_actor_names.py), a task holder's name on viewflow's pages
(tests/workflows/test_engine_pages_name_no_expert.py), the API's task ``owner`` to the
applicant (tests/workflows/test_confidential_panel_pages.py).
"""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from rest_framework.test import APIClient
from viewflow.workflow.models import Task

from tests.workflows.test_selection_flow import _to_notice
from workflows.models import OfferingFlag

pytestmark = pytest.mark.django_db

FLOW = "organizationselection"


def _account_details(readers_own):
    """Every account's username and e-mail address but the reader's own."""
    return {detail for user in get_user_model().objects.exclude(pk=readers_own.pk)
            for detail in (user.username, user.email) if detail}


def _named(text: str, details) -> list[str]:
    # whole words: "user1" is not in "user12", nor in the page's "用户 1"
    return [d for d in details if re.search(r"(?<![\w.@])" + re.escape(d) + r"(?![\w@])", text)]


def _pages(case) -> list[str]:
    pages = [f"/selection/cases/{case.pk}/", f"/{FLOW}/", f"/{FLOW}/tasks/", f"/{FLOW}/flows/",
             f"/{FLOW}/archive/", f"/{FLOW}/queue/", f"/{FLOW}/inbox/",
             f"/{FLOW}/{case.pk}/chart/", "/selection/work/inbox/", "/selection/work/queue/",
             "/selection/work/archive/"]
    for task in Task.objects.filter(process_id=case.pk):
        for page in ("detail", "index"):
            try:
                pages.append(reverse(f"{FLOW}:{task.flow_task.name}:{page}",
                                     args=[case.pk, task.pk]))
            except NoReverseMatch:
                pass
    return pages


def _answers(case) -> list[str]:
    return [f"/api/v1/cases/{case.pk}/", "/api/v1/cases/", f"/api/v1/cases/{case.pk}/panel/",
            f"/api/v1/cases/{case.pk}/partner-opinions/", f"/api/v1/cases/{case.pk}/documents/",
            f"/api/v1/documents/?organization={case.organization_id}", "/api/v1/tasks/"]


@pytest.fixture
def case(world):
    """In public notice, after the clerk's check, three experts' scores and the approval;
    the clerk confirmed a policy-screening flag on its offering."""
    case = _to_notice(world)
    OfferingFlag.objects.create(case=case, offering=world.offering, kind="academic_signal",
                                matched_words=["辅导"], decision="confirmed",
                                reason="围棋不属学科类", decided_by=world.clerk,
                                decided_at=timezone.now())
    return case


def test_no_party_reads_another_accounts_username_or_address(world, case, client):
    experts = [a.expert for a in case.assignments.filter(status="scored")]
    other_expert = next(e for e in world.experts if e not in experts)  # not on this panel
    readers = [world.provider, experts[0], other_expert, world.clerk, world.approver,
               world.admin, world.other_clerk]
    found = []
    for reader in readers:
        details = _account_details(reader)
        web = Client()
        web.force_login(reader)
        for page in _pages(case):
            found += [(reader.pk, page, d) for d in _named(web.get(page).content.decode(),
                                                           details)]
        api = APIClient()
        api.force_authenticate(reader)
        for answer in _answers(case):
            found += [(reader.pk, answer, d) for d in _named(api.get(answer).content.decode(),
                                                             details)]
    assert found == []


def test_the_bureau_and_the_panel_read_the_experts_by_name(world, case):
    """Where a name is shown it is the person's (or, without one, the account's number)."""
    scored = list(case.assignments.filter(status="scored").select_related("expert"))
    scored[0].expert.first_name = "秦老师"
    scored[0].expert.save(update_fields=["first_name"])
    api = APIClient()
    for reader in (world.approver, scored[1].expert):
        api.force_authenticate(reader)
        seats = {row["slot"]: row["expert"] for row in
                 api.get(f"/api/v1/cases/{case.pk}/panel/").json()}
        assert seats[scored[0].slot] == "秦老师", reader
        assert seats[scored[2].slot] == f"用户 {scored[2].expert.pk}", reader
    # the flag's decider: the bureau reads the clerk's name, the applicant no one's
    for reader, decider in ((world.approver, f"用户 {world.clerk.pk}"), (world.provider, None)):
        api.force_authenticate(reader)
        [flag] = api.get(f"/api/v1/cases/{case.pk}/").json()["flags"]
        assert flag["decided_by"] == decider, reader


def test_the_administrators_access_log_names_the_reader_never_the_account(world):
    """A hole found: the bureau administrator's access log over the API gave each reader's
    username (the page names them by name)."""
    from tests.factories import PersonFactory
    from tests.security.test_vetting_reach import _id_card
    from tests.workflows.conftest import upload_all
    from workflows.services import vetting

    world.clerk.first_name = "陈书记员"
    world.clerk.save(update_fields=["first_name"])
    person = PersonFactory(organization=world.organization, kind="retiree")
    upload_all(world.provider, person)
    vetting.vetting_start(actor=world.provider, person=person, bureau=world.bureau)
    api = APIClient()
    api.force_authenticate(world.clerk)
    assert api.get(f"/api/v1/documents/{_id_card(person).pk}/download/").status_code == 200
    api.force_authenticate(world.admin)
    answer = api.get("/api/v1/personal-data-accesses/", {"scope": "bureau"})
    assert [row["actor"] for row in answer.json()["results"]] == ["陈书记员"]
    assert _named(answer.content.decode(), _account_details(world.admin)) == []


def test_a_provider_reads_a_documents_review_but_not_which_clerk_made_it(world, case):
    """As on a case's history, where the applicant reads the bureau, never its clerk: the
    document answers gave the provider the reviewing clerk's name."""
    world.clerk.first_name = "陈书记员"
    world.clerk.save(update_fields=["first_name"])
    api = APIClient()
    seen = {}
    for reader in (world.provider, world.clerk):
        api.force_authenticate(reader)
        rows = api.get("/api/v1/documents/", {"organization": case.organization_id}).json()
        seen[reader] = {row["reviewed_by"] for row in rows if row["review_state"] == "verified"}
    assert seen == {world.provider: {None}, world.clerk: {"陈书记员"}}
