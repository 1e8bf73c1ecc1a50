"""Writes for selection cases. Flow steps and views call these; each runs in one
transaction, takes the acting user explicitly (``None`` for the system) and leaves
an audit event. Rules that protect the decision — who may decide, what counts as
complete, when objections may be filed — are enforced here, not in the UI.
"""

from __future__ import annotations

import datetime
import logging
import secrets
from decimal import ROUND_HALF_UP, Decimal
from smtplib import SMTPException

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from guardian.shortcuts import get_users_with_perms

from registry import selectors as registry_selectors
from registry import services as registry_services
from registry.models import Approval, Bureau, Offering, Organization, Person
from workflows import selectors
from workflows.models import (
    CallForApplications,
    CaseOutcome,
    ExpertAssignment,
    ExpertScore,
    Notification,
    Objection,
    ObjectionEvidence,
    OfferingFlag,
    RubricCriterion,
    SelectionProcess,
    VettingProcess,
)
from workflows.workdays import add_working_days

logger = logging.getLogger(__name__)


class CaseStateError(ValidationError):
    """The case or task is not in a state that allows this (answered with 409)."""


def _audit(actor, action, case, *, from_state="", to_state="", reason="", data=None):
    registry_services.audit_record(actor=actor, action=action, target=case,
                                   from_state=from_state, to_state=to_state, reason=reason,
                                   data=data)


def _require(text: str, field: str, message) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: message})
    return text


# --- notifications (a transactional outbox: rows first, email after commit) ---------

def notify(*, users, subject: str, body: str, url: str = "") -> list[Notification]:
    """Record an in-app notification per user; email each after the transaction commits.

    If the email backend fails the row stays unsent and ``notifications_send_pending``
    retries it, so nothing is lost.
    """
    rows = [Notification(user=u, subject=str(subject)[:200], body=str(body), url=url)
            for u in {u.pk: u for u in users if u is not None}.values()]
    Notification.objects.bulk_create(rows)
    if rows:
        ids = [r.pk for r in rows if r.pk]
        if ids:
            def _enqueue():
                from workflows.tasks import send_notification_emails

                try:
                    send_notification_emails.delay(ids)
                except Exception as exc:  # noqa: BLE001 - broker down: the periodic retry sends
                    logger.warning("notification email not enqueued (%s); the periodic "
                                   "outbox run will send it", exc.__class__.__name__)
            transaction.on_commit(_enqueue)
    return rows


def notifications_send(*, ids=None, limit: int = 200) -> int:
    """Email unsent notifications (all, or the given ids); mark each sent. Idempotent."""
    sent = 0
    queryset = Notification.objects.filter(emailed_at__isnull=True).select_related("user")
    if ids is not None:
        queryset = queryset.filter(pk__in=list(ids))
    for note in queryset.order_by("pk")[:limit]:
        with transaction.atomic():
            locked = (Notification.objects.select_for_update(skip_locked=True)
                      .filter(pk=note.pk, emailed_at__isnull=True).first())
            if locked is None or not note.user.email:
                continue
            try:
                send_mail(locked.subject, f"{locked.body}\n\n{locked.url}".strip(),
                          settings.DEFAULT_FROM_EMAIL, [note.user.email])
            except (OSError, SMTPException) as exc:
                # Stays unsent; the next outbox run tries again. Nothing is lost.
                logger.warning("notification %s not emailed: %s", locked.pk,
                               exc.__class__.__name__)
                continue
            locked.emailed_at = timezone.now()
            locked.save(update_fields=["emailed_at"])
            sent += 1
    return sent


def subject_name(subject) -> str:
    """How a notification names an organization or a person: by name. A person's ``str``
    carries the masked ID number, and no notification (an email) carries ID numbers."""
    return subject.name


def notify_private_news(*, users, case, kind: str) -> None:
    """Tell ``users`` that a case about a person has news, without the news: the outcome of
    a record query (入职查询) and the reasons of a decision go by email to no one, and a
    school that started a vetting is not told why it was refused. The link leads to the
    case's page, which shows each reader what that reader may see."""
    from django.urls import reverse

    notify(users=users,
           subject=gettext("%(kind)s #%(pk)s: there is news") % {"kind": kind, "pk": case.pk},
           body=gettext("Sign in to see it on the case's page."),
           url=reverse(f"{case.flow_class.instance.flow_label}:process_detail",
                       kwargs={"process_pk": case.pk}))


def notify_task_queue(*, activation) -> None:
    """Tell the users who hold a new task's permission on its bureau that it is waiting."""
    task, process = activation.task, activation.process.coerced
    codename = (task.owner_permission or "").split(".")[-1]
    bureau = getattr(process, "bureau", None)
    if not codename or bureau is None:
        return
    title = activation.flow_task.task_title
    notify(users=_staff(bureau, codename),
           subject=gettext("New task: %(title)s (#%(pk)s)") % {"title": title, "pk": process.pk},
           body=_case_label(process), url=selectors.case_url(process))


def _case_label(case) -> str:
    """``#12 name``: the case's number and whom it is about (never a masked ID number)."""
    subject = getattr(case, "organization", None) or getattr(case, "person", None)
    if subject is None and getattr(case, "approval", None) is not None:
        subject = case.approval.subject
    return f"#{case.pk} {subject_name(subject)}" if subject is not None else f"#{case.pk}"


def notification_mark_read(*, actor, notification: Notification) -> None:
    if notification.user_id != actor.pk:
        raise PermissionDenied
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])


# Who holds a permission on an object, as guardian checks it when they act: given to the
# user, or to a group the user is in (the admin's permission pages can do either). A
# group's members may take the tasks, so they are told of them and drawn for panels too.
def _staff_queryset(bureau: Bureau, codename: str):
    return get_users_with_perms(bureau, only_with_perms_in=[codename], with_superusers=False,
                                with_group_users=True).filter(is_active=True)


def _staff(bureau: Bureau, codename: str):
    return list(_staff_queryset(bureau, codename))


def _providers_queryset(organization: Organization):
    return get_users_with_perms(organization, only_with_perms_in=["act_for_organization"],
                                with_superusers=False, with_group_users=True
                                ).filter(is_active=True)


def _providers(organization: Organization):
    return list(_providers_queryset(organization))


# --- calls for applications ----------------------------------------------------------

