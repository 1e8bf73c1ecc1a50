"""The annual review (年度考核): opened on the bureau's date before the approval's term
ends; the bureau administrator renews it once (1+1), keeps, suspends or revokes it."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Avg, Count, F, Max
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from documents.models import Document
from registry import selectors as registry_selectors
from registry import services as registry_services
from registry.formatting import local_date
from registry.models import Approval, RecordRequery
from registry.models.engagements import Engagement, Incident
from registry.services.renewal_term import approval_renewal_end
from workflows import entry, recipients, selectors
from workflows.models import (
    AnnualReviewProcess,
)
from workflows.services.notifications import notify, subject_name


def annual_reviews_open(*, today: datetime.date) -> int:
    """On each bureau's annual review date (1 June unless it sets its own; a run that
    missed the day catches up within 30 days) open one annual review per approval in force
    whose term ends within the coming year: before it ends, so a good year renews it.
    Idempotent: one case per approval and review year, even when the bureau moves its
    date after this year's run (a review within half a year of the date is this year's)."""
    count = 0
    for bureau, day in registry_services.bureaus_due("annual_review", today, window_days=30):
        this_year = AnnualReviewProcess.objects.filter(
            period_end__gt=day - datetime.timedelta(days=183),
            period_end__lt=day + datetime.timedelta(days=183))
        due = (registry_selectors.approvals_due_for_annual_review(bureau, day)
               .exclude(pk__in=this_year.values("approval_id"))
               .values_list("pk", flat=True)[: settings.RECERT_SWEEP_BATCH])
        for pk in list(due):
            with transaction.atomic():
                approval = Approval.objects.select_for_update().get(pk=pk)
                if this_year.filter(approval=approval).exists():
                    continue
                entry.flow("annual_review").start.run(approval=approval, today=day)
                count += 1
    return count


@transaction.atomic
def annual_review_create(*, activation, approval, today):
    case = activation.process
    case.approval, case.bureau = approval, recipients.bureau_for_approval(approval)
    case.period_start, case.period_end = _period_start(approval, today), today
    case.save()
    registry_services.audit_record(actor=None, action="annual_review.open", target=case,
                                   to_state="open", data={"approval": approval.pk})
    notify(users=recipients.staff_of(case.bureau, "administer_bureau"),
           subject=gettext("Annual review due: %(subject)s") % {
               "subject": subject_name(approval.subject)},
           body=gettext("Review the year's evaluations and incidents and decide whether "
                        "to renew (1+1, once), keep, suspend or revoke the approval."),
           case=case,
           about=case.bureau)
    return case


def _period_start(approval, today: datetime.date) -> datetime.date:
    """The first day of the year an annual review of ``approval`` opened on ``today``
    looks back on: a year back, but not before the approval came into force (what came
    before was another approval's, or none), nor before the end of its last decided review
    (which weighed that time, and renewed or kept it). The list review writes the same in
    SQL (``list_review._open_in_bulk``)."""
    try:
        year_ago = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        year_ago = today - datetime.timedelta(days=365)
    reviewed_to = (AnnualReviewProcess.objects.filter(approval=approval, period_end__lte=today)
                   .exclude(decision="").aggregate(end=Max("period_end"))["end"])
    return max(day for day in (year_ago, approval.valid_from, reviewed_to) if day is not None)


def annual_review_evidence(case) -> dict:
    """The evidence of the period reviewed (``period_start``–``period_end``) on the
    provider, each fact counted by one review only (``_days_counted``): the engagements
    that began in the period and the incidents that occurred in it, its ratings on the
    rubric (学期考核) of the school terms that ended in it (a renewed approval's terms rated
    between that review and its new term are this one's), term by term and together (mean
    percent, and whether it is under ``REGISTRY_SATISFACTION_THRESHOLD``), documents
    expired and the record re-queries opened in the period and not done."""
    approval = case.approval
    subject = ({"organization_id": approval.organization_id}
               if approval.organization_id else {"person_id": approval.person_id})
    first, last = _days_counted(case)
    # an engagement is the review's in which it began (引进): one running across a
    # review's day was weighed when it began, and its incidents and its term's ratings are
    # counted by their own days
    engagements = Engagement.objects.filter(**subject, starts_on__gte=first,
                                            starts_on__lte=last)
    incidents = Incident.objects.filter(
        **{f"engagement__{field}": pk for field, pk in subject.items()},
        occurred_on__gte=first, occurred_on__lte=last).select_related(
        "engagement__school").order_by("occurred_on", "pk")
    # the ratings of the terms that ended in the period (one that ended on its first day
    # was the last review's: its period ended that day)
    evaluations = registry_selectors.evaluations_of_terms_ended(
        start=first, end=last,
        organization=approval.organization, person=approval.person)
    terms = list(evaluations.order_by().values(
        term=F("engagement__term_id"), name=F("engagement__term__name"),
        ends_on=F("engagement__term__ends_on"), school=F("engagement__school__name"),
    ).annotate(count=Count("pk"), percent=Avg("percent")).order_by("ends_on", "term"))
    for term in terms:
        term["percent"] = _tenth(term["percent"])
    overall = evaluations.aggregate(percent=Avg("percent"))["percent"]
    satisfaction = None if overall is None else _tenth(overall)
    threshold = Decimal(str(settings.REGISTRY_SATISFACTION_THRESHOLD)) * 100
    requeries = list(RecordRequery.objects.filter(
        approval=approval, opened_on__gte=first, opened_on__lte=last).values_list(
        "status", flat=True))
    expired = Document.objects.filter(superseded_at__isnull=True,
                                      document_type__is_required=True,
                                      expires_on__lt=case.period_end, **subject)
    return {"engagements": engagements.count(), "evaluations": list(evaluations[:100]),
            "incidents": list(incidents[:100]),
            # the ratings on the rubric of the terms that ended in the period reviewed
            "rated_from": case.period_start, "rated_to": case.period_end,
            "terms": terms,
            "satisfaction": satisfaction, "threshold": threshold.quantize(Decimal("1")),
            "below_threshold": satisfaction is not None and satisfaction < threshold,
            # documents still valid, record re-queries done
            "documents_expired": expired.count(),
            "requeries_missing": sum(1 for s in requeries if s in ("open", "overdue")),
            "renewable": approval.renewals < settings.REGISTRY_MAX_RENEWALS,
            # a review case still open at the bureau about the provider (an incident, a
            # rating under the threshold): its outcome may weigh on this decision
            "open_review_case": selectors.open_case_about(
                bureau=case.bureau, organization=approval.organization,
                person=approval.person),
            "valid_until": approval.valid_until,
            "renewal_end": approval_renewal_end(approval)}


def _days_counted(case) -> tuple[datetime.date, datetime.date]:
    """The first and last days whose facts are this review's. Consecutive reviews' periods
    meet at a day (the earlier one's ``period_end`` is the next one's ``period_start``):
    that day's facts, and those between a review's opening and its decision, are the
    earlier review's, so a period counts from the day after its first, up to and including
    its last. The first review of an approval, which starts the day it came into force,
    counts that day too: no review before it did."""
    start = case.period_start
    if start == case.approval.valid_from and not (
            AnnualReviewProcess.objects.filter(approval_id=case.approval_id, period_end=start)
            .exclude(pk=case.pk).exclude(decision="").exists()):
        return start, case.period_end
    return start + datetime.timedelta(days=1), case.period_end


def _tenth(percent) -> Decimal:
    return Decimal(percent).quantize(Decimal("0.1"))


@transaction.atomic
def annual_review_decide(*, actor, case, decision: str, reason: str) -> None:
    """The bureau administrator's outcome, with a reason: renew (1+1, once), keep (to the
    end of its term; the provider is told), suspend or revoke."""
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
        was_in_force = approval.status == Approval.Status.APPROVED
        # held for the bureau's decision even when suspended already (an expired
        # credential): its renewal alone will not put it back in force
        registry_services.approval_suspend(actor=actor, approval=approval, reason=reason)
        if was_in_force:
            registry_services.sanction_fan_out(actor=actor, approvals=[approval],
                                               action="suspend", reason=reason)
    elif decision == "revoke":
        registry_services.approval_revoke(actor=actor, approval=approval, reason=reason)
        registry_services.sanction_fan_out(actor=actor, approvals=[approval],
                                           action="terminate", reason=reason)
    elif decision == "keep" and approval.status == Approval.Status.APPROVED:
        # nothing changes, but the provider learns it will not be renewed (and why)
        notify(
            users=recipients.holders_of(approval.subject), about=approval.subject,
            subject=gettext("%(provider)s: the annual review keeps the approval") % {
                "provider": approval.subject.name},
            body=gettext("The approval stays in force until its term ends on %(date)s, "
                         "without renewal; to serve after that, apply in a new selection. "
                         "Reasons: %(reason)s") % {
                "date": local_date(approval.valid_until), "reason": reason.strip()},
            url=_provider_page(approval))
    case.decision, case.reason, case.decided_by = decision, reason.strip(), actor
    case.save(update_fields=["decision", "reason", "decided_by"])
    registry_services.audit_record(actor=actor, action="annual_review.decide", target=case,
                                   to_state=decision, reason=reason)


def _provider_page(approval) -> str:
    """The provider's own page, where the approval shows its status and end of validity."""
    if approval.organization_id:
        return reverse("registry:portal-organization", args=[approval.organization_id])
    return reverse("registry:portal-person", args=[approval.person_id])
