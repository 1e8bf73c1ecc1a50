"""The calendar as a user: reminders before credentials expire, suspension when they do,
renewal, and expiry when the renewal does not come.

The sweep is set-based: its number of queries does not depend on how many documents
there are (reminders are recorded with one INSERT … SELECT per threshold and kind of
holder), and the per-approval work (suspensions, expiries) is bounded per run.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from registry import selectors as registry_selectors
from registry import services as registry_services
from registry.formatting import local_date
from registry.models import Approval, Bureau, InvalidTransition, RecordRequery
from workflows import services
from workflows.models import (
    CaseOutcome,
    DigestLog,
    ExpiryReminder,
    RecertificationProcess,
)

logger = logging.getLogger(__name__)

ACTIVE = ("pending", "approved", "suspended")


@dataclasses.dataclass
class SweepReport:
    reminders_recorded: int = 0
    suspended: int = 0
    expired_after_grace: int = 0
    expired_term: int = 0
    digests: int = 0
    annual_reviews: int = 0


def _brackets(thresholds) -> list[tuple[int, int]]:
    """(threshold, lower bound) pairs: a document with d days left gets the reminder of the
    smallest threshold ≥ d only, so a late sweep never sends a stale 60-day reminder."""
    ordered = sorted({int(t) for t in thresholds}, reverse=True)
    return [(t, ordered[i + 1] if i + 1 < len(ordered) else -1) for i, t in enumerate(ordered)]


def reminders_record(*, today: datetime.date) -> int:
    """Record due reminders, at most once per (document, threshold). Two statements per
    threshold, whatever the number of documents."""
    from documents.models import Document

    doc = Document._meta.db_table
    approval = Approval._meta.db_table
    reminder = ExpiryReminder._meta.db_table
    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())
    statuses = ", ".join(f"'{s}'" for s in ACTIVE)
    recorded = 0
    with connection.cursor() as cursor:
        for threshold, lower in _brackets(settings.RECERT_REMINDER_DAYS):
            for column in ("organization_id", "person_id"):
                # Static SQL: table and column names come from the models, values are bound.
                sql = (
                    f"INSERT INTO {reminder} (document_id, threshold_days, expires_on, "  # noqa: S608
                    f"created_at) SELECT d.id, %s, d.expires_on, %s FROM {doc} d "
                    f"WHERE d.superseded_at IS NULL AND d.review_state <> 'rejected' "
                    f"AND d.{column} IS NOT NULL AND d.expires_on > %s AND d.expires_on <= %s "
                    f"AND EXISTS (SELECT 1 FROM {approval} a WHERE a.{column} = d.{column} "
                    f"AND a.status IN ({statuses})) "
                    f"ON CONFLICT (document_id, threshold_days) DO NOTHING"
                )
                cursor.execute(sql, [
                    threshold, now,
                    ops.adapt_datefield_value(today + datetime.timedelta(days=lower)),
                    ops.adapt_datefield_value(today + datetime.timedelta(days=threshold)),
                ])
                recorded += max(cursor.rowcount, 0)
    return recorded


def reminders_deliver(*, limit: int = 500) -> int:
    """Turn recorded, unsent reminders into notifications (in-app now, email through the
    outbox after commit). Each reminder is delivered once: it is locked, skipped if another
    worker holds it, and marked in the same transaction as its notifications."""
    delivered = 0
    pending = (ExpiryReminder.objects.filter(sent_at__isnull=True)
               .order_by("created_at", "pk").values_list("pk", flat=True)[:limit])
    for pk in list(pending):
        with transaction.atomic():
            reminder = (ExpiryReminder.objects.select_for_update(skip_locked=True, of=("self",))
                        .filter(pk=pk, sent_at__isnull=True)
                        .select_related("document__document_type", "document__organization",
                                        "document__person").first())
            if reminder is None:
                continue
            document = reminder.document
            services.notify(
                users=services.holders_of(document.subject),
                subject=gettext("%(type)s expires on %(date)s") % {
                    "type": document.document_type.display_name,
                    "date": local_date(reminder.expires_on)},
                body=gettext("%(subject)s: %(type)s expires in %(days)d days, on %(date)s. "
                             "Upload a renewed one in time, or the approval will be suspended "
                             "when it expires.") % {
                    "subject": services.subject_name(document.subject),
                    "type": document.document_type.display_name,
                    "days": reminder.threshold_days, "date": local_date(reminder.expires_on)})
            reminder.sent_at = timezone.now()
            reminder.save(update_fields=["sent_at"])
            delivered += 1
    return delivered


def _expired_required(today):
    from documents.models import Document

    return Document.objects.filter(superseded_at__isnull=True, document_type__is_required=True,
                                   expires_on__lt=today)


def _due_types(approval, today) -> list[dict]:
    subject = {"organization_id": approval.organization_id} if approval.organization_id \
        else {"person_id": approval.person_id}
    return [{"code": d.document_type.code, "name": d.document_type.name, "document": d.pk,
             "expires_on": d.expires_on.isoformat()}
            for d in _expired_required(today).filter(**subject).select_related("document_type")]


def _bureau_for(approval) -> Bureau:
    return Bureau.objects.get(jurisdiction_id=approval.jurisdiction_id)


def approvals_suspend_expired(*, today: datetime.date) -> int:
    """Approvals that depend on an expired required document are suspended (with an audit
    event) and a re-certification case opens for each."""
    from workflows.flows import RecertificationFlow

    expired = _expired_required(today)
    # One semi-join per kind of holder, then UNION: an OR of the two subqueries cannot be
    # planned as a join and ran for minutes over 3M documents (make bench: sweep_seconds).
    approved = Approval.objects.filter(status=Approval.Status.APPROVED).order_by()
    by_organization = approved.filter(
        organization_id__in=expired.order_by().values("organization_id"))
    by_person = approved.filter(person_id__in=expired.order_by().values("person_id"))
    candidates = (by_organization.values_list("pk", flat=True)
                  .union(by_person.values_list("pk", flat=True))
                  .order_by("pk")[: settings.RECERT_SWEEP_BATCH])
    count = 0
    for pk in list(candidates):
        with transaction.atomic():
            approval = Approval.objects.select_for_update().get(pk=pk)
            if approval.status != Approval.Status.APPROVED:
                continue  # another sweep got here first
            due = _due_types(approval, today)
            if not due:
                continue
            names = "、".join(item["name"] for item in due)
            try:
                registry_services.approval_suspend(
                    actor=None, approval=approval,
                    reason=gettext("Credential expired: %(names)s") % {"names": names})
            except InvalidTransition:
                continue
            RecertificationFlow.start.run(approval=approval, due=due, today=today)
            count += 1
    return count


def recertification_create(*, activation, approval, due, today):
    """Fill the new re-certification case (called by the flow's start node)."""
    case = activation.process
    case.approval, case.bureau = approval, _bureau_for(approval)
    case.due_types = due
    case.grace_until = today + datetime.timedelta(days=settings.RECERT_GRACE_DAYS)
    case.save()
    registry_services.audit_record(
        actor=None, action="recert.open", target=case, to_state="open",
        data={"approval": approval.pk, "due": [d["code"] for d in due],
              "grace_until": case.grace_until.isoformat()})
    users = services.holders_of(approval.subject)
    services.notify(users=users,
                    subject=gettext("Your approval is suspended: renew %(names)s") % {
                        "names": "、".join(d["name"] for d in due)},
                    body=gettext("Upload the renewed documents by %(date)s; otherwise the approval "
                            "expires.") % {"date": local_date(case.grace_until)})
    return case


def recertification_submit(*, actor, case: RecertificationProcess) -> None:
    """The provider says the renewals are uploaded. Each due document must have been
    replaced by one that expires later than the old one."""
    from django.core.exceptions import ValidationError

    from documents.models import Document

    problems = []
    subject = case.approval.subject
    field = "organization" if case.approval.organization_id else "person"
    for item in case.due_types:
        current = Document.objects.filter(**{field: subject}, document_type__code=item["code"],
                                          superseded_at__isnull=True).first()
        if current is None or current.pk == item["document"]:
            problems.append(gettext("%(name)s: upload the renewed document.") % item)
        elif current.expires_on is not None and \
                current.expires_on.isoformat() <= item["expires_on"]:
            problems.append(gettext("%(name)s: the renewal must expire later than the old one "
                               "(%(expires_on)s).") % {
                **item, "expires_on": local_date(datetime.date.fromisoformat(item["expires_on"]))})
    if problems:
        raise ValidationError(problems)
    registry_services.audit_record(actor=actor, action="recert.submit", target=case,
                                   to_state="submitted")


def recertification_verify(*, actor, case: RecertificationProcess, decisions: dict,
                           query_reference: str = "", query_date=None,
                           query_result: str = "") -> str:
    """The clerk verifies the renewals (and records the yearly record query for a person);
    returns 'restore', 'renew' (something rejected) or 'hit'."""
    from django.core.exceptions import PermissionDenied

    if not actor.has_perm("registry.clerk_bureau", case.bureau):
        raise PermissionDenied
    if case.needs_query:
        services.validate_record_query(query_reference=query_reference,
                                       query_date=query_date, query_result=query_result)
    verified, rejected = services.check_document_decisions(actor, case.approval.subject,
                                                           decisions)
    case.checked_by = actor
    case.query_reference = (query_reference or "").strip()
    case.query_date, case.query_result = query_date, query_result or ""
    case.missing = [{"document": r["document"], "reason": r["reason"]} for r in rejected]
    case.save(update_fields=["checked_by", "query_reference", "query_date", "query_result",
                             "missing"])
    registry_services.audit_record(actor=actor, action="recert.verify", target=case,
                                   data={"verified": verified, "rejected": rejected,
                                         "query_recorded": bool(case.query_reference)})
    if case.needs_query and query_result == "hit":
        return "hit"
    return "renew" if rejected else "restore"


def recertification_restore(*, case: RecertificationProcess) -> None:
    """Renewals verified: the approval is back in force, never past the new earliest expiry."""
    from documents.selectors import requirement_checklist

    approval = case.approval
    today = timezone.localdate()
    if approval.person_id and case.needs_query:
        term_end = today + datetime.timedelta(
            days=settings.WORKFLOW_INDIVIDUAL_APPROVAL_DAYS - 1)
    else:
        days = (settings.WORKFLOW_INDIVIDUAL_APPROVAL_DAYS if approval.person_id
                else settings.REGISTRY_APPROVAL_TERM_DAYS)
        term_end = approval.valid_from + datetime.timedelta(days=days - 1)
    earliest = requirement_checklist(approval.subject).earliest_expiry
    valid_until = min(term_end, earliest) if earliest else term_end
    if valid_until < today:
        registry_services.approval_expire(actor=None, approval=approval,
                                          reason=gettext("The approval term has ended."))
        _finish(case, CaseOutcome.REJECTED, gettext("The approval term has ended."))
        return
    registry_services.approval_reinstate(
        actor=case.checked_by, approval=approval, valid_until=valid_until,
        reason=gettext("Renewed documents verified."))
    _finish(case, CaseOutcome.APPROVED, gettext("Renewed documents verified."))


def recertification_revoke(*, case: RecertificationProcess) -> None:
    """A record hit on the yearly query. The approval stays suspended (nobody may engage the
    person), and the bar waits for a second person, the bureau's administrator, as a hit in
    a vetting does: confirmed, it revokes the approval and bars the person; the person may
    ask once for a re-check (复查)."""
    reason = gettext("The yearly record query returned a record.")
    registry_services.person_bar_for_record_hit(
        actor=case.checked_by, bureau=case.bureau, person=case.approval.person,
        reason=gettext("Record query hit during re-certification #%(pk)s") % {"pk": case.pk})
    _finish(case, CaseOutcome.REJECTED, reason)


def _finish(case, outcome, reason):
    previous = case.outcome
    case.outcome, case.outcome_reason = outcome, reason
    case.save(update_fields=["outcome", "outcome_reason"])
    registry_services.audit_record(actor=None, action=f"recert.{outcome}", target=case,
                                   from_state=previous, to_state=outcome, reason=reason)
    if case.approval.person_id:
        # a person's re-certification may end on the yearly record query: no outcome by email
        services.notify_private_news(users=services.holders_of(case.approval.subject),
                                     case=case, kind=gettext("Re-certification"))
        return
    services.notify(users=services.holders_of(case.approval.subject),
                    subject=gettext("Re-certification #%(pk)s: %(outcome)s") % {
                        "pk": case.pk, "outcome": CaseOutcome(outcome).label},
                    body=reason)


def recertifications_expire_after_grace(*, today: datetime.date) -> int:
    """Suspended approvals whose renewal did not arrive within the grace period expire."""
    from viewflow.workflow.status import PROCESS, STATUS

    from workflows.flows import RecertificationFlow

    overdue = (RecertificationProcess.objects.filter(outcome=CaseOutcome.OPEN,
                                                     grace_until__lt=today)
               .order_by("pk").values_list("pk", flat=True)[: settings.RECERT_SWEEP_BATCH])
    count = 0
    for pk in list(overdue):
        with RecertificationFlow.lock(pk), transaction.atomic():
            case = RecertificationProcess.objects.get(pk=pk)
            if case.outcome != CaseOutcome.OPEN:
                continue
            now = timezone.now()
            case.task_set.exclude(status__in=[STATUS.DONE, STATUS.CANCELED]).update(
                status=STATUS.CANCELED, finished=now)
            case.status, case.finished = PROCESS.CANCELED, now
            case.save(update_fields=["status", "finished"])
            approval = Approval.objects.select_for_update().get(pk=case.approval_id)
            if approval.status == Approval.Status.SUSPENDED:
                registry_services.approval_expire(
                    actor=None, approval=approval,
                    reason=gettext("No renewal within the grace period."))
            _finish(case, CaseOutcome.REJECTED, gettext("No renewal within the grace period."))
            count += 1
    return count


def approvals_expire_term(*, today: datetime.date) -> int:
    """Approvals whose term has ended become expired (search already ignores them)."""
    # Oldest term first, along approval_status_until_idx: ordered by pk, the planner walked
    # the primary key through all 1.1M approvals when none was due (make bench).
    due = (Approval.objects.filter(status=Approval.Status.APPROVED, valid_until__lt=today)
           .order_by("valid_until", "pk").values_list("pk", flat=True)
           [: settings.RECERT_SWEEP_BATCH])
    count = 0
    for pk in list(due):
        with transaction.atomic():
            approval = Approval.objects.select_for_update().get(pk=pk)
            if approval.status != Approval.Status.APPROVED or approval.valid_until >= today:
                continue
            registry_services.approval_expire(actor=None, approval=approval,
                                              reason=gettext("The approval term has ended."))
            count += 1
    return count


def digests_send(*, today: datetime.date) -> int:
    """Once a day, tell each bureau's clerks what expires soon in their jurisdiction."""
    from documents.models import Document
    from registry.models import Jurisdiction

    horizon = today + datetime.timedelta(days=settings.RECERT_DIGEST_DAYS)
    sent = 0
    for bureau in Bureau.objects.select_related("jurisdiction"):
        clerks = services._staff(bureau, "clerk_bureau")
        if not clerks:
            continue
        jurisdictions = Jurisdiction.objects.filter(Jurisdiction.subtree_q(bureau.jurisdiction_id))
        active = Approval.objects.filter(status__in=ACTIVE, jurisdiction__in=jurisdictions)
        # EXISTS per document in the (short) window, walked in expiry order: an OR of two
        # IN (…) lists over every active approval took 40 s at 1M people (make bench).
        soon = (Document.objects.filter(superseded_at__isnull=True, expires_on__gte=today,
                                        expires_on__lte=horizon)
                .filter(Q(Exists(active.filter(organization_id=OuterRef("organization_id"))))
                        | Q(Exists(active.filter(person_id=OuterRef("person_id")))))
                .select_related("document_type", "organization", "person")
                .order_by("expires_on"))
        items = list(soon[:21])
        if not items:
            continue
        with transaction.atomic():
            _log, created = DigestLog.objects.get_or_create(bureau=bureau, day=today)
            if not created:
                continue
            # dates as the digest's own words are written (the active language)
            lines = [f"{local_date(d.expires_on)} {services.subject_name(d.subject)} · "
                     f"{d.document_type.display_name}"
                     for d in items[:20]]
            if len(items) > 20:
                lines.append(gettext("… and more; see the dashboard."))
            services.notify(users=clerks, subject=gettext("Credentials expiring within %(n)d days")
                            % {"n": settings.RECERT_DIGEST_DAYS}, body="\n".join(lines))
            sent += 1
    return sent


def credential_sweep(*, today: datetime.date | None = None) -> SweepReport:
    """The daily sweep. Each step is idempotent; running it twice, or twice at once,
    records, suspends and expires nothing twice."""
    today = today or timezone.localdate()
    report = SweepReport()
    report.reminders_recorded = reminders_record(today=today)
    report.suspended = approvals_suspend_expired(today=today)
    report.expired_after_grace = recertifications_expire_after_grace(today=today)
    report.expired_term = approvals_expire_term(today=today)
    report.digests = digests_send(today=today)
    report.annual_reviews = annual_reviews_open(today=today)
    logger.info("credential sweep %s: %s", today, report)
    return report


def annual_reviews_open(*, today: datetime.date) -> int:
    """On each bureau's annual review date (1 June unless it sets its own; a run that
    missed the day catches up within 30 days) open one annual review per approval in force
    whose term ends within the coming year: before it ends, so a good year renews it
    (issue 20). Idempotent: one case per approval and review date."""
    from workflows.flows import AnnualReviewFlow
    from workflows.models import AnnualReviewProcess

    count = 0
    for bureau, day in registry_services.bureaus_due("annual_review", today, window_days=30):
        due = (registry_selectors.approvals_due_for_annual_review(bureau, day)
               .exclude(pk__in=AnnualReviewProcess.objects.filter(period_end=day)
                        .values("approval_id"))
               .values_list("pk", flat=True)[: settings.RECERT_SWEEP_BATCH])
        for pk in list(due):
            with transaction.atomic():
                approval = Approval.objects.select_for_update().get(pk=pk)
                if AnnualReviewProcess.objects.filter(approval=approval,
                                                      period_end=day).exists():
                    continue
                AnnualReviewFlow.start.run(approval=approval, today=day)
                count += 1
    return count


def annual_review_create(*, activation, approval, today):
    case = activation.process
    case.approval, case.bureau = approval, _bureau_for(approval)
    case.period_end = today
    try:
        case.period_start = today.replace(year=today.year - 1)
    except ValueError:
        case.period_start = today - datetime.timedelta(days=365)
    case.save()
    registry_services.audit_record(actor=None, action="annual_review.open", target=case,
                                   to_state="open", data={"approval": approval.pk})
    services.notify(users=services._staff(case.bureau, "administer_bureau"),
                    subject=gettext("Annual review due: %(subject)s") % {
                        "subject": services.subject_name(approval.subject)},
                    body=gettext("Review the year's evaluations and incidents and decide whether "
                            "to keep, suspend or revoke the approval."))
    return case


def annual_review_evidence(case) -> dict:
    """The year's evaluations and incidents of the reviewed provider."""
    from registry.models.engagements import Engagement, Evaluation, Incident

    subject = ({"organization_id": case.approval.organization_id}
               if case.approval.organization_id else {"person_id": case.approval.person_id})
    engagements = Engagement.objects.filter(**subject, starts_on__lte=case.period_end,
                                            ends_on__gte=case.period_start)
    evaluations = Evaluation.objects.filter(engagement__in=engagements).select_related(
        "engagement__school")
    incidents = Incident.objects.filter(engagement__in=engagements,
                                        occurred_on__gte=case.period_start).select_related(
        "engagement__school")
    scores = [e.satisfaction for e in evaluations]
    requeries = list(RecordRequery.objects.filter(
        approval=case.approval, opened_on__gte=case.period_start).values_list("status",
                                                                             flat=True))
    return {"engagements": engagements.count(), "evaluations": list(evaluations[:100]),
            "incidents": list(incidents[:100]),
            "average": (sum(scores) / len(scores)) if scores else None,
            # documents still valid, record re-queries done (issue 20)
            "documents_expired": _expired_required(case.period_end).filter(**subject).count(),
            "requeries_missing": sum(1 for s in requeries if s in ("open", "overdue")),
            "renewable": case.approval.renewals < settings.REGISTRY_MAX_RENEWALS}


def annual_review_decide(*, actor, case, decision: str, reason: str) -> None:
    """The bureau administrator's outcome: keep, suspend or revoke, with a reason."""
    from django.core.exceptions import PermissionDenied, ValidationError

    from workflows.models import AnnualReviewProcess

    if not actor.has_perm("registry.administer_bureau", case.bureau):
        raise PermissionDenied
    if decision not in AnnualReviewProcess.Decision.values:
        raise ValidationError({"decision": _("Choose an outcome.")})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give a reason for the decision.")})
    approval = case.approval
    if decision == "renew":  # 1+1: once, then a new selection (issue 20)
        registry_services.approval_renew(actor=actor, approval=approval, reason=reason)
    elif decision == "suspend":
        registry_services.approval_suspend(actor=actor, approval=approval, reason=reason)
        registry_services.sanction_fan_out(actor=actor, approvals=[approval],
                                           action="suspend", reason=reason)
    elif decision == "revoke":
        registry_services.approval_revoke(actor=actor, approval=approval, reason=reason)
        registry_services.sanction_fan_out(actor=actor, approvals=[approval],
                                           action="terminate", reason=reason)
    case.decision, case.reason, case.decided_by = decision, reason.strip(), actor
    case.save(update_fields=["decision", "reason", "decided_by"])
    registry_services.audit_record(actor=actor, action="annual_review.decide", target=case,
                                   to_state=decision, reason=reason)