@transaction.atomic
def call_open(*, actor, bureau: Bureau, title: str, opens_on: datetime.date,
              closes_on: datetime.date, description: str = "") -> CallForApplications:
    """Publish a call for applications (征集公告) with its window."""
    if not actor.has_perm("registry.administer_bureau", bureau):
        raise PermissionDenied
    title = _require(title, "title", _("Give the call a title."))
    if closes_on < opens_on:
        raise ValidationError({"closes_on": _("The call closes before it opens.")})
    call = CallForApplications.objects.create(bureau=bureau, title=title, opens_on=opens_on,
                                              closes_on=closes_on, description=description,
                                              created_by=actor)
    registry_services.audit_record(actor=actor, action="call.open", target=call,
                                   to_state="open", data={"opens_on": str(opens_on),
                                                          "closes_on": str(closes_on)})
    return call


def _call_for(bureau: Bureau, call: CallForApplications | None, today: datetime.date):
    """The call an application goes to; ``None`` where the bureau takes applications any time."""
    if call is not None:
        if call.bureau_id != bureau.pk:
            raise ValidationError({"call": _("This call belongs to another bureau.")})
        if not call.is_open(today):
            raise ValidationError({"call": _("This call for applications is not open "
                                             "(%(opens)s – %(closes)s).")
                                   % {"opens": call.opens_on, "closes": call.closes_on}})
        return call
    calls = CallForApplications.objects.filter(bureau=bureau)
    if not calls.exists():
        return None
    current = calls.filter(opens_on__lte=today, closes_on__gte=today).order_by("closes_on")
    if not current.exists():
        raise ValidationError(_("%(bureau)s is not accepting applications now: no call for "
                                "applications is open.") % {"bureau": bureau.name})
    return current.first()


# --- eligibility ----------------------------------------------------------------------

def _blacklisted(*, uscc=None, id_number=None) -> bool:
    try:
        from registry.selectors import is_blacklisted
    except ImportError:  # the sanctions module is not installed yet
        return False
    return is_blacklisted(uscc=uscc, id_number=id_number)


def _refuse_if_barred(organization: Organization | None = None, person: Person | None = None):
    # One neutral answer for a blacklisting and a suspension alike: whether a credit code
    # or an ID number is blacklisted is for bureau staff to know, not for whoever applies
    # or starts a vetting with it (a school may start one for any person).
    if organization is not None and (
            _blacklisted(uscc=organization.uscc)
            or Approval.objects.filter(organization=organization,
                                       status=Approval.Status.SUSPENDED).exists()):
        raise ValidationError(_("This organization cannot apply at present. The education "
                                "bureau can tell you why."), code="barred")
    if person is not None and (
            _blacklisted(id_number=person.id_number)
            or Approval.objects.filter(person=person,
                                       status=Approval.Status.SUSPENDED).exists()):
        raise ValidationError(_("This person cannot be vetted at present. The education "
                                "bureau can tell you why."), code="barred")


# --- organization selection -----------------------------------------------------------

@transaction.atomic
def selection_apply(*, actor, organization: Organization, bureau: Bureau, offerings,
                    roster=(), call: CallForApplications | None = None) -> SelectionProcess:
    """An organization applies to a bureau; starts the selection flow."""
    from workflows.flows import OrganizationSelectionFlow

    if not actor.has_perm("registry.act_for_organization", organization):
        raise PermissionDenied
    today = timezone.localdate()
    call = _call_for(bureau, call, today)
    _refuse_if_barred(organization=organization)
    Organization.objects.select_for_update().get(pk=organization.pk)  # serialise applications
    if SelectionProcess.objects.filter(organization=organization, bureau=bureau, call=call,
                                       outcome=CaseOutcome.OPEN).exists():
        raise ValidationError(_("This organization already has an open application to this "
                                "bureau."))
    offerings = list(offerings)
    if not offerings:
        raise ValidationError({"offerings": _("Choose at least one offering.")})
    if any(o.organization_id != organization.pk or not o.is_active for o in offerings):
        raise ValidationError({"offerings": _("Only the organization's own active offerings "
                                              "can be included.")})
    roster = list(roster)
    if any(p.organization_id != organization.pk for p in roster):
        raise ValidationError({"roster": _("Only the organization's own staff can be on the "
                                           "roster.")})
    # Policy screening: a disallowed category is refused outright; subject-tutoring
    # wording or a fee above the cap only flags the offering for the clerk.
    registry_services.offerings_require_allowed(offerings=offerings,
                                                jurisdiction=bureau.jurisdiction)
    case = OrganizationSelectionFlow.start.run(
        actor=actor, organization=organization, bureau=bureau, call=call,
        offerings=offerings, roster=roster,
    )
    _flags_record(case, offerings)
    return case


def _flags_record(case: SelectionProcess, offerings) -> list[OfferingFlag]:
    """Screen the offerings against the bureau's rules and record a flag per finding."""
    found = registry_services.offerings_screen(offerings=offerings,
                                               jurisdiction=case.bureau.jurisdiction)
    flags = OfferingFlag.objects.bulk_create([
        OfferingFlag(case=case, offering=f.offering, kind=f.kind,
                     matched_words=f.matched_words, detail=f.detail) for f in found])
    if flags:
        _audit(None, "case.flagged", case, to_state="flagged",
               data={"flags": [{"offering": f.offering_id, "kind": f.kind,
                                "words": f.matched_words} for f in flags]})
    return flags


def selection_create(*, activation, actor, organization, bureau, call, offerings, roster):
    """Fill the new process row (called by the flow's start node)."""
    case = activation.process
    case.organization, case.bureau, case.call, case.applicant = organization, bureau, call, actor
    case.save()
    case.offerings.set(offerings)
    case.roster.set(roster)
    _audit(actor, "case.apply", case, to_state="submitted",
           data={"bureau": bureau.name, "offerings": [o.pk for o in offerings]})
    return case


def _document_problems(subject) -> list[dict]:
    from documents.selectors import requirement_checklist

    checklist = requirement_checklist(
        subject, within_days=settings.WORKFLOW_MIN_DOCUMENT_VALIDITY_DAYS)
    return [{"subject": str(subject), "document_type": str(item.document_type.display_name),
             "state": item.state, "message": str(item.message)}
            for item in checklist.problems]


def case_check_completeness(*, case) -> bool:
    """Automatic step: every required document present, verified or pending, and valid."""
    problems = []
    subject = case.organization if isinstance(case, SelectionProcess) else case.person
    for problem in _document_problems(subject):
        if problem["state"] != "pending":  # pending documents are for the clerk to check
            problems.append(problem)
    case.missing = problems
    case.save(update_fields=["missing"])
    _audit(None, "case.completeness", case, to_state="complete" if not problems else
           "incomplete", data={"problems": problems})
    return not problems


