"""Reads of issue 20 (after approval): the bureau's yearly record re-queries."""

from __future__ import annotations

from django.db.models import QuerySet

from registry.models import RecordRequery


def requeries_for_bureau(bureau, *, status: str | None = None) -> QuerySet:
    """The bureau's re-query tasks, due first, with the person and approval joined."""
    queryset = (RecordRequery.objects.filter(bureau=bureau)
                .select_related("person", "approval").order_by("due_on", "pk"))
    return queryset.filter(status=status) if status else queryset
