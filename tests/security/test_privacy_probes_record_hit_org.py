"""Who can tell, through HTTP, that a person's record query (入职查询) hit.

The rule (``workflows.record_privacy``): the result is read by the case's clerk and the
bureau's approvers; a case that carries a record query (a vetting, a person's
re-certification) shows its route, the bureau's steps, to the person (who may ask for a
re-check, 复查) and the bureau's staff, and to whoever else sees it (the school that asked,
the person's organization: its providers) only the applicant side's steps, their own and the
outcome, the same whichever way the case ended. Each probe compares everything a party can
GET of two cases that ended the same for them: one on a hit, one otherwise.
"""

import datetime
import json
import re

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient
from viewflow.workflow.models import Task

from documents.models import Document
from documents.services import document_upload
from registry import services as registry_services
from registry.models import ServiceCategory
from registry.roles import Role
from tests.factories import EngagementFactory, PersonFactory, SchoolTermFactory, UserFactory
from tests.security.test_privacy_probes_record_check import HIT_WORDS, _rejected_both_ways
from tests.workflows.conftest import (
    clerk_verifies,
    open_tasks,
    pdf,
    upload_all,
    vetting_back_for_correction,
)
from tests.workflows.test_record_check_shown import school  # noqa: F401 - the fixture
from workflows import task_actions
from workflows.models import RecertificationProcess
from workflows.services import recertification, vetting

pytestmark = pytest.mark.django_db

FLOW_APPS = {"vetting": "individualvetting", "recertification": "recertification"}
# what a hit's step is called, and what a re-certification on a hit gives as its reason
HIT_SIGNS = (*HIT_WORDS, "发现记录", "撤销准入资格", "NC-2027-HIT")