def case_return_for_correction(*, case, reason: str = "") -> None:
    """Send the case back to the provider (补正) with a deadline. The round is counted when
    the provider submits it (``workflows.corrections.correction_submit``), not here."""
    case.correction_due = timezone.now() + datetime.timedelta(
        days=settings.WORKFLOW_CORRECTION_DAYS)
    case.save(update_fields=["correction_due"])
    _audit(None, "case.return_for_correction", case, to_state="correction", reason=reason,
           data={"round": case.correction_rounds + 1, "missing": case.missing})
    if isinstance(case, VettingProcess):  # about a person: the page says what is missing
        notify_private_news(users=_case_providers(case), case=case, kind=gettext("Vetting"))
        return
    listing = "\n".join(f"- {p.get('subject', '')}: {p.get('document_type', '')} "
                        f"({p.get('state', '')})" for p in case.missing)
    notify(users=_case_providers(case),
           subject=gettext("Application #%(pk)s needs correction") % {"pk": case.pk},
           body=gettext("Please correct the following by %(due)s:\n%(items)s\n%(reason)s")
           % {"due": timezone.localtime(case.correction_due).strftime("%Y-%m-%d"),
              "items": listing, "reason": reason})


def case_corrections_exhausted(*, case) -> bool:
    return case.correction_rounds >= settings.WORKFLOW_MAX_CORRECTION_ROUNDS


def holders_of(subject) -> list:
    """The users who act for an organization, or for a person (the person's own account
    and the employing organization's provider users): who is told about its credentials."""
    if isinstance(subject, Organization):
        return _providers(subject)
    users = [subject.user] if subject.user_id else []
    if subject.organization_id:
        users += _providers(subject.organization)
    return users


def _case_providers(case):
    if isinstance(case, SelectionProcess):
        return _providers(case.organization)
    return [case.applicant, *holders_of(case.person)]


def case_resubmit(*, actor, case) -> None:
    """The provider says the corrections are made (the correction task completes)."""
    if case.correction_due and timezone.now() > case.correction_due:
        raise CaseStateError(_("The correction deadline has passed."))
    _audit(actor, "case.resubmit", case, from_state="correction", to_state="submitted")


def check_document_decisions(actor, subject, decisions) -> tuple[list, list]:
    """Apply the clerk's verdict on each document of the case's subject: one review action
    (one lock, one UPDATE, one INSERT of audit events), never one per document. Returns the
    verified ids and the rejected ``{"document", "reason"}``."""
    from documents.services import documents_review

    verified, rejected, verdicts = [], [], {}
    for raw_id, decision in decisions.items():
        try:
            pk = int(raw_id)
        except (TypeError, ValueError):
            raise ValidationError(_("Unknown document in the decisions.")) from None
        verdict, reason = decision if isinstance(decision, tuple | list) else (decision, "")
        if verdict == "verify":
            verified.append(pk)
        elif verdict == "reject":
            if not (reason or "").strip():
                raise ValidationError(_("Give a reason for rejecting a document."))
            rejected.append({"document": pk, "reason": reason})
        else:
            raise ValidationError(_("Unknown decision: %(v)s.") % {"v": verdict})
        verdicts[pk] = (verdict, reason)
    if verdicts:
        # refuses, as a whole, any document that is not the subject's
        documents_review(actor=actor, subject=subject, decisions=verdicts)
    return verified, rejected


def _unvetted(people, bureau: Bureau) -> list[Person]:
    """Those of ``people`` without an approval in force in the bureau's jurisdiction or
    above it (one query for the whole roster)."""
    people = list(people)
    vetted = set(Approval.objects.valid_on().filter(
        person__in=people, jurisdiction_id__in=bureau.jurisdiction.lineage_ids(),
    ).values_list("person_id", flat=True))
    return [p for p in people if p.pk not in vetted]


def qualification_check(*, actor, case: SelectionProcess, decisions: dict,
                        note: str = "", flag_decisions: dict | None = None) -> bool:
    """The clerk verifies or rejects each document; returns whether the case passes.

    Any rejection, or a rostered person without an approved individual vetting,
    sends the case back for correction. Every policy flag not yet confirmed needs a
    decision in ``flag_decisions`` (``{flag id: ("confirm" | "reject", reason)}``);
    a rejected flag sends the case back like a rejected document.
    """
    if not actor.has_perm("registry.clerk_bureau", case.bureau):
        raise PermissionDenied
    flags_rejected = _flags_decide(actor, case, flag_decisions or {})
    verified, rejected = check_document_decisions(actor, case.organization, decisions)
    unvetted = _unvetted(case.roster.all(), case.bureau)
    remaining = [p for p in _document_problems(case.organization)]
    case.checked_by = actor
    case.missing = (
        [{"subject": str(case.organization), "document_type": str(r["document"]),
          "state": "rejected", "reason": r["reason"]} for r in rejected]
        + [{"subject": p.name, "document_type": gettext("individual vetting"),
            "state": "missing"} for p in unvetted]
        + remaining
        + [{"subject": flag.offering.title, "document_type": str(_("policy screening")),
            "state": "rejected", "message": str(flag.get_kind_display()),
            "reason": flag.reason} for flag in flags_rejected]
    )
    case.save(update_fields=["checked_by", "missing"])
    passed = not case.missing
    if passed:
        # the panel is drawn in the background once this commits: a pool too small to
        # draw it is said to the clerk now
        _require_expert_pool_count(case)
    _audit(actor, "case.qualification_check", case, to_state="passed" if passed else "failed",
           reason=note, data={"verified": verified, "rejected": rejected,
                              "unvetted": [p.pk for p in unvetted],
                              "flags_rejected": [f.pk for f in flags_rejected]})
    return passed


