"""Two of everything: side A (南昌市 360100) and side B (景德镇市 360200).

Each side has a bureau with a clerk, an expert, an approver and an administrator; an
organization with its provider user, documents and a person; a school with its user and an
engagement; a published list, a review request and a notification. The permission matrix
asks every user for the objects of both sides.

Each side also has cases of every flow in ``workflows.flows``, driven through the services
as their users would drive them, so that every node of every flow has a task on each side,
and every person's task is there waiting in its queue (NEW), held by its owner (ASSIGNED)
and finished (DONE) — except the tasks the flow gives to a named person (an expert's
review, an applicant's correction), which are never in a queue:

- selection: waiting for the clerk (``case``), held by the clerk, held by the expert,
  waiting for and held by the approver, in public notice (``notice``), back for
  correction (held, and held again after a first round), resolving objections (waiting,
  held, done and approved), and ended: corrections exhausted, withdrawn (a cancelled
  task), rejected by the approver, rejected on an upheld objection;
- vetting: back for correction (``vetting``), waiting for and held by the clerk and the
  approver, approved, rejected on a record hit (its bar waiting for the administrator,
  ``proposal``, with the person's re-check, ``recheck``, and its file, ``evidence``),
  rejected by the approver, corrections exhausted;
- re-certification (an expired credential, then the sweep): renewal waiting for and held
  by the provider, verification waiting for and held by the clerk (``recert``), restored,
  ended on a hit of the yearly record query (suspended, its bar waiting);
- annual review (the anniversary sweep): waiting for and held by the administrator
  (``review``), decided.
"""

import copy
import datetime
import shutil
from decimal import Decimal

import pytest
import time_machine
from django.core.cache import cache
from django.db.models import Model
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from accounts.services import token_create
from documents.models import Document
from documents.services import document_upload
from registry import services as registry_services
from registry.models import (
    BlacklistProposal,
    Bureau,
    BureauCalendar,
    Jurisdiction,
    PartnerDepartment,
    ReviewRequest,
    ServiceCategory,
)
from registry.roles import Role
from tests.factories import (
    OfferingFactory,
    OrganizationFactory,
    PersonFactory,
    SchoolFactory,
    UserFactory,
)
from tests.workflows.conftest import (
    open_tasks,
    pdf,
    upload_all,
    upload_missing,
    worker_runs,
    world,  # noqa: F401 - the fixture, shared
)
from workflows import task_actions
from workflows.models import AnnualReviewProcess, RecertificationProcess, ReviewCaseProcess
from workflows.selectors import case_subject
from workflows.services import (
    annual_review,
    notifications,
    objections,
    outcome,
    recertification,
    review_cases,
    review_rectification,
    selection,
    vetting,
)
from workflows.services.corrections import correction_items

SCORES = {"qualification": 90, "course-plan": 80, "safety": 85, "price": 70, "reputation": 75}


class Side:
    """The objects of one side; ``users`` maps a role name to that side's user."""

    def __init__(self, name):
        self.name = name
        self.users = {}


def _county(city_code: str) -> Jurisdiction:
    return (Jurisdiction.objects.filter(parent__code=city_code).order_by("code").first()
            or Jurisdiction.objects.get(code=city_code))


# --- acting as the side's users ----------------------------------------------------------

def _pending(subject) -> dict:
    """The clerk verifies every document of ``subject`` still waiting for a verdict."""
    field = "person" if subject._meta.model_name == "person" else "organization"
    return {f"doc_{pk}": "verify" for pk in Document.objects.filter(
        **{field: subject}, superseded_at__isnull=True, review_state="pending",
    ).values_list("pk", flat=True)}


def _do(case, node, user, data):
    """``user`` performs the case's open task of ``node``; then the worker runs what the flow
    leaves to it (``workflows.nodes.Background``), as it does right after the commit."""
    [task] = open_tasks(case, node)
    done = task_actions.task_perform(actor=user, task=task, data=data)
    worker_runs()
    return done


def _take(case, node, user):
    """``user`` takes the task waiting in its queue (viewflow's assign)."""
    [task] = open_tasks(case, node)
    with task.activation() as activation:
        activation.assign(user)


