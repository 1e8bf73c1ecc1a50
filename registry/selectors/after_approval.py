"""Reads of the after-approval work: the bureau's yearly record re-queries."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import QuerySet

from registry.models import Approval, AuditEvent, RecordRequery


def requeries_for_bureau(bureau, *, status: str | None = None) -> QuerySet:
    """The bureau's re-query tasks, due first, with the person and approval joined."""
    queryset = (RecordRequery.objects.filter(bureau=bureau)
                .select_related("person", "approval").order_by("due_on", "pk"))
    return queryset.filter(status=status) if status else queryset


def approvals_due_for_annual_review(bureau, day) -> QuerySet:
    """The approvals in force under ``bureau`` (its own jurisdiction) whose term ends in the
    year after ``day``, the bureau's annual review date: reviewed now, before they end, so
    that a good year can renew them (1+1) without a gap."""
    return (Approval.objects.filter(status=Approval.Status.APPROVED,
                                    jurisdiction_id=bureau.jurisdiction_id,
                                    valid_from__lt=day, valid_until__gt=day,
                                    valid_until__lte=day + datetime.timedelta(days=366))
            .order_by("pk"))


def approval_current_term(approval: Approval) -> tuple[datetime.date, datetime.date] | None:
    """The approval's current term (a school year by default), first and last day: from
    ``valid_from`` until ``valid_until`` before any renewal; after a renewal (1+1), from
    the day after the term it followed (recorded with the renewal). None for an approval
    without dates (never granted)."""
    if approval.valid_from is None or approval.valid_until is None:
        return None
    if not approval.renewals:
        return approval.valid_from, approval.valid_until
    renewed = (AuditEvent.objects.for_object(approval).filter(action="approval.renew")
               .order_by("-pk").values_list("data", flat=True).first())
    try:
        start = datetime.date.fromisoformat(renewed["from_until"]) + datetime.timedelta(days=1)
    except (TypeError, KeyError, ValueError):
        # not recorded: a term's length back from its end
        days = (settings.WORKFLOW_INDIVIDUAL_APPROVAL_DAYS if approval.person_id
                else settings.REGISTRY_APPROVAL_TERM_DAYS)
        start = approval.valid_until - datetime.timedelta(days=days - 1)
    return max(approval.valid_from, min(start, approval.valid_until)), approval.valid_until
