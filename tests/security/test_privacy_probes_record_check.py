"""Attacks on the record query's result (入职查询) of a vetting case, through HTTP.

The rule: the result and its reference are read by the case's clerk and the bureau's
approvers only (``workflows.selectors.may_read_record_check``), each read logged once;
nobody else learns them, not the person, their organization's provider, the school that
asked, an expert, another bureau's staff or the public, whatever page or answer they ask
for. Probes already covered elsewhere (not repeated here): the case page and decision page
to the person, provider and school (tests/workflows/test_record_check_shown.py), the API's
``record-check`` to each role (tests/security/test_vetting_reach.py
``test_record_check_results_are_read_by_the_cases_clerk_and_approver_only``), e-mails and
notifications (tests/security/test_private_news.py), public lists and exports
(tests/security/test_personal_data.py).
"""

import re

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient
from viewflow.workflow.models import Task

from documents.models import PersonalDataAccess
from registry import services as registry_services
from registry.roles import Role
from tests.factories import PersonFactory, UserFactory
from tests.workflows.conftest import open_tasks, upload_all
from tests.workflows.test_record_check_shown import HIT_REF, _vetted, school  # noqa: F401
from workflows import task_actions
from workflows.models import VettingProcess
from workflows.services import vetting

pytestmark = pytest.mark.django_db

HIT_WORDS = (HIT_REF, "查有记录", "查询到相关记录", "有记录")