def _organization(s, *, missing=()):
    """Another organization of the side's provider, with its documents (less ``missing``)
    and an offering."""
    organization = OrganizationFactory(county=s.county)
    registry_services.role_grant(actor=s.root, user=s.users["provider"], role=Role.PROVIDER,
                                 target=organization)
    # the offering first: its course plan (课程方案) is among the documents
    organization.offering = OfferingFactory(organization=organization)
    upload_all(s.users["provider"], organization, skip=missing)
    return organization


def _apply(s, organization):
    return selection.selection_apply(actor=s.users["provider"], organization=organization,
                                     bureau=s.bureau, offerings=[organization.offering])


def _qualify(s, case):
    _do(case, "qualification", s.users["clerk"], _pending(case.organization))


def _score(s, case):
    _do(case, "expert_review", s.users["expert"],
        {"conflict": "no", **{f"score_{k}": v for k, v in SCORES.items()}})


def _decide(s, case, decision="approve"):
    _do(case, "decision", s.users["approver"],
        {"decision": decision, "confirm": "yes", "reason": "材料齐全，评分优良",
         # what an individual's approval covers (a vetting's form; a selection's ignores it)
         "categories": "sport", "grade_min": "1", "grade_max": "9"})


def _drive_to_notice(s, case):
    """Check, score and approve ``case``: it goes into public notice. (``s`` needs only
    ``users["clerk"]`` and ``users["approver"]``: test_bad_input drives the workflow tests'
    world with it.)"""
    _qualify(s, case)
    while tasks := open_tasks(case, "expert_review"):  # the whole panel, one by one
        task_actions.task_perform(actor=tasks[0].owner, task=tasks[0], data={
                      "conflict": "no", **{f"score_{k}": v for k, v in SCORES.items()}})
    _decide(s, case)
    case.refresh_from_db()
    assert case.notice_ends_on is not None
    return case


def _object(case):
    return objections.objection_file(case=case, real_name="王小明", contact="13900000000",
                                     reason="该机构收费高于公示标准。")


def _close_notice(case):
    """The notice period passes and this case's timer fires (only this one: the side's case
    in notice, and the other side's, stay in notice)."""
    [timer] = [t for t in Task.objects.filter(process_id=case.pk, status=STATUS.SCHEDULED)
               if t.flow_task.name == "notice"]
    after = datetime.datetime.combine(case.notice_ends_on + datetime.timedelta(days=1),
                                      datetime.time(1), tzinfo=timezone.get_current_timezone())
    with time_machine.travel(after, tick=False), timer.activation() as activation:
        activation.start()
        activation.execute()
    case.refresh_from_db()


def _resolve(s, case, upheld=False):
    objection = case.objections.get(status="open")
    if upheld:  # during the notice, outside the task
        objections.objection_resolve(actor=s.users["clerk"], objection=objection, upheld=True,
                                     reason="经查属实")
        return
    _do(case, "resolve_objections", s.users["clerk"], {
        f"objection_{objection.pk}": "dismissed",
        f"objection_{objection.pk}_reason": "经核实收费符合标准"})


def _resubmit(s, case):
    """A round that corrects nothing that lasts: each document sent back is replaced by one
    that has already expired (so the case comes back), every other item answered."""
    case.refresh_from_db()
    subject = case_subject(case)
    answers = {}
    for item in correction_items(case):
        if item.document_type is not None:
            _upload(s, subject, item.document_type.code, expires_in_days=-1)
        else:
            answers[f"{item.key}_answer"] = "已补正"
    _do(case, "correction", s.users["provider"], answers)


def _upload(s, subject, code, *, expires_in_days=400):
    today = timezone.localdate()
    return document_upload(
        actor=s.users["provider"], subject=subject, document_type=code, file=pdf(f"{code}.pdf"),
        filename=f"{code}.pdf", issued_on=today - datetime.timedelta(days=1),
        expires_on=today + datetime.timedelta(days=expires_in_days))


# --- the cases of each flow ---------------------------------------------------------------