def _web(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _plain(text: str, case) -> str:
    """``text`` without what differs between any two cases: the case's and the person's
    names and numbers, form and download tokens, dates and times."""
    person = getattr(case, "person", None) or case.approval.person
    text = text.replace(person.name, "<person>")
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", text)
    text = re.sub(r"\?t=[^\"'&<\s]+", "", text)
    text = re.sub(r"\d+\*+\d*[Xx]?", "<id>", text)  # a masked ID number
    return re.sub(r"\d+", "#", text)


def _everything(user, case, kind: str, *, whole: bool = True) -> dict:
    """All ``user`` can GET of ``case`` (a ``kind`` of case): its page, its chart, the engine's
    task lists and its task pages (address by address: a page that answers, the task's
    status, and the page as read), and the API's rows and notifications about it. With
    ``whole=False``, the case page without its documents table and the task pages by their
    answers only: a re-certification's renewal, verified or not, and its approval's state,
    suspended or expired, are the provider's own to read."""
    web, api, app = _web(user), _api(user), FLOW_APPS[kind]
    seen = {}
    page = web.get(f"/selection/cases/{kind}/{case.pk}/")
    body = page.content.decode()
    if not whole:
        body = re.sub(r"<table[^>]*case-documents.*?</table>", "", body, flags=re.S)
    seen["page"] = (page.status_code, _plain(body, case))
    chart = web.get(f"/{app}/{case.pk}/chart/")
    seen["chart"] = (chart.status_code, _plain(chart.content.decode(), case))
    for url in (f"/{app}/tasks/", f"/{app}/tasks/?status=DONE", f"/{app}/",
                f"/{app}/flows/", f"/{app}/archive/", f"/{app}/queue/"):
        seen[url] = sorted(re.findall(rf"/{app}/{case.pk}/(\w+)/\d+/",
                                      web.get(url).content.decode()))
    for task in Task.objects.filter(process_id=case.pk).order_by("pk"):
        base = f"/{app}/{case.pk}/{task.flow_task.name}/{task.pk}/"
        detail = web.get(base + "detail/")
        if detail.status_code != 404 or web.get(base).status_code != 404:
            seen[f"task {task.flow_task.name}"] = (task.status, detail.status_code, _plain(
                detail.content.decode(), case) if whole else task.flow_task.name)
    if kind == "vetting":
        row = api.get(f"/api/v1/vettings/{case.pk}/")
        seen["api"] = (row.status_code, {k: v for k, v in row.json().items() if k not in (
            "id", "person", "created")} if row.status_code == 200 else None)
    rows = api.get("/api/v1/tasks/?page_size=100").json()["results"]
    seen["api tasks"] = sorted((t["node"], t["status"]) for t in rows if t["case"] == case.pk)
    # the news about this case: those that link to its page or its tasks (a link that only
    # holds the same number, "/registry/bureau/<pk>/…", is about something else)
    news = api.get("/api/v1/notifications/?page_size=100").json()["results"]
    ours = (f"/selection/cases/{kind}/{case.pk}/", f"/{app}/{case.pk}/")
    seen["news"] = sorted(_plain(json.dumps(n["subject"] + n["body"], ensure_ascii=False),
                                 case) for n in news if (n["url"] or "").startswith(ours))
    return seen


def _differences(user, one, other, kind, **options) -> list[str]:
    first, second = (_everything(user, case, kind, **options) for case in (one, other))
    return [key for key in sorted(set(first) | set(second)) if first.get(key) != second.get(key)]


def _hit_signs(user, case, kind) -> list:
    """The words of a hit anywhere ``user`` can GET of ``case``."""
    text = json.dumps(_everything(user, case, kind), ensure_ascii=False)
    return [word for word in HIT_SIGNS if word in text]


# --- a vetting: the person's organization, like the school that asked -------------------

def _organization_rejected_both_ways(world):
    """Two members of the organization its provider asked to vet: one rejected on a record
    hit, one rejected by the approver's decision after a clear query."""
    cases = []
    for result, reference in (("hit", "NC-2026-HIT-0199"), ("clear", "NC-2026-CLEAR-0199")):
        person = PersonFactory(organization=world.organization, user=UserFactory(),
                               kind="volunteer")
        documents = upload_all(world.provider, person)
        registry_services.consent_give(actor=person.user, person=person, bureau=world.bureau)
        case = vetting.vetting_start(actor=world.provider, person=person, bureau=world.bureau)
        cases.append(clerk_verifies(world.clerk, case, documents, reference=reference,
                                    result=result))
    on_hit, decided = cases
    [decision] = open_tasks(decided, "decision")
    task_actions.task_perform(actor=world.approver, task=decision, data={
        "decision": "reject", "confirm": "yes", "reason": "经研究不予批准"})
    for case in (on_hit, decided):
        case.refresh_from_db()
        assert case.outcome == "rejected"
    return on_hit, decided


def test_the_organization_cannot_tell_a_rejection_on_a_hit_from_one_by_decision(world):
    """A hole found: the provider of the person's organization read a "decision: not
    approved" step in the history of a case rejected by the approver and none before a
    rejection on a hit; the engine's lists and the decision's task pages showed it the
    decision, and the case page named the decision ("驳回") where a hit's says how it ended
    ("已驳回")."""
    on_hit, decided = _organization_rejected_both_ways(world)
    assert _differences(world.provider, on_hit, decided, "vetting") == []
    # what it must know it reads: that the person was not approved, and its own start
    seen = _everything(world.provider, on_hit, "vetting")
    assert seen["api"] == (200, {"bureau": world.bureau.pk, "outcome": "rejected",
                                 "missing": []})
    assert "已驳回" in seen["page"][1] and "开始资格审查" in seen["page"][1]
    assert not _hit_signs(world.provider, on_hit, "vetting")
    # the person (who may ask for a re-check) and the bureau's approver read the route
    for reader in (decided.person.user, world.approver):
        assert "审批决定" in _everything(reader, decided, "vetting")["page"][1], reader
    assert "decision" in _everything(world.approver, decided, "vetting")[
        "/individualvetting/tasks/?status=DONE"]
    # and what it must do it still can: ask for its staff's vetting, and correct what the
    # bureau sends back (its own step, on the case's page and in its task list)
    person = PersonFactory(organization=world.organization, user=UserFactory())
    registry_services.consent_give(actor=person.user, person=person, bureau=world.bureau)
    started = _api(world.provider).post("/api/v1/vettings/", {
        "person": person.pk, "bureau": world.bureau.pk}, format="json")
    assert started.status_code == 201, started.content
    case, task = vetting_back_for_correction(world)
    seen = _everything(world.provider, case, "vetting")
    correction = f"/individualvetting/{case.pk}/correction/{task.pk}/"
    assert _plain(correction, case) in seen["page"][1]  # waiting for it, on the case's page
    assert ("correction", "ASSIGNED") in seen["api tasks"]
    assert _web(world.provider).get(correction, follow=True).status_code == 200


def test_neither_the_school_that_asked_nor_the_organization_can_tell_the_two_apart(
        world, school):  # noqa: F811
    """The school's probe compared the history, the task lists and the API: the rest of the
    case page, its task pages as read and the notifications told the two apart too."""
    on_hit, decided = _rejected_both_ways(world, school)
    for reader in (school.user, world.provider):
        assert _differences(reader, on_hit, decided, "vetting") == [], reader
        assert not _hit_signs(reader, on_hit, "vetting"), reader


# --- a re-certification ending on the yearly record query ---------------------------------

def _recertification(world, school, result):  # noqa: F811
    """An approved member of the organization, engaged by ``school``, whose record query
    expired yesterday: the sweep suspends the approval and opens its re-certification; the
    provider uploads the renewed query. ``result``: what the clerk's re-query found; None:
    the clerk had not checked it when the grace period ran out."""
    today = timezone.localdate()
    person = PersonFactory(organization=world.organization, user=UserFactory(),
                           kind="professional")
    upload_all(world.provider, person)
    sport = ServiceCategory.objects.get(code="sport")
    approval = registry_services.approval_create(
        actor=world.root, jurisdiction=world.bureau.jurisdiction, person=person,
        categories=[sport])
    registry_services.approval_approve(
        actor=world.root, approval=approval, valid_from=today - datetime.timedelta(days=10),
        valid_until=today + datetime.timedelta(days=300))
    EngagementFactory(term=SchoolTermFactory(school=school, name=f"学期{person.pk}"),
                      approval=approval, organization=None, person=person, category=sport)
    Document.objects.filter(person=person, document_type__code="offence_query").update(
        expires_on=today - datetime.timedelta(days=1))
    recertification.approvals_suspend_expired(today=today)
    case = RecertificationProcess.objects.get(approval=approval)
    renewed = document_upload(actor=world.provider, subject=person,
                              document_type="offence_query", file=pdf(), filename="q.pdf",
                              issued_on=today, expires_on=today + datetime.timedelta(days=400))
    [task] = open_tasks(case, "renew")
    task_actions.task_perform(actor=world.provider, task=task, data={"confirm": "on"})
    if result is None:
        recertification.recertifications_expire_after_grace(
            today=case.grace_until + datetime.timedelta(days=1))
    else:
        [task] = open_tasks(case, "recert_verify")
        task_actions.task_perform(actor=world.clerk, task=task, data={
            f"doc_{renewed.pk}": "verify", "query_reference": "NC-2027-HIT-7",
            "query_date": str(today), "query_result": result})
    case.refresh_from_db()
    return case


def test_a_recertifications_hit_is_told_by_none_of_its_pages_but_to_its_readers(
        world, school):  # noqa: F811
    """A hole found: a person's re-certification ended on a hit of the yearly record query
    through a step of its own ("撤销准入资格"), coloured on its chart, listed in the engine's
    task lists, with "年度入职查询发现记录" as its reason in the history and on the page, to the
    person's organization and every staff member of the bureau; the school could tell by
    the answers of its task addresses which steps a case it may not see had passed. Here
    it is compared with one whose renewal the clerk had not checked when time ran out:
    both rejected after the provider's renewal."""
    on_hit = _recertification(world, school, "hit")
    lapsed = _recertification(world, school, None)
    assert (on_hit.outcome, lapsed.outcome) == ("rejected", "rejected")
    second_clerk = world.staff(Role.BUREAU_CLERK)
    # the organization and the school: the same of both (the renewal's verdict aside)
    for reader in (world.provider, school.user):
        assert _differences(reader, on_hit, lapsed, "recertification",
                            whole=False) == [], reader
    # nobody but the case's clerk and the bureau's approvers reads a sign of the hit
    for reader in (world.provider, school.user, on_hit.approval.person.user, world.admin,
                   second_clerk, world.experts[0], world.other_clerk):
        assert not _hit_signs(reader, on_hit, "recertification"), reader
        seen = _everything(reader, on_hit, "recertification")
        assert seen["chart"][0] in (403, 404), reader
        assert not any("revoke" in v for k, v in seen.items() if k.startswith("/")), reader
    # who may read the result reads how the case ended, and why
    for reader in (world.clerk, world.approver):
        seen = _everything(reader, on_hit, "recertification")
        assert "年度入职查询发现记录" in seen["page"][1], reader
        assert seen["chart"][0] == 200 and re.search(
            r'<g id="revoke"[^>]*class="done"', seen["chart"][1]), reader
        assert "revoke" in seen["/recertification/tasks/?status=DONE"], reader



# --- what a vetting sent back, once it is closed --------------------------------------------

def _sent_back_then(world, result):
    """A member of the organization whose vetting's check sends a document back: on a
    ``"hit"`` the case ends there, rejected with the item uncorrected and no correction
    round (only a hit ends a case so); on ``"clear"`` the organization corrects it, the
    clerk verifies the replacement and the approver rejects."""
    today = timezone.localdate()
    person = PersonFactory(organization=world.organization, user=UserFactory(),
                           kind="volunteer")
    documents = upload_all(world.provider, person)
    registry_services.consent_give(actor=person.user, person=person, bureau=world.bureau)
    case = vetting.vetting_start(actor=world.provider, person=person, bureau=world.bureau)
    [task] = open_tasks(case, "verification")
    data = {f"doc_{d.pk}": "verify" for d in documents}
    sent_back = documents[0].pk
    data.update({f"doc_{sent_back}": "reject", f"doc_{sent_back}_reason": "扫描件不清晰",
                 "query_reference": f"NC-2026-{result.upper()}-0299",
                 "query_date": str(today), "query_result": result})
    task_actions.task_perform(actor=world.clerk, task=task, data=data)
    if result == "clear":
        [task] = open_tasks(case, "correction")
        sent = _web(world.provider).post(
            f"/individualvetting/{case.pk}/correction/{task.pk}/execute/", {
                "item0_file": pdf("again.pdf"), "item0_answer": "已重新上传",
                "item0_issued_on": str(today - datetime.timedelta(days=3)),
                "item0_expires_on": str(today + datetime.timedelta(days=365))})
        assert sent.status_code == 302, sent.content.decode()[:2000]
        clerk_verifies(world.clerk, case, reference="NC-2026-CLEAR-0299")
        [decision] = open_tasks(case, "decision")
        task_actions.task_perform(actor=world.approver, task=decision, data={
            "decision": "reject", "confirm": "yes", "reason": "经研究不予批准"})
    case.refresh_from_db()
    assert case.outcome == "rejected"
    return case


def test_what_was_sent_back_does_not_tell_the_organization_a_closed_vetting_hit(world):
    """A hole found: a vetting whose check sent a document back and found a record ended
    rejected with the item still to correct and no correction round, which only a hit
    leaves; its API row (``missing``) and its page's list of what to correct showed the item
    to the person's organization, an outcome-only reader, where a rejection by decision
    after the same (corrected) showed none."""
    on_hit, decided = _sent_back_then(world, "hit"), _sent_back_then(world, "clear")
    assert on_hit.missing and not on_hit.correction_rounds  # the sign, as stored
    assert decided.correction_rounds == 1
    seen = [_everything(world.provider, case, "vetting") for case in (on_hit, decided)]
    assert seen[0]["api"] == seen[1]["api"] == (
        200, {"bureau": world.bureau.pk, "outcome": "rejected", "missing": []})
    for page in (s["page"] for s in seen):
        assert page[0] == 200 and "case-corrections" not in page[1]
    # the route's readers still read it: the person (who may ask for a re-check), the clerk
    for reader in (on_hit.person.user, world.clerk):
        assert _api(reader).get(f"/api/v1/vettings/{on_hit.pk}/").json()["missing"], reader
        assert "case-corrections" in _web(reader).get(
            f"/selection/cases/vetting/{on_hit.pk}/").content.decode(), reader
    # and while a case is open, the organization reads what it must correct
    case, _task = vetting_back_for_correction(world)
    assert _api(world.provider).get(f"/api/v1/vettings/{case.pk}/").json()["missing"]
    assert "case-corrections" in _web(world.provider).get(
        f"/selection/cases/vetting/{case.pk}/").content.decode()


def test_a_persons_case_closed_unrenewed_reads_as_a_rejection(world, school):  # noqa: F811
    """A person's re-certification closed because nothing was renewed in time reads, to
    its organization, as one rejected on a record hit does ("已驳回", the same next step): a
    distinct "closed, not renewed" would make every other rejection a sign of a hit."""
    from django.utils import translation

    from workflows.models import CaseOutcome
    from workflows.next_steps import case_state

    today = timezone.localdate()
    person = PersonFactory(organization=world.organization, user=UserFactory(),
                           kind="professional")
    upload_all(world.provider, person)
    approval = registry_services.approval_create(
        actor=world.root, jurisdiction=world.bureau.jurisdiction, person=person,
        categories=[ServiceCategory.objects.get(code="sport")])
    registry_services.approval_approve(
        actor=world.root, approval=approval, valid_from=today - datetime.timedelta(days=10),
        valid_until=today + datetime.timedelta(days=300))
    Document.objects.filter(person=person, document_type__code="offence_query").update(
        expires_on=today - datetime.timedelta(days=1))
    recertification.approvals_suspend_expired(today=today)
    case = RecertificationProcess.objects.get(approval=approval)
    recertification.recertifications_expire_after_grace(
        today=case.grace_until + datetime.timedelta(days=1))
    case.refresh_from_db()
    assert case_state(case, "recertification") == "rejected"
    with translation.override("zh-hans"):
        assert case.get_outcome_display() == str(CaseOutcome.REJECTED.label)
