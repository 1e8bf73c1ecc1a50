"""Reads of the after-approval work: the bureau's yearly record re-queries."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet

from registry.models import Approval, RecordRequery


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