def _selection_cases(s):
    provider, clerk, approver = (s.users[r] for r in ("provider", "clerk", "approver"))
    # the clerk's check, held; an expert's review, held; the decision, waiting and held
    _take(_apply(s, _organization(s)), "qualification", clerk)
    case = _apply(s, _organization(s))
    _qualify(s, case)
    for hold in (False, True):
        case = _apply(s, _organization(s))
        _qualify(s, case)
        _score(s, case)
        if hold:
            _take(case, "decision", approver)
    # back for correction (the applicant's from the start); and again after a first round
    # that changed nothing
    _apply(s, _organization(s, missing=["safety_plan"]))
    case = _apply(s, _organization(s, missing=["safety_plan"]))
    _resubmit(s, case)
    # one organization through cases that end: corrections exhausted, withdrawn, rejected
    # by the approver, rejected on an upheld objection; then objections waiting for the clerk
    organization = _organization(s, missing=["safety_plan"])
    case = _apply(s, organization)
    _resubmit(s, case)
    _resubmit(s, case)
    case.refresh_from_db()
    assert case.outcome == "rejected"
    _upload(s, organization, "safety_plan")
    outcome.case_withdraw(actor=provider, case=_apply(s, organization))
    case = _apply(s, organization)
    _qualify(s, case)
    _score(s, case)
    _decide(s, case, "reject")
    case = _drive_to_notice(s, _apply(s, organization))
    _object(case)
    _resolve(s, case, upheld=True)
    _close_notice(case)
    case = _drive_to_notice(s, _apply(s, organization))
    _object(case)
    _close_notice(case)
    # objections held by the clerk; and resolved, the approval taking effect
    for hold in (True, False):
        case = _drive_to_notice(s, _apply(s, _organization(s)))
        _object(case)
        _close_notice(case)
        if hold:
            _take(case, "resolve_objections", clerk)
        else:
            _resolve(s, case)
            case.refresh_from_db()
            assert case.outcome == "approved"


def _partner_cases(s):
    """A partner department's opinion (会审, issue 19): the side's 体育局 is asked about
    swimming; its task waiting, held, and given (no role of the matrix is that department's
    user: its own access is tested in tests/workflows/test_partner_opinions.py)."""
    swimming = ServiceCategory.objects.get(code="swimming")  # a migration's
    department = PartnerDepartment.objects.create(name=f"{s.name}市体育局",
                                                  jurisdiction=s.bureau.jurisdiction)
    department.categories.set([swimming])
    s.department_user = UserFactory(username=f"department_{s.name}")
    registry_services.role_grant(actor=s.root, user=s.department_user, role=Role.DEPARTMENT,
                                 target=department)
    for state in ("new", "assigned", "done"):
        organization = _organization(s)
        organization.offering.category = swimming
        organization.offering.save(update_fields=["category"])
        upload_missing(s.users["provider"], organization)  # the high-risk licence
        case = _apply(s, organization)
        _qualify(s, case)
        _score(s, case)
        if state == "assigned":
            _take(case, "partner_review", s.department_user)
        elif state == "done":
            _do(case, "partner_review", s.department_user,
                {"opinion": "agree", "reason": "场馆许可齐全"})


def _person(s, *, documents=True):
    person = PersonFactory(organization=s.organization)
    if documents:
        upload_all(s.users["provider"], person)
    return person


def _verify(s, case, result="clear"):
    _do(case, "verification", s.users["clerk"], {
        **_pending(case.person), "query_reference": "NC-2026-000123",
        "query_date": str(timezone.localdate()), "query_result": result})


def _vet(s, person):
    return vetting.vetting_start(actor=s.users["provider"], person=person, bureau=s.bureau)