def _flags_decide(actor, case: SelectionProcess, decisions: dict) -> list[OfferingFlag]:
    """Record the clerk's decision on every flag still awaiting one; returns the rejected."""
    open_flags = list(OfferingFlag.objects.select_for_update().filter(case=case)
                      .exclude(decision=OfferingFlag.Decision.CONFIRMED)
                      .select_related("offering").order_by("pk"))
    by_id = {str(k): v for k, v in decisions.items()}
    unknown = set(by_id) - {str(f.pk) for f in open_flags}
    if unknown:
        raise ValidationError(_("Flag %(id)s is not open on this case.")
                              % {"id": sorted(unknown)[0]})
    now, rejected = timezone.now(), []
    for flag in open_flags:
        decision = by_id.get(str(flag.pk))
        verdict, reason = decision if isinstance(decision, tuple | list) else (decision, "")
        reason = (reason or "").strip()
        if verdict not in ("confirm", "reject"):
            raise ValidationError(_("Decide on the flag on “%(title)s”: confirm or reject it.")
                                  % {"title": flag.offering.title})
        if not reason:
            raise ValidationError(_("Give a reason for your decision on the flag on "
                                    "“%(title)s”.") % {"title": flag.offering.title})
        previous = flag.decision
        flag.decision = (OfferingFlag.Decision.CONFIRMED if verdict == "confirm"
                         else OfferingFlag.Decision.REJECTED)
        flag.reason, flag.decided_by, flag.decided_at = reason, actor, now
        flag.save(update_fields=["decision", "reason", "decided_by", "decided_at"])
        _audit(actor, "case.flag_decided", case, from_state=previous, to_state=flag.decision,
               reason=reason, data={"flag": flag.pk, "offering": flag.offering_id,
                                    "kind": flag.kind, "words": flag.matched_words})
        if flag.decision == OfferingFlag.Decision.REJECTED:
            rejected.append(flag)
    return rejected


# --- experts ----------------------------------------------------------------------------

def _eligible_experts_queryset(case: SelectionProcess):
    """The bureau's active experts who may sit on this case's panel: not already drawn for
    it, not its clerk or applicant, not a provider user of the organization."""
    barred = {case.checked_by_id, case.applicant_id} - {None}
    return (_staff_queryset(case.bureau, "expert_bureau").exclude(pk__in=barred)
            .exclude(pk__in=case.assignments.values("expert_id"))
            .exclude(pk__in=_providers_queryset(case.organization).values("pk")))


def _eligible_experts(case: SelectionProcess) -> list:
    return list(_eligible_experts_queryset(case))


def _refuse_small_pool(available: int) -> None:
    size = settings.WORKFLOW_EXPERT_PANEL_SIZE
    if available < size:
        raise CaseStateError(_("The bureau's expert pool has %(n)d eligible experts; "
                               "%(size)d are needed.") % {"n": available, "size": size})


def _require_expert_pool_count(case: SelectionProcess) -> None:
    """The pool check of the draw, counted in one query (for the clerk's check, before the
    draw runs in the background)."""
    _refuse_small_pool(_eligible_experts_queryset(case).count())


def _require_expert_pool(case: SelectionProcess) -> list:
    pool = _eligible_experts(case)
    _refuse_small_pool(len(pool))
    return pool


def experts_draw(*, case: SelectionProcess) -> list[ExpertAssignment]:
    """Draw the panel at random from the bureau's expert pool (excluding the clerk)."""
    size = settings.WORKFLOW_EXPERT_PANEL_SIZE
    pool = _require_expert_pool(case)
    chosen = secrets.SystemRandom().sample(pool, size)
    assignments = ExpertAssignment.objects.bulk_create(
        [ExpertAssignment(case=case, expert=e, slot=i) for i, e in enumerate(chosen, 1)])
    _audit(None, "case.experts_drawn", case, data={"experts": [e.get_username()
                                                                for e in chosen]})
    notify(users=chosen, subject=gettext("You were drawn to review application #%(pk)s")
           % {"pk": case.pk},
           body=gettext("Declare any conflict of interest first, then score the application."))
    return assignments


def assignment_for_task(task) -> ExpertAssignment:
    return ExpertAssignment.objects.select_related("case", "expert").get(
        pk=task.data["assignment"])


def expert_declare_conflict(*, actor, assignment: ExpertAssignment, note: str,
                            task=None) -> ExpertAssignment:
    """The expert declares a conflict: recused, and a replacement takes the seat."""
    if assignment.expert_id != actor.pk:
        raise PermissionDenied
    if assignment.status != ExpertAssignment.Status.DRAWN:
        raise CaseStateError(_("This review has already been handled."))
    note = _require(note, "conflict_note", _("Describe the conflict of interest."))
    case = assignment.case
    pool = _eligible_experts(case)
    if not pool:
        raise CaseStateError(_("No other expert is available to replace you; ask the bureau "
                               "administrator to add one to the pool, then declare again."))
    assignment.status = ExpertAssignment.Status.RECUSED
    assignment.conflict_note = note
    assignment.finished_at = timezone.now()
    assignment.save(update_fields=["status", "conflict_note", "finished_at"])
    replacement = ExpertAssignment.objects.create(
        case=case, expert=secrets.SystemRandom().choice(pool), slot=assignment.slot)
    if task is not None:
        task.owner = replacement.expert
        task.data = {**task.data, "assignment": replacement.pk}
        task.save(update_fields=["owner", "data"])
    _audit(actor, "case.expert_recused", case, reason=note,
           data={"expert": actor.get_username(), "replacement":
                 replacement.expert.get_username(), "seat": assignment.slot})
    notify(users=[replacement.expert],
           subject=gettext("You were drawn to review application #%(pk)s") % {"pk": case.pk},
           body=gettext("Declare any conflict of interest first, then score the application."))
    return replacement


def expert_score(*, actor, assignment: ExpertAssignment, scores: dict,
                 comment: str = "") -> ExpertAssignment:
    """Score every active rubric criterion within its range; computes the weighted total."""
    if assignment.expert_id != actor.pk:
        raise PermissionDenied
    if assignment.status != ExpertAssignment.Status.DRAWN:
        raise CaseStateError(_("This review has already been handled."))
    criteria = list(RubricCriterion.objects.filter(is_active=True))
    errors = {}
    values = {}
    for criterion in criteria:
        raw = scores.get(criterion.code)
        try:
            value = int(raw)
        except (TypeError, ValueError):
            errors[criterion.code] = _("Give a whole-number score.")
            continue
        if not 0 <= value <= criterion.max_score:
            errors[criterion.code] = _("Scores run from 0 to %(max)d.") % {
                "max": criterion.max_score}
            continue
        values[criterion] = value
    unknown = set(scores) - {c.code for c in criteria}
    if unknown:
        errors["scores"] = _("Unknown criteria: %(codes)s.") % {"codes": ", ".join(
            sorted(unknown))}
    if errors:
        raise ValidationError(errors)
    ExpertScore.objects.bulk_create([ExpertScore(assignment=assignment, criterion=c, score=v)
                                     for c, v in values.items()])
    weight_sum = sum(c.weight for c in values)
    total = sum(Decimal(v) / c.max_score * 100 * c.weight for c, v in values.items())
    assignment.total = (total / weight_sum).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assignment.status = ExpertAssignment.Status.SCORED
    assignment.comment = comment
    assignment.finished_at = timezone.now()
    assignment.save(update_fields=["total", "status", "comment", "finished_at"])
    _audit(actor, "case.expert_scored", assignment.case,
           data={"seat": assignment.slot, "total": str(assignment.total)})
    return assignment