def _web(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _api(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def _hit_path_shown(client, case) -> bool:
    """Whether the engine's pages tell ``client`` that ``case`` ended on a record hit: its
    chart marks the hit's step as passed, or its task list or pages show that step's task."""
    [hit_task] = [t for t in Task.objects.filter(process_id=case.pk)
                  if t.flow_task.name == "reject_hit"]
    chart = client.get(f"/individualvetting/{case.pk}/chart/")
    if chart.status_code == 200 and re.search(
            r'<g id="reject_hit"[^>]*class="done"', chart.content.decode()):
        return True
    listed = client.get("/individualvetting/tasks/")
    if listed.status_code == 200 and f"/reject_hit/{hit_task.pk}/" in listed.content.decode():
        return True
    base = f"/individualvetting/{case.pk}/reject_hit/{hit_task.pk}/"
    return any(client.get(url).status_code == 200 for url in (base, base + "detail/"))


def test_the_engines_chart_and_task_list_never_tell_that_the_query_hit(world, school):  # noqa: F811
    """A hole found: viewflow's chart of the case coloured the step 'not approved: a record
    was found' as passed, and its task list listed that step's task, to the school that
    asked and to the person's organization, who may see the case but not its result."""
    case, person = _vetted(world, school, "hit", HIT_REF)
    assert case.outcome == "rejected"
    # the case's clerk and the bureau's approver may read the result: the route shows it
    for reader in (world.clerk, world.approver):
        assert _hit_path_shown(_web(reader), case), reader
    # nobody else: the school, the organization's provider, the person, an expert, the
    # bureau's other staff (they read that a query was made, never its result), another
    # bureau's clerk
    second_clerk = world.staff(Role.BUREAU_CLERK)
    for reader in (school.user, world.provider, person.user, world.experts[0], second_clerk,
                   world.admin, world.other_clerk):
        assert not _hit_path_shown(_web(reader), case), reader


def test_another_bureau_an_expert_and_the_public_reach_no_result_and_log_nothing(
        world, school):  # noqa: F811
    case, _person = _vetted(world, school, "clear", "NC-2026-CLEAR-7")
    [decision] = open_tasks(case, "decision")
    other_approver = world.staff(Role.BUREAU_APPROVER, bureau=world.other_bureau)
    base = f"/individualvetting/{case.pk}/decision/{decision.pk}/"
    for reader in (world.other_clerk, other_approver, world.experts[0], None):
        web = _web(reader)
        page = web.get(f"/selection/cases/vetting/{case.pk}/")
        if reader is None:
            assert page.status_code == 302 and "/accounts/login/" in page["Location"]
        else:
            assert page.status_code == 404, reader
        for url in (base, base + "detail/", base + "execute/"):
            answer = web.get(url)
            assert answer.status_code in (302, 403, 404), (reader, url)
            assert "NC-2026-CLEAR-7" not in answer.content.decode(), (reader, url)
        taken = web.post(base + "assign/")
        assert taken.status_code in (302, 403, 404), reader
        if taken.status_code == 302:
            assert "/accounts/login/" in taken["Location"], reader
        api = _api(reader)
        for url in (f"/api/v1/vettings/{case.pk}/record-check/", f"/api/v1/vettings/{case.pk}/"):
            assert api.get(url).status_code in (401, 403, 404), (reader, url)
    decision.refresh_from_db()
    assert decision.owner_id is None
    assert not PersonalDataAccess.objects.exists()


def test_each_read_of_the_result_writes_one_log_row_and_a_refusal_none(world, school):  # noqa: F811
    case, person = _vetted(world, school, "clear", "NC-2026-CLEAR-8")
    [decision] = open_tasks(case, "decision")
    reads = PersonalDataAccess.objects.filter(kind="record_check")
    # the refused: the page answers, without the result, and nothing is logged
    for reader in (school.user, world.provider, person.user, world.admin,
                   world.staff(Role.BUREAU_CLERK)):
        _web(reader).get(f"/selection/cases/vetting/{case.pk}/")
        _web(reader).get(f"/individualvetting/{case.pk}/decision/{decision.pk}/detail/")
    assert not reads.exists()
    # the clerk reads the case page twice: two reads, two rows
    clerk = _web(world.clerk)
    for expected in (1, 2):
        body = clerk.get(f"/selection/cases/vetting/{case.pk}/").content.decode()
        assert "NC-2026-CLEAR-8" in body
        assert reads.filter(actor=world.clerk).count() == expected
    # the approver takes the decision and opens its form: one row for the one read
    approver = _web(world.approver)
    approver.post(f"/individualvetting/{case.pk}/decision/{decision.pk}/assign/")
    assert "NC-2026-CLEAR-8" in approver.get(
        f"/individualvetting/{case.pk}/decision/{decision.pk}/execute/").content.decode()
    assert reads.filter(actor=world.approver).count() == 1
    assert reads.count() == 3
    assert set(reads.values_list("case_label", "person", "bureau")) == {
        (f"vetting #{case.pk}", case.person_id, world.bureau.pk)}


def test_no_case_or_task_answer_of_the_api_carries_the_result(world, school):  # noqa: F811
    case, person = _vetted(world, school, "hit", HIT_REF)
    for reader in (school.user, world.provider, person.user, world.clerk, world.approver,
                   world.admin):
        api = _api(reader)
        for url in ("/api/v1/vettings/", f"/api/v1/vettings/{case.pk}/", "/api/v1/tasks/",
                    "/api/v1/cases/", "/api/v1/notifications/"):
            answer = api.get(url)
            text = answer.content.decode()
            assert answer.status_code in (200, 404), (reader, url)
            assert "query_" not in text and HIT_REF not in text, (reader, url)


def test_the_clerks_note_on_the_check_is_not_in_the_history_the_applicants_read(world):
    """The clerk's note on the verification (it may say what the query found) is the
    reason of the step in the case's history: read by the clerk and the approvers only."""
    note = "入职查询发现记录，编号见系统"
    user = UserFactory()
    person = PersonFactory(organization=world.organization, user=user, kind="volunteer")
    documents = upload_all(world.provider, person)
    registry_services.consent_give(actor=user, person=person, bureau=world.bureau)
    case = vetting.vetting_start(actor=world.provider, person=person, bureau=world.bureau)
    [task] = open_tasks(case, "verification")
    data = {f"doc_{d.pk}": "verify" for d in documents}
    data.update(query_reference="NC-2026-CLEAR-9", query_date=str(timezone.localdate()),
                query_result="clear", note=note)
    task_actions.task_perform(actor=world.clerk, task=task, data=data)
    url = f"/selection/cases/vetting/{case.pk}/"
    for reader in (world.clerk, world.approver):
        assert note in _web(reader).get(url).content.decode(), reader
    for reader in (world.provider, person.user, world.admin):
        page = _web(reader).get(url)
        assert page.status_code == 200, reader
        assert note not in page.content.decode(), reader
    assert VettingProcess.objects.get(pk=case.pk).query_result == "clear"


def _rejected_both_ways(world, school):  # noqa: F811
    """Two cases the school asked for: one rejected on a record hit, one rejected by the
    approver's decision after a clear query."""
    on_hit, _person = _vetted(world, school, "hit", HIT_REF)
    decided, _other = _vetted(world, school, "clear", "NC-2026-CLEAR-10")
    [decision] = open_tasks(decided, "decision")
    task_actions.task_perform(actor=world.approver, task=decision, data={
        "decision": "reject", "confirm": "yes", "reason": "经研究不予批准"})
    for case in (on_hit, decided):
        case.refresh_from_db()
        assert case.outcome == "rejected"
    return on_hit, decided


def _history_rows(client, case) -> list:
    """The rows of the case page's history, the case's number and the times left out."""
    body = client.get(f"/selection/cases/vetting/{case.pk}/").content.decode()
    table = re.search(r'<table[^>]*case-timeline.*?</table>', body, re.S).group(0)
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]:
        cells = [re.sub(r"<[^>]+>|\s+", " ", c).strip()
                 for c in re.findall(r"<td>(.*?)</td>", row, re.S)]
        rows.append(tuple(cells[1:]))  # who, what, why: not when
    return rows


def _task_rows(client, case) -> list:
    """What the engine's task lists and the case's task addresses tell ``client`` of
    ``case``: the steps listed (their node and status) and which task pages answer."""
    seen = []
    for url in ("/individualvetting/tasks/", "/individualvetting/tasks/?status=DONE",
                "/individualvetting/"):
        body = client.get(url).content.decode()
        seen.append((url, sorted(re.findall(
            rf"/individualvetting/{case.pk}/(\w+)/\d+/", body))))
    for task in Task.objects.filter(process_id=case.pk).order_by("pk"):
        base = f"/individualvetting/{case.pk}/{task.flow_task.name}/{task.pk}/"
        codes = tuple(client.get(u).status_code for u in (base, base + "detail/"))
        if codes != (404, 404):
            seen.append((task.flow_task.name, task.status, codes))
    return seen


def test_the_school_cannot_tell_a_rejection_on_a_hit_from_one_by_decision(world, school):  # noqa: F811
    """A hole found: the school that asked read a "decision: not approved" step in the
    history of a case rejected by the approver, none in that of a case rejected on a hit,
    and the engine's task lists and addresses showed whether a decision task existed. The
    school reads its own steps, the applicant's and the outcome, the same either way."""
    on_hit, decided = _rejected_both_ways(world, school)
    web = _web(school.user)
    assert _history_rows(web, on_hit) == _history_rows(web, decided)
    assert _history_rows(web, on_hit)  # it reads its own step and the outcome
    assert _task_rows(web, on_hit) == _task_rows(web, decided)
    api = _api(school.user)
    answers = [api.get(f"/api/v1/vettings/{case.pk}/") for case in (on_hit, decided)]
    assert answers[0].status_code == answers[1].status_code
    if answers[0].status_code == 200:
        shapes = [{k: v for k, v in a.json().items()
                   if k not in ("id", "person", "person_name", "created", "finished")}
                  for a in answers]
        assert shapes[0] == shapes[1]
    # the bureau's approver still reads both routes
    approver = _web(world.approver)
    assert _history_rows(approver, on_hit) != _history_rows(approver, decided)
    assert "decision" in _task_rows(approver, decided)[0][1]