def _vetting_cases(s):
    clerk, approver = s.users["clerk"], s.users["approver"]
    _take(_vet(s, _person(s)), "verification", clerk)
    case = _vet(s, _person(s))
    _verify(s, case)
    _take(case, "decision", approver)
    case = _vet(s, _person(s))
    _verify(s, case)
    _decide(s, case)
    # a record hit: a bar waiting for the administrator; the person (the provider acts for
    # them) asks for a re-check with a file
    hit = _person(s)
    _verify(s, _vet(s, hit), result="hit")
    registry_services.role_grant(actor=s.root, user=s.users["provider"], role=Role.PROVIDER,
                                 target=hit)
    s.proposal = BlacklistProposal.objects.get(person=hit, status="proposed")
    s.recheck = registry_services.recheck_request(
        actor=s.users["provider"], proposal=s.proposal, statement="查询对象系同名同姓",
        evidence_files=[pdf("proof.pdf")])
    s.evidence = s.recheck.evidence.get()
    # a person rejected by the approver, then waiting for the approver again
    person = _person(s)
    case = _vet(s, person)
    _verify(s, case)
    _decide(s, case, "reject")
    _verify(s, _vet(s, person))
    # a person without documents: corrections exhausted, then complete and waiting
    person = _person(s, documents=False)
    case = _vet(s, person)
    _resubmit(s, case)
    _resubmit(s, case)
    upload_all(s.users["provider"], person)
    _vet(s, person)


def _approved(s, person, *, valid_from, valid_until):
    approval = registry_services.approval_create(
        actor=s.root, jurisdiction=s.bureau.jurisdiction, person=person)
    return registry_services.approval_approve(actor=s.root, approval=approval,
                                              valid_from=valid_from, valid_until=valid_until)


def _renew(s, case, code):
    """The provider uploads the renewal of the expired ``code`` and says so."""
    renewed = _upload(s, case.approval.person, code)
    _do(case, "renew", s.users["provider"], {"confirm": "on"})
    return renewed


def _recertification_cases(s):
    """Six approved people whose credential expired yesterday (the last one's yearly record
    query); the sweep suspends each approval and opens its re-certification."""
    provider, clerk = s.users["provider"], s.users["clerk"]
    today = timezone.localdate()
    codes = ["health_certificate"] * 5 + ["offence_query"]
    people = [_person(s) for _code in codes]
    for person, code in zip(people, codes, strict=True):
        _approved(s, person, valid_from=today - datetime.timedelta(days=10),
                  valid_until=today + datetime.timedelta(days=300))
        Document.objects.filter(person=person, document_type__code=code).update(
            expires_on=today - datetime.timedelta(days=1))
    recertification.approvals_suspend_expired(today=today)
    waiting, held, checking, checking_held, restored, revoked = (
        RecertificationProcess.objects.get(approval__person=p) for p in people)
    _take(held, "renew", provider)
    s.recert = checking  # the renewal waiting for the clerk's verification
    _renew(s, checking, codes[2])
    _renew(s, checking_held, codes[3])
    _take(checking_held, "recert_verify", clerk)
    renewed = _renew(s, restored, codes[4])
    _do(restored, "recert_verify", clerk, {f"doc_{renewed.pk}": "verify"})
    renewed = _renew(s, revoked, codes[5])
    _do(revoked, "recert_verify", clerk, {
        f"doc_{renewed.pk}": "verify", "query_reference": "NC-2027-9",
        "query_date": str(today), "query_result": "hit"})
    # a hit on the yearly query: suspended until the administrator confirms the bar
    for case, status in ((restored, "approved"), (revoked, "suspended")):
        case.approval.refresh_from_db()
        assert case.approval.status == status
    assert waiting.approval.status == "suspended"


def _annual_review_cases(s):
    """Three people approved a year ago; the bureau's annual review date is today (the
    review opens on the bureau's date, before the term ends), the sweep opens them."""
    today = timezone.localdate()
    BureauCalendar.objects.update_or_create(
        bureau=s.bureau, defaults={"annual_review_month": today.month,
                                   "annual_review_day": today.day,
                                   "requery_month": 3, "requery_day": 1})
    try:
        since = today.replace(year=today.year - 1)
    except ValueError:  # 29 February: the last one was four years ago
        since = today.replace(year=today.year - 4)
    people = [_person(s, documents=False) for _ in range(3)]
    for person in people:
        _approved(s, person, valid_from=since, valid_until=today + datetime.timedelta(days=30))
    annual_review.annual_reviews_open(today=today)
    waiting, held, decided = (AnnualReviewProcess.objects.get(approval__person=p)
                              for p in people)
    s.review = waiting
    _take(held, "review", s.users["admin"])
    _do(decided, "review", s.users["admin"], {"decision": "keep", "confirm": "yes",
                                              "reason": "全年无投诉"})


