"""The annual review (年度考核): opened on the bureau's date before the approval's term
ends; the bureau administrator renews it once (1+1), keeps, suspends or revokes it."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from documents.models import Document
from registry import selectors as registry_selectors
from registry import services as registry_services
from registry.models import Approval, RecordRequery
from registry.models.engagements import Engagement, Evaluation, Incident
from workflows import entry, selectors
from workflows.models import (
    AnnualReviewProcess,
)
from workflows.services.notifications import notify, subject_name


def annual_reviews_open(*, today: datetime.date) -> int:
    """On each bureau's annual review date (1 June unless it sets its own; a run that
    missed the day catches up within 30 days) open one annual review per approval in force
    whose term ends within the coming year: before it ends, so a good year renews it.
    Idempotent: one case per approval and review date."""
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
                entry.flow("annual_review").start.run(approval=approval, today=day)
                count += 1
    return count


@transaction.atomic
def annual_review_create(*, activation, approval, today):
    case = activation.process
    case.approval, case.bureau = approval, selectors.bureau_for_approval(approval)
    case.period_end = today
    try:
        case.period_start = today.replace(year=today.year - 1)
    except ValueError:
        case.period_start = today - datetime.timedelta(days=365)
    case.save()
    registry_services.audit_record(actor=None, action="annual_review.open", target=case,
                                   to_state="open", data={"approval": approval.pk})
    notify(users=selectors.staff_of(case.bureau, "administer_bureau"),
           subject=gettext("Annual review due: %(subject)s") % {
               "subject": subject_name(approval.subject)},
           body=gettext("Review the year's evaluations and incidents and decide whether "
                           "to keep, suspend or revoke the approval."), case=case)
    return case


def annual_review_evidence(case) -> dict:
    """The year's evaluations and incidents of the reviewed provider."""
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
    expired = Document.objects.filter(superseded_at__isnull=True,
                                      document_type__is_required=True,
                                      expires_on__lt=case.period_end, **subject)
    return {"engagements": engagements.count(), "evaluations": list(evaluations[:100]),
            "incidents": list(incidents[:100]),
            "average": (sum(scores) / len(scores)) if scores else None,
            # documents still valid, record re-queries done
            "documents_expired": expired.count(),
            "requeries_missing": sum(1 for s in requeries if s in ("open", "overdue")),
            "renewable": case.approval.renewals < settings.REGISTRY_MAX_RENEWALS}


@transaction.atomic
def annual_review_decide(*, actor, case, decision: str, reason: str) -> None:
    """The bureau administrator's outcome: keep, suspend or revoke, with a reason."""
    if not actor.has_perm("registry.administer_bureau", case.bureau):
        raise PermissionDenied
    if decision not in AnnualReviewProcess.Decision.values:
        raise ValidationError({"decision": _("Choose an outcome.")})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give a reason for the decision.")})
    approval = case.approval
    if decision == "renew":  # 1+1: once, then a new selection
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