def scores_summarize(*, case: SelectionProcess) -> None:
    """Weighted mean of the panel; flag a spread above the threshold."""
    totals = list(case.assignments.filter(status=ExpertAssignment.Status.SCORED)
                  .values_list("total", flat=True))
    if not totals:
        return
    case.weighted_score = (sum(totals) / len(totals)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    case.score_spread_flagged = (max(totals) - min(totals)) > \
        settings.WORKFLOW_SCORE_SPREAD_THRESHOLD
    case.save(update_fields=["weighted_score", "score_spread_flagged"])
    _audit(None, "case.scores_summarized", case,
           data={"mean": str(case.weighted_score), "spread_flagged":
                 case.score_spread_flagged})


# --- decision, notice, objections -----------------------------------------------------

def _refuse_conflicted_decider(actor, case) -> None:
    if case.checked_by_id == actor.pk:
        raise PermissionDenied(_("The clerk who checked this case cannot decide it."))
    if isinstance(case, SelectionProcess) and case.assignments.filter(expert=actor).exists():
        raise PermissionDenied(_("An expert drawn for this case cannot decide it."))
    if case.applicant_id == actor.pk:
        raise PermissionDenied(_("The applicant cannot decide the case."))


def case_decide(*, actor, case, approve: bool, reason: str) -> None:
    """The approver's decision; refused for the clerk or an expert of this case."""
    if not actor.has_perm("registry.approve_bureau", case.bureau):
        raise PermissionDenied
    _refuse_conflicted_decider(actor, case)
    reason = _require(reason, "reason", _("Give a reason for the decision."))
    if approve:
        # what would stop the approval from opening is said to the approver now: the
        # notice itself opens in the background, after this decision has committed
        registry_services.approval_open_check(
            jurisdiction=case.bureau.jurisdiction,
            organization=getattr(case, "organization", None),
            person=getattr(case, "person", None))
    case.decided_by = actor
    case.decision = "approve" if approve else "reject"
    case.decision_reason = reason
    case.save(update_fields=["decided_by", "decision", "decision_reason"])
    _audit(actor, "case.decide", case, to_state=case.decision, reason=reason)


def _offering_categories(case: SelectionProcess):
    return list({o.category_id: o.category for o in
                 Offering.objects.filter(pk__in=case.offerings.values("pk"))
                 .select_related("category")}.values())


def notice_start(*, case: SelectionProcess) -> None:
    """The approval goes into public notice (公示) for N working days."""
    today = timezone.localdate()
    case.notice_ends_on = add_working_days(today, settings.WORKFLOW_NOTICE_WORKING_DAYS)
    case.approval = registry_services.approval_create(
        actor=case.decided_by, jurisdiction=case.bureau.jurisdiction,
        organization=case.organization, categories=_offering_categories(case), case=case,
        reason=case.decision_reason, expert_score=case.weighted_score)
    case.save(update_fields=["notice_ends_on", "approval"])
    _audit(None, "case.notice_start", case, to_state="notice",
           data={"ends_on": str(case.notice_ends_on)})
    notify(users=_providers(case.organization),
           subject=gettext("Application #%(pk)s is in public notice until %(end)s")
           % {"pk": case.pk, "end": case.notice_ends_on},
           body=case.decision_reason)


def notice_deadline(case: SelectionProcess) -> datetime.datetime:
    """When the notice timer fires: the start of the day after the last notice day."""
    end = case.notice_ends_on + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(end, datetime.time.min))


def _objection_window_open(case: SelectionProcess) -> bool:
    return (case.outcome == CaseOutcome.OPEN and case.approval_id is not None
            and case.notice_ends_on is not None
            and timezone.localdate() <= case.notice_ends_on
            and case.approval.status == Approval.Status.PENDING)


_ANONYMOUS = {"匿名", "无名", "anonymous", "anon", "none", "n/a", "某某", "不详"}


@transaction.atomic
def objection_file(*, case: SelectionProcess, real_name: str, contact: str, reason: str,
                   evidence=()) -> Objection:
    """Anyone may object during the notice, with a real name, contact and a reason, and up
    to ``OBJECTION_MAX_FILES`` evidence files: all are stored, or none (and no row)."""
    case = SelectionProcess.objects.select_for_update().get(pk=case.pk)
    if not _objection_window_open(case):
        raise CaseStateError(_("Objections can only be filed while the public notice runs."))
    files = [f for f in (evidence or ()) if f is not None]
    errors = {}
    name = (real_name or "").strip()
    if len(name) < 2 or name.lower() in _ANONYMOUS:
        errors["real_name"] = _("Give your real name; anonymous objections are not "
                                "considered.")
    if not (contact or "").strip():
        errors["contact"] = _("Give a phone number or email address so the bureau can "
                              "reach you.")
    if len((reason or "").strip()) < 5:
        errors["reason"] = _("Explain the objection and the facts it rests on.")
    if len(files) > settings.OBJECTION_MAX_FILES:
        errors["evidence"] = _("Attach at most %(count)d evidence files.") % {
            "count": settings.OBJECTION_MAX_FILES}
    if errors:
        raise ValidationError(errors)
    objection = Objection(case=case, real_name=name[:64], contact=contact.strip()[:128],
                          reason=reason.strip())
    stored = []
    try:
        for file in files:
            stored.append(_store_evidence(file))
        objection.save()
        ObjectionEvidence.objects.bulk_create(
            ObjectionEvidence(objection=objection, storage_key=key, sha256=sha256,
                              original_name=filename) for key, sha256, filename in stored)
    except BaseException:
        from documents.storage import delete_quietly, document_storage

        for key, _sha256, _filename in stored:  # nothing kept of a refused objection
            delete_quietly(document_storage(), key)
        raise
    _audit(None, "case.objection_filed", case,
           data={"objection": objection.pk, "evidence_files": len(stored)})
    notify(users=_staff(case.bureau, "clerk_bureau"),
           subject=gettext("An objection was filed against application #%(pk)s") % {"pk": case.pk},
           body=objection.reason[:500])
    notify(users=_providers(case.organization),
           subject=gettext("An objection was filed against application #%(pk)s") % {"pk": case.pk},
           body=gettext("The bureau will look into it and inform you of the outcome."))
    return objection