# --- review cases --------------------------------------------------------------

def _review_open(s):
    """The clerk opens a review case by hand about another organization of the provider."""
    return review_cases.review_case_open(
        actor=s.users["clerk"], bureau=s.bureau, trigger=ReviewCaseProcess.Trigger.MANUAL,
        organization=_organization(s), details={"summary": "家长投诉收费过高"})


def _review_to(s, case, stop):
    """Drive ``case`` through the flow until the task of node ``stop`` waits (``"end"``:
    to its close). The clerk investigates, the provider answers, a second administrator
    decides a rectification, the provider asks for 复核, which the side's administrator
    (who neither decided nor investigated) upholds, the provider evidences the rectification and the
    clerk accepts it: one path through every node of the flow."""
    today = timezone.localdate()
    provider = s.users["provider"]
    steps = [
        ("investigate", lambda: _do(case, "investigate", s.users["clerk"], {
            "findings": "核实收费高于公示标准", "intended_action": "rectify",
            "reasons": "收费高于公示标准"})),
        ("decide", lambda: (review_cases.review_case_respond(
            actor=provider, case=case, text="已退还多收费用"), worker_runs())),
        ("reexamine", lambda: (_do(case, "decide", s.second_admin, {
            "decision": "rectify", "reason": "收费高于公示标准",
            "rectification_requirements": "按公示标准收费",
            "rectification_due": str(today + datetime.timedelta(days=30))}),
            review_cases.review_case_reexamination_request(
                actor=provider, case=case, statement="已主动退费"), worker_runs())),
        ("rectification_check", lambda: (_do(case, "reexamine", s.users["admin"], {
            "outcome": "upheld", "reason": "决定并无不当"}),
            review_rectification.review_case_rectification_submit(
                actor=provider, case=case, evidence="退费凭证"), worker_runs())),
        ("end", lambda: _do(case, "rectification_check", s.users["clerk"], {
            "accepted": "yes", "reason": "已按要求整改"})),
    ]
    for node, step in steps:
        step()
        case.refresh_from_db()
        if node == stop:
            return case
    raise AssertionError(stop)


def _review_cases(s):
    """Review cases: each of the bureau's tasks waiting in its queue and held by
    the side's user of the role its node names; and one case through every node to its
    close (``review_case`` is the one waiting for the clerk). A second administrator
    decides, so that the side's administrator may re-examine (复核)."""
    s.second_admin = UserFactory(username=f"admin2_{s.name}")
    registry_services.role_grant(actor=s.root, user=s.second_admin, role=Role.BUREAU_ADMIN,
                                 target=s.bureau)
    s.review_case = _review_open(s)
    _take(_review_open(s), "investigate", s.users["clerk"])
    for node, holder in (("decide", s.users["admin"]), ("reexamine", s.users["admin"]),
                         ("rectification_check", s.users["clerk"])):
        _review_to(s, _review_open(s), node)
        _take(_review_to(s, _review_open(s), node), node, holder)
    case = _review_to(s, _review_open(s), "end")
    assert case.stage == ReviewCaseProcess.Stage.CLOSED, case.stage


