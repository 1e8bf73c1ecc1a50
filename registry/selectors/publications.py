"""Reads of published lists (public: no personal data is stored in them)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count, Max, QuerySet

from registry.models import Jurisdiction, Publication

ENTRY_CHUNK = 2000


def publication_jurisdictions() -> QuerySet:
    """Jurisdictions that have published at least one list, with their latest date."""
    return (
        Jurisdiction.objects.filter(publications__isnull=False)
        .annotate(publication_count=Count("publications"),
                  last_published=Max("publications__published_at"))
        .order_by("code")
    )


def publications_of(jurisdiction: Jurisdiction) -> QuerySet:
    """All lists of one jurisdiction, newest first (the first is the current one)."""
    return (
        Publication.objects.filter(jurisdiction=jurisdiction)
        .select_related("jurisdiction")
        .defer("diff")
        .order_by("-published_at", "-pk")
    )


def publication_detail(pk: int) -> Publication:
    return Publication.objects.select_related("jurisdiction", "previous").get(pk=pk)


def publication_entries(publication: Publication) -> QuerySet:
    """Entries in list order (for paginated pages)."""
    return publication.entries.order_by("position")


def publication_entries_data(publication: Publication) -> Iterator[dict]:
    """The entries' published data in list order, streamed from the database."""
    return (
        publication.entries.order_by("position")
        .values_list("data", flat=True)
        .iterator(chunk_size=ENTRY_CHUNK)
    )