def _store_evidence(file) -> tuple[str, str, str]:
    """Check and store objection evidence like any document: by content, streamed."""
    from documents.services import STORAGE_ERRORS, StorageUnavailable, inspect_upload
    from documents.storage import document_storage, new_storage_key
    from documents.validation import validate_filename

    name = validate_filename(getattr(file, "name", "") or "evidence")
    inspected = inspect_upload(file, max_bytes=settings.DOCUMENTS_MAX_UPLOAD_BYTES,
                         allowed=list(settings.DOCUMENTS_ALLOWED_TYPES))
    try:
        key = document_storage().save(new_storage_key(inspected.content_type), file)
    except STORAGE_ERRORS as exc:
        raise StorageUnavailable() from exc
    return key, inspected.sha256, name


@transaction.atomic
def objection_resolve(*, actor, objection: Objection, upheld: bool, reason: str,
                      applicant_note: str = "") -> Objection:
    """A clerk resolves an objection; upheld rejects the case at once. The applicant is told
    ``applicant_note`` (what the clerk writes for them), never the objector or the finding."""
    objection = Objection.objects.select_for_update().get(pk=objection.pk)
    case = objection.case
    if not actor.has_perm("registry.clerk_bureau", case.bureau):
        raise PermissionDenied
    if objection.status not in Objection.UNRESOLVED:
        raise CaseStateError(_("This objection has already been resolved."))
    reason = _require(reason, "reason", _("Give the reason for the resolution."))
    objection.status = Objection.Status.UPHELD if upheld else Objection.Status.DISMISSED
    objection.resolved_by, objection.resolution_reason = actor, reason
    objection.resolved_at = timezone.now()
    objection.applicant_note = (applicant_note or "").strip()
    objection.save(update_fields=["status", "resolved_by", "resolution_reason", "resolved_at",
                                  "applicant_note"])
    _audit(actor, "case.objection_resolved", case, to_state=objection.status, reason=reason,
           data={"objection": objection.pk})
    if upheld and case.approval and case.approval.status == Approval.Status.PENDING:
        registry_services.approval_revoke(actor=actor, approval=case.approval,
                                          reason=gettext("Objection upheld: %(r)s") % {"r": reason})
    notify(users=_providers(case.organization),
           subject=gettext("An objection to application #%(pk)s was %(status)s")
           % {"pk": case.pk, "status": objection.get_status_display()},
           body=objection.applicant_note or gettext("See the case's page for the outcome."),
           url=selectors.case_url(case))
    return objection


def notice_outcome(*, case: SelectionProcess) -> str:
    """After the notice: 'approve', 'reject' (an objection was upheld) or 'wait'."""
    if case.approval and case.approval.status == Approval.Status.REVOKED:
        return "reject"
    if case.objections.filter(status__in=Objection.UNRESOLVED).exists():
        return "wait"
    return "approve"


def _approval_end(subject, start: datetime.date, term_days: int) -> datetime.date:
    from documents.selectors import requirement_checklist

    end = start + datetime.timedelta(days=term_days - 1)
    earliest = requirement_checklist(subject).earliest_expiry
    return min(end, earliest) if earliest else end


def case_take_effect(*, case: SelectionProcess) -> None:
    """The notice closed with no upheld objection: the approval takes effect."""
    today = timezone.localdate()
    registry_services.approval_approve(
        actor=None, approval=case.approval, valid_from=today,
        valid_until=_approval_end(case.organization, today,
                                  settings.REGISTRY_APPROVAL_TERM_DAYS),
        reason=gettext("Public notice closed without upheld objections."))
    _finish(case, CaseOutcome.APPROVED, case.decision_reason)


def case_reject(*, case, reason: str) -> None:
    """End the case rejected (decision, upheld objection, record hit or corrections exhausted)."""
    if case.approval and case.approval.status == Approval.Status.PENDING:
        registry_services.approval_revoke(actor=None, approval=case.approval, reason=reason)
    _finish(case, CaseOutcome.REJECTED, reason)


def _finish(case, outcome: str, reason: str) -> None:
    previous = case.outcome
    case.outcome, case.outcome_reason = outcome, reason or ""
    case.save(update_fields=["outcome", "outcome_reason"])
    _audit(None, f"case.{outcome}", case, from_state=previous, to_state=outcome, reason=reason)
    if isinstance(case, VettingProcess):
        # the outcome of a vetting may be a record hit, its reasons are about a person, and
        # the school that started it may not read them: only that there is news, and where
        notify_private_news(users=_case_providers(case), case=case, kind=gettext("Vetting"))
        return
    notify(users=_case_providers(case),
           subject=gettext("Application #%(pk)s: %(outcome)s") % {
               "pk": case.pk, "outcome": CaseOutcome(outcome).label},
           body=reason or "")


@transaction.atomic
def case_withdraw(*, actor, case) -> None:
    """The provider withdraws before the approval takes effect."""
    from viewflow.workflow.status import PROCESS, STATUS

    flow_class = case.flow_class
    with flow_class.lock(case.pk):
        case = type(case).objects.select_for_update().get(pk=case.pk)
        if not _may_act_for(actor, case):
            raise PermissionDenied
        if case.outcome != CaseOutcome.OPEN:
            raise CaseStateError(_("This case is closed and can no longer be withdrawn."))
        for task in case.task_set.exclude(status__in=[STATUS.DONE, STATUS.CANCELED]):
            task.status = STATUS.CANCELED
            task.finished = timezone.now()
            task.save(update_fields=["status", "finished"])
        if case.approval and case.approval.status == Approval.Status.PENDING:
            registry_services.approval_revoke(actor=actor, approval=case.approval,
                                              reason=gettext("Withdrawn by the applicant."))
        case.status = PROCESS.CANCELED
        case.finished = timezone.now()
        case.save(update_fields=["status", "finished"])
        _finish(case, CaseOutcome.WITHDRAWN, gettext("Withdrawn by the applicant."))


def _may_act_for(actor, case) -> bool:
    if isinstance(case, SelectionProcess):
        return actor.has_perm("registry.act_for_organization", case.organization)
    return case.applicant_id == actor.pk or (
        case.person.user_id == actor.pk) or (
        case.person.organization_id and actor.has_perm("registry.act_for_organization",
                                                       case.person.organization))