def build_side(name: str, city: str, root) -> Side:
    s = Side(name)
    s.city, s.root = city, root
    s.bureau = Bureau.objects.get(jurisdiction__code=city)
    s.county = county = _county(city)
    for role, enum in [("clerk", Role.BUREAU_CLERK), ("expert", Role.BUREAU_EXPERT),
                       ("approver", Role.BUREAU_APPROVER), ("admin", Role.BUREAU_ADMIN)]:
        user = UserFactory(username=f"{role}_{name}")
        registry_services.role_grant(actor=root, user=user, role=enum, target=s.bureau)
        s.users[role] = user
    s.users["provider"] = UserFactory(username=f"provider_{name}")
    # its provider registered it: its administrator (invites, keeps the roster)
    s.organization = OrganizationFactory(county=county, administrator=s.users["provider"])
    registry_services.role_grant(actor=root, user=s.users["provider"], role=Role.PROVIDER,
                                 target=s.organization)
    s.offering = OfferingFactory(organization=s.organization,
                                 category=ServiceCategory.objects.get(code="sport"),
                                 fee_per_session=Decimal("20"))
    s.documents = upload_all(s.users["provider"], s.organization)
    s.document = s.documents[0]
    s.person = PersonFactory(organization=s.organization)
    s.school = SchoolFactory(county=county)
    s.users["school"] = UserFactory(username=f"school_{name}")
    registry_services.role_grant(actor=root, user=s.users["school"], role=Role.SCHOOL,
                                 target=s.school)

    # a case in public notice, then a second one waiting for the clerk
    s.organization.offering = s.offering
    s.notice = _drive_to_notice(s, _apply(s, s.organization))
    second = _organization(s)
    s.case_documents = list(Document.objects.filter(organization=second))
    s.case = _apply(s, second)
    [s.task] = open_tasks(s.case, "qualification")
    # the person has no documents yet: the vetting goes back to the provider
    s.vetting = _vet(s, s.person)
    _selection_cases(s)
    _partner_cases(s)
    _vetting_cases(s)
    _recertification_cases(s)
    _annual_review_cases(s)
    _review_cases(s)

    # an approved provider (another organization of the same user) engaged by the school,
    # and the published list
    s.approved = OrganizationFactory(county=county)
    registry_services.role_grant(actor=root, user=s.users["provider"], role=Role.PROVIDER,
                                 target=s.approved)
    approved_offering = OfferingFactory(organization=s.approved,
                                        category=ServiceCategory.objects.get(code="sport"))
    approval = registry_services.approval_create(
        actor=root, jurisdiction=s.bureau.jurisdiction, organization=s.approved,
        categories=[ServiceCategory.objects.get(code="sport")])
    today = timezone.localdate()
    registry_services.approval_approve(actor=root, approval=approval,
                                       valid_from=today - datetime.timedelta(days=5),
                                       valid_until=today + datetime.timedelta(days=300))
    s.publication = registry_services.publication_publish(actor=s.users["admin"],
                                                          bureau=s.bureau)
    # the approved organization's new name waits for the bureau's clerk
    _edited, s.change_request = registry_services.provider_edit(
        actor=s.users["provider"], target=s.approved, changes={"name": f"{name}新名称机构"})
    term = registry_services.school_term_create(
        actor=s.users["school"], school=s.school, name="2026 秋季学期",
        starts_on=today, ends_on=today + datetime.timedelta(days=120), project_count=10)
    s.engagement = registry_services.engagement_create(
        actor=s.users["school"], school=s.school, term=term, organization=s.approved,
        offering=approved_offering, fee_per_session=Decimal("20"), sessions=10)
    s.review_request = registry_services.review_request_open(
        actor=root, bureau=s.bureau, trigger=ReviewRequest.Trigger.LOW_SATISFACTION,
        organization=s.approved)
    [s.notification] = notifications.notify(users=[s.users["provider"]], subject=f"通知 {name}",
                                            body="测试")
    # a person with an account of their own, invited by the school, who accepted (the school
    # sees an invitation once answered); consenting to the bureau's record query (no role of
    # the matrix is that person)
    invitee = PersonFactory(user=UserFactory(username=f"person_{name}"), kind="volunteer")
    s.invitation = registry_services.invitation_answer(
        actor=invitee.user, accept=True, invitation=registry_services.school_invite(
            actor=s.users["school"], school=s.school, id_number=invitee.id_number,
            name=invitee.name))
    s.consent = registry_services.consent_give(actor=invitee.user, person=invitee,
                                               bureau=s.bureau)
    s.token, _secret = token_create(actor=s.users["provider"], name=f"同步脚本 {name}")
    return s


# the settings the sides are built and asked with
SIDES_SETTINGS = {"WORKFLOW_EXPERT_PANEL_SIZE": 1,
                  "WORKFLOW_MAX_CORRECTION_ROUNDS": 2}  # the exhausted cases take two rounds


def build_sides() -> dict[str, Side]:
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    return {"A": build_side("a", "360100", root), "B": build_side("b", "360200", root)}


