"""Reads of published lists (public: no personal data is stored in them)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from registry.models import Approval, Jurisdiction, Publication, PublicationEntry

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



@dataclass(frozen=True)
class Lapsed:
    """What of a published list no longer holds (``publication_lapsed``): its ``entries``
    whose provider holds no approval in force today, and ``as_of``, the latest change read
    (a status changed, a term ran out; ``None``: nothing changed since publication)."""

    entries: list[PublicationEntry]
    as_of: datetime.datetime | None


def publication_lapsed(publication: Publication,
                       today: datetime.date | None = None) -> Lapsed:
    """The entries of ``publication`` whose provider holds no approval in force in the
    list's jurisdiction ``today`` (suspended, revoked or ended since it was published), in
    list order: the list itself stays as published and signed, and its page says which of
    its entries no school may engage any more.

    Read from what changed since the list was published, not from its entries: the
    jurisdiction's approvals whose status changed since (index ``approval_jur_changed_idx``)
    and those whose term ran out since (``approval_jur_status_idx``), less the providers
    that hold an approval in force there (renewed, or reinstated). Four small queries."""
    today = today or timezone.localdate()
    approvals = Approval.objects.filter(jurisdiction_id=publication.jurisdiction_id)
    subject = ("organization__uscc", "person_id")
    changes = list(approvals.filter(status_changed_at__gte=publication.published_at)
                   .values_list(*subject, "status", "status_changed_at"))
    ran_out = list(approvals.filter(status=Approval.Status.APPROVED,
                                    valid_until__gte=publication.published_on,
                                    valid_until__lt=today)
                   .values_list(*subject, "valid_until"))
    moments = [at for *_subject, _status, at in changes] + [
        timezone.make_aware(datetime.datetime.combine(
            until + datetime.timedelta(days=1), datetime.time()))
        for *_subject, until in ran_out]
    left = {(uscc, person) for uscc, person, status, _at in changes
            if status != Approval.Status.APPROVED}
    left |= {(uscc, person) for uscc, person, _until in ran_out}
    usccs = {uscc for uscc, _person in left if uscc}
    people = {person for _uscc, person in left if person}
    if usccs or people:
        in_force = (Approval.objects.valid_on(today)
                    .filter(jurisdiction_id=publication.jurisdiction_id)
                    .filter(Q(organization__uscc__in=usccs) | Q(person_id__in=people))
                    .values_list(*subject))
        for uscc, person in in_force:
            usccs.discard(uscc)
            people.discard(person)
    keys = [f"org:{uscc}" for uscc in usccs] + [f"person:{pk}" for pk in people]
    entries = (list(publication.entries.filter(key__in=keys).order_by("position")
                    .only("position", "kind", "key", "name")) if keys else [])
    return Lapsed(entries=entries, as_of=max(moments, default=None))