# --- individual vetting ---------------------------------------------------------------

@transaction.atomic
def vetting_start(*, actor, person: Person, bureau: Bureau, school=None, consent: bool = False,
                  address: str | None = None) -> VettingProcess:
    """Start an individual's vetting: by the person, their organization, or a school.

    A school may ask only for a person tied to it (see ``person_tied_to_school``), only at a
    bureau whose jurisdiction contains the school, and only with the person's consent to
    the record query: given in their own account, or on a signed form a clerk verified.
    The person starting their own vetting may give that consent here (``consent``)."""
    from workflows.flows import IndividualVettingFlow

    if school is not None:
        started_by = VettingProcess.StartedBy.SCHOOL
        _refuse_school_start(actor, person, bureau, school)
    elif person.user_id == actor.pk or actor.has_perm("registry.act_for_person", person):
        started_by = VettingProcess.StartedBy.PERSON
    elif person.organization_id and actor.has_perm("registry.act_for_organization",
                                                   person.organization):
        started_by = VettingProcess.StartedBy.ORGANIZATION
    else:
        raise PermissionDenied
    _refuse_if_barred(person=person)
    Person.objects.select_for_update().get(pk=person.pk)
    if VettingProcess.objects.filter(person=person, bureau=bureau,
                                     outcome=CaseOutcome.OPEN).exists():
        raise ValidationError(_("This person already has an open vetting case at this "
                                "bureau."))
    if consent:
        registry_services.consent_give(actor=actor, person=person, bureau=bureau,
                                       address=address)
    if started_by == VettingProcess.StartedBy.SCHOOL and not consent_counts(person, bureau):
        raise ValidationError(_("A school may ask for a vetting only once the person has "
                                "consented to the record query (知情同意) in their own "
                                "account, or their signed consent form has been verified by "
                                "a clerk."), code="no_consent")
    return IndividualVettingFlow.start.run(actor=actor, person=person, bureau=bureau,
                                           school=school, started_by=started_by)


def _refuse_school_start(actor, person: Person, bureau: Bureau, school) -> None:
    """A school asks only for a person tied to it, at a bureau over the school."""
    if not actor.has_perm("registry.act_for_school", school):
        raise PermissionDenied(_("You do not act for this school."))
    if bureau.jurisdiction_id not in school.county.lineage_ids():
        raise ValidationError({"bureau": _("A school may ask only a bureau whose "
                                           "jurisdiction contains the school.")},
                              code="bureau_out_of_reach")
    if not registry_selectors.person_tied_to_school(person, school):
        # The same answer whether or not the person exists: nothing to learn by asking.
        raise PermissionDenied(_("A school may ask for the vetting only of a person tied to "
                                 "it: on one of its engagements, or who accepted its "
                                 "invitation in their own account."))


def consent_counts(person: Person, bureau: Bureau) -> bool:
    """Whether the person's consent to ``bureau``'s record query is on record: given in their
    own account (and not withdrawn), or a signed consent form (知情同意书) a clerk verified.
    An unreviewed upload counts for nothing."""
    from documents.models import Document

    if registry_selectors.consent_in_force(person, bureau) is not None:
        return True
    return Document.objects.filter(
        person=person, document_type__code="query_consent", superseded_at=None,
        review_state=Document.ReviewState.VERIFIED).exists()


def vetting_create(*, activation, actor, person, bureau, school, started_by):
    case = activation.process
    case.person, case.bureau, case.school = person, bureau, school
    case.applicant, case.started_by = actor, started_by
    case.save()
    _audit(actor, "case.vetting_start", case, to_state="submitted",
           data={"started_by": started_by, "bureau": bureau.name})
    return case


def vetting_record_check_read(*, actor, case: VettingProcess) -> VettingProcess:
    """Hand the record query of ``case`` to its clerk or an approver of its bureau, and log
    the read (personal data: who, when, through which case)."""
    from documents.models import PersonalDataAccess
    from documents.services import personal_data_access_record

    if not selectors.may_read_record_check(actor, case):
        raise PermissionDenied(_("Only the case's clerk and the bureau's approvers may read "
                                 "the record-check result."))
    if not case.query_result:
        raise ValidationError(_("No record query has been recorded for this case yet."),
                              code="nothing_to_do")
    personal_data_access_record(actor=actor, person=case.person,
                                kind=PersonalDataAccess.Kind.RECORD_CHECK_RESULT,
                                bureau=case.bureau, case_label=f"vetting #{case.pk}")
    return case


def vetting_corrector(case: VettingProcess):
    """Who corrects a vetting case's documents: the one who started it, unless that was a
    school (a school never learns why): then the person in their own account, or else
    their organization."""
    if case.started_by != VettingProcess.StartedBy.SCHOOL:
        return case.applicant
    if case.person.user_id:
        return case.person.user
    providers = _providers(case.person.organization) if case.person.organization_id else []
    return providers[0] if providers else case.applicant


def validate_record_query(*, query_reference: str, query_date, query_result: str) -> None:
    """The mandatory record query (入职查询) is recorded whole: reference, date, result."""
    errors = {}
    if not (query_reference or "").strip():
        errors["query_reference"] = _("Record the reference of the record query.")
    if query_result not in VettingProcess.QueryResult.values:
        errors["query_result"] = _("Record the result of the record query.")
    if query_date is None or query_date > timezone.localdate():
        errors["query_date"] = _("The query date must be a date not in the future.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def vetting_verify(*, actor, case: VettingProcess, decisions: dict, query_reference: str,
                   query_date: datetime.date, query_result: str, note: str = "") -> str:
    """The clerk verifies documents and records the record query; returns the route:
    'decision', 'correction' or 'hit' (a hit can never be approved)."""
    if not actor.has_perm("registry.clerk_bureau", case.bureau):
        raise PermissionDenied
    validate_record_query(query_reference=query_reference, query_date=query_date,
                          query_result=query_result)
    verified, rejected = check_document_decisions(actor, case.person, decisions)
    if not consent_counts(case.person, case.bureau):
        # The clerk may verify the signed form in these same decisions; nothing else will do.
        raise ValidationError(_("The record query needs the person's consent: given in their "
                                "own account, or a signed consent form (知情同意书) verified "
                                "here."), code="no_consent")
    case.checked_by = actor
    case.query_reference, case.query_date = query_reference.strip(), query_date
    case.query_result = query_result
    case.missing = [{"subject": case.person.name, "document_type": str(r["document"]),
                     "state": "rejected", "reason": r["reason"]} for r in rejected] + \
        _document_problems(case.person)
    case.save(update_fields=["checked_by", "query_reference", "query_date", "query_result",
                             "missing"])
    # The audit trail records that a query was made, never its result in clear text.
    _audit(actor, "case.vetting_verify", case, reason=note,
           data={"verified": verified, "rejected": rejected, "query_recorded": True})
    if query_result == VettingProcess.QueryResult.HIT:
        _block_person(actor, case)
        return "hit"
    return "correction" if case.missing else "decision"