def _build_sides_in(folder):
    """``build_sides`` with the settings the sides are asked with, their documents stored
    in ``folder``, in the default language and with the reference data read afresh (as the
    autouse fixtures of tests/conftest.py give a test)."""
    from django.conf import settings as django_settings
    from django.test.utils import override_settings
    from django.utils import translation

    from registry import reference

    local = {"BACKEND": "django.core.files.storage.FileSystemStorage",
             "OPTIONS": {"location": str(folder), "base_url": None}}
    storages = {**django_settings.STORAGES, "default": local, "documents": local}
    translation.deactivate()
    reference.clear()
    try:
        with override_settings(STORAGES=storages, **SIDES_SETTINGS):
            return folder, build_sides()
    finally:
        translation.deactivate()
        reference.clear()


@pytest.fixture(scope="session")
def _sides_data(django_db_setup, django_db_blocker, tmp_path_factory):
    """The sides of this worker, built once for the consecutive tests that ask for them
    (tests/shared_data.py): rolled back before a test that does not, built again for the
    next one that does, and rolled back at the end of the session (before the test
    database goes)."""
    from tests.shared_data import SharedData

    shared = SharedData("sides", lambda: _build_sides_in(tmp_path_factory.mktemp("sides")))
    yield shared
    shared.release(django_db_blocker)


@pytest.fixture(scope="class")
def _sides_built(_sides_data, django_db_blocker):
    """Built (or kept) before the test's own fixtures: pytest sets a fixture of a wider
    scope than a function's up before ``db`` opens the test's transaction (and a class
    fixture of a test outside a class for each test, still before ``db``)."""
    _sides_data.get(django_db_blocker)


@pytest.fixture
def sides(_sides_built, _sides_data, db, settings, _private_document_storage):
    """Side A and side B (this module's docstring), as if the test had built them: the
    worker's built sides (the test's changes are rolled back at its end), a copy of their
    documents in the test's own folder, and objects of the test's own (a test may change
    an attribute)."""
    for name, value in SIDES_SETTINGS.items():
        setattr(settings, name, value)
    assert _sides_data.built, "the sides are built before the test's transaction opens"
    folder, built = _sides_data.value
    shutil.copytree(folder, _private_document_storage, dirs_exist_ok=True)
    return _own_copy(built, {})


def _own_copy(value, memo: dict):
    """``value`` (the sides) with sides, dicts, lists and model instances of its own: what
    a test sets on them (``side.publication = …``, ``side.person.user = …``) stays its
    own. (A model instance is copied as pickling does: its fields and its cache of related
    objects; a deep copy would reach the storages and the flows, which cannot be copied.)"""
    if id(value) in memo:
        return memo[id(value)]
    if isinstance(value, Side):
        new = copy.copy(value)
        memo[id(value)] = new
        new.__dict__.update({k: _own_copy(v, memo) for k, v in value.__dict__.items()})
    elif isinstance(value, dict):
        new = {k: _own_copy(v, memo) for k, v in value.items()}
    elif isinstance(value, list | tuple):
        new = type(value)(_own_copy(v, memo) for v in value)
    elif isinstance(value, Model):
        new = copy.copy(value)
    else:
        return value
    memo[id(value)] = new
    return new


@pytest.fixture(scope="module")
def reference_data_back(django_db_blocker):
    """After a module with transactional tests: put back the migration-loaded reference data
    (jurisdictions, bureaus, categories) that their flush removed, for the tests after it."""
    yield
    from django.db import connection

    with django_db_blocker.unblock():
        contents = getattr(connection, "_test_serialized_contents", None)
        if contents and not Bureau.objects.exists():
            connection.creation.deserialize_db_from_string(contents)


@pytest.fixture
def empty_cache():
    """The throttles count per client address in the cache: a test that sends as the public
    starts and ends with it empty (``pytestmark = pytest.mark.usefixtures("empty_cache")``)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def notice(world):  # noqa: F811 - ``world`` is the shared fixture imported above
    """A selection case in public notice (公示), open to objections."""
    from tests.workflows.test_selection_flow import _to_notice

    return _to_notice(world)
