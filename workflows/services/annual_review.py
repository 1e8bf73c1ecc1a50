"""The annual review (年度考核): opened on an approval's anniversary; the bureau
administrator keeps, suspends or revokes it."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from registry import services as registry_services
from registry.models import (
    Approval,
)
from registry.models.engagements import Engagement, Evaluation, Incident
from workflows import entry, selectors
from workflows.models import (
    AnnualReviewProcess,
)
from workflows.services.notifications import notify, subject_name


def _anniversaries(today: datetime.date):
    """Approvals in force for which ``today`` is an anniversary of ``valid_from``."""
    queryset = Approval.objects.filter(status=Approval.Status.APPROVED,
                                       valid_from__lt=today - datetime.timedelta(days=300),
                                       valid_from__month=today.month, valid_from__day=today.day)
    if today.month == 3 and today.day == 1:  # approvals from 29 February review on 1 March
        queryset = queryset | Approval.objects.filter(
            status=Approval.Status.APPROVED, valid_from__month=2, valid_from__day=29,
            valid_from__lt=today - datetime.timedelta(days=300))
    return queryset


def annual_reviews_open(*, today: datetime.date) -> int:
    """Open one annual review case per approval on its anniversary (idempotent)."""
    due = _anniversaries(today).exclude(
        pk__in=AnnualReviewProcess.objects.filter(period_end=today).values("approval_id")
    ).order_by("pk").values_list("pk", flat=True)[: settings.RECERT_SWEEP_BATCH]
    count = 0
    for pk in list(due):
        with transaction.atomic():
            approval = Approval.objects.select_for_update().get(pk=pk)
            if AnnualReviewProcess.objects.filter(approval=approval, period_end=today).exists():
                continue
            entry.flow("annual_review").start.run(approval=approval, today=today)
            count += 1
    return count


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
                           "to keep, suspend or revoke the approval."))
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
    return {"engagements": engagements.count(), "evaluations": list(evaluations[:100]),
            "incidents": list(incidents[:100]),
            "average": (sum(scores) / len(scores)) if scores else None}


def annual_review_decide(*, actor, case, decision: str, reason: str) -> None:
    """The bureau administrator's outcome: keep, suspend or revoke, with a reason."""
    if not actor.has_perm("registry.administer_bureau", case.bureau):
        raise PermissionDenied
    if decision not in AnnualReviewProcess.Decision.values:
        raise ValidationError({"decision": _("Choose keep, suspend or revoke.")})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give a reason for the decision.")})
    approval = case.approval
    if decision == "suspend":
        registry_services.approval_suspend(actor=actor, approval=approval, reason=reason)
    elif decision == "revoke":
        registry_services.approval_revoke(actor=actor, approval=approval, reason=reason)
    case.decision, case.reason, case.decided_by = decision, reason.strip(), actor
    case.save(update_fields=["decision", "reason", "decided_by"])
    registry_services.audit_record(actor=actor, action="annual_review.decide", target=case,
                                   to_state=decision, reason=reason)