def _block_person(actor, case: VettingProcess) -> None:
    """A record hit proposes barring the person for good: an administrator of the bureau
    other than this clerk confirms it (four eyes); the person is told and may ask for a
    re-check (复查). The case itself is rejected either way."""
    registry_services.person_bar_for_record_hit(
        actor=actor, bureau=case.bureau, person=case.person,
        reason=gettext("Record query hit during vetting case #%(pk)s") % {"pk": case.pk})


def vetting_take_effect(*, case: VettingProcess) -> None:
    """An approved individual: in force at once, for at most 12 months."""
    today = timezone.localdate()
    approval = registry_services.approval_create(
        actor=case.decided_by, jurisdiction=case.bureau.jurisdiction, person=case.person,
        case=case, reason=case.decision_reason)
    registry_services.approval_approve(
        actor=case.decided_by, approval=approval, valid_from=today,
        valid_until=_approval_end(case.person, today,
                                  settings.WORKFLOW_INDIVIDUAL_APPROVAL_DAYS),
        reason=case.decision_reason)
    case.approval = approval
    case.save(update_fields=["approval"])
    _finish(case, CaseOutcome.APPROVED, case.decision_reason)


def get_user(pk):
    return get_user_model().objects.get(pk=pk)


def corrections_reject_overdue() -> int:
    """End every case whose correction deadline has passed while it waits for the provider.

    Idempotent: a case is handled under its flow lock and only while its correction
    task is still open.
    """
    from viewflow.workflow.status import PROCESS, STATUS

    from workflows.flows import IndividualVettingFlow, OrganizationSelectionFlow

    count = 0
    now = timezone.now()
    for flow_class, model in ((OrganizationSelectionFlow, SelectionProcess),
                              (IndividualVettingFlow, VettingProcess)):
        overdue = model.objects.filter(outcome=CaseOutcome.OPEN, correction_due__lt=now,
                                       task__flow_task=flow_class.correction,
                                       task__status__in=[STATUS.NEW, STATUS.ASSIGNED]
                                       ).values_list("pk", flat=True).distinct()
        for pk in list(overdue[:500]):
            with flow_class.lock(pk), transaction.atomic():
                case = model.objects.get(pk=pk)
                open_tasks = case.task_set.filter(flow_task=flow_class.correction,
                                                  status__in=[STATUS.NEW, STATUS.ASSIGNED])
                if case.outcome != CaseOutcome.OPEN or not open_tasks.exists():
                    continue
                open_tasks.update(status=STATUS.CANCELED, finished=now)
                case.status, case.finished = PROCESS.DONE, now
                case.save(update_fields=["status", "finished"])
                case_reject(case=case, reason=gettext("The correction deadline passed without a "
                                                 "resubmission."))
                count += 1
    return count


class TaskAlreadyHandled(CaseStateError):
    """Someone else completed or took the task first (answered with 409)."""


def task_perform(*, actor, task, data, files=None) -> bool:
    """Act on a human task from the API: the same lock, checks and forms as the web UI.

    Returns whether the task was completed. Raises PermissionDenied (403) when the task
    is not the actor's to do, TaskAlreadyHandled (409) when it is no longer open, and
    ValidationError (400) with the form's field errors.
    """
    from viewflow.workflow.exceptions import FlowLockFailed
    from viewflow.workflow.status import STATUS

    from workflows.forms import FORMS

    flow_class = task.process.flow_class
    node = task.flow_task
    form_class = FORMS.get(node.name) if node is not None else None
    if form_class is None:
        raise TaskAlreadyHandled(_("This task cannot be performed through the API."))
    try:
        # the lock holds the transaction: everything below commits or rolls back together
        with flow_class.lock(task.process_id):
            task = _task_for_action(flow_class, task.pk)
            if task.status not in (STATUS.NEW, STATUS.ASSIGNED):
                raise TaskAlreadyHandled(_("This task has already been handled."))
            activation = node.activation_class(task)
            if task.status == STATUS.NEW:
                if not node.can_assign(actor, task):
                    raise PermissionDenied(_("This task is not yours to perform."))
                activation.assign(actor)
            if not node.can_execute(actor, task):
                if task.owner_id and _has_task_permission(node, actor, task):
                    raise TaskAlreadyHandled(_("Another user has taken this task."))
                raise PermissionDenied(_("This task is not yours to perform."))
            activation.start(None)
            form = form_class(data=data, files=files, activation=activation, user=actor)
            if not form.is_valid():
                raise ValidationError({field: [e["message"] for e in errors] for field, errors
                                       in form.errors.get_json_data().items()})
            done = form.perform()
            if done:
                activation.execute()
            return done
    except FlowLockFailed:
        raise TaskAlreadyHandled(_("Another user is acting on this case right now; "
                                   "reload and try again.")) from None


def _task_for_action(flow_class, task_pk: int):
    """The task re-read under the process lock, with its case (the flow's own process class)
    and what every step of a case reads (bureau and jurisdiction, the applicant) in the same
    query, instead of one query each as the steps come to them."""
    process_class = flow_class.process_class
    accessor = process_class._meta.model_name  # the multi-table child of viewflow's Process
    fields = {f.name for f in process_class._meta.get_fields()}
    related = [f"process__{accessor}__{name}" for name in
               ("bureau__jurisdiction__parent", "organization__county__parent",
                "person__organization__county__parent") if name.split("__")[0] in fields]
    task = (flow_class.task_class.objects
            .select_related("process", f"process__{accessor}", *related).get(pk=task_pk))
    task.process = getattr(task.process, accessor)
    return task


def _has_task_permission(node, actor, task) -> bool:
    """Whether ``actor`` holds the permission the task asks for (on its bureau/organization)."""
    if not task.owner_permission:
        return False
    obj = node._owner_permission_obj
    if callable(obj):
        obj = obj(task.process)
    return actor.has_perm(task.owner_permission, obj) if obj is not None else \
        actor.has_perm(task.owner_permission)
