"""Reads of published lists (public: no personal data is stored in them)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from registry.caching import cached
from registry.models import Approval, Jurisdiction, Publication

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



class LapsedEntry(NamedTuple):
    """An entry of a published list that no longer holds: its ``status`` today (an
    ``Approval.Status`` value: suspended, revoked or expired) and ``since``, the day it
    left force (None when not known)."""

    position: int
    name: str
    status: str = Approval.Status.EXPIRED
    since: datetime.date | None = None

    def get_status_display(self) -> str:
        return str(Approval.Status(self.status).label)


@dataclass(frozen=True)
class Lapsed:
    """What of a published list no longer holds (``publication_lapsed``): its ``entries``
    whose provider holds no approval in force today, and ``as_of``, since when that is so
    at the latest (the jurisdiction's last change of an approval's status, the start of
    today, or the publication)."""

    entries: list[LapsedEntry]
    as_of: datetime.datetime


# how long an answer of publication_lapsed is kept at most (its key changes with any change
# of an approval's status in the jurisdiction, and with the day)
LAPSED_SECONDS = 24 * 3600


def publication_lapsed(publication: Publication,
                       today: datetime.date | None = None) -> Lapsed:
    """The entries of ``publication`` whose provider holds no approval in force in the
    list's jurisdiction ``today`` (suspended, revoked or ended since it was published), in
    list order: the list itself stays as published and signed, and its page says which of
    its entries no school may engage any more.

    One query (the jurisdiction's last change of an approval's status: the end of the index
    ``approval_jur_changed_idx``) and the cache, whose key holds that change and the day:
    the answer is worked out again only after a status changed there, or the next day
    (``_lapsed_entries``)."""
    today = today or timezone.localdate()
    last = (Approval.objects.filter(jurisdiction_id=publication.jurisdiction_id)
            .aggregate(at=Max("status_changed_at"))["at"])
    midnight = timezone.make_aware(datetime.datetime.combine(today, datetime.time()))
    as_of = max(at for at in (publication.published_at, last, midnight) if at is not None)
    # "list-lapsed2": the entries carry their standing (an older answer held only names)
    key = (f"list-lapsed2:{publication.pk}:{publication.digest[:16]}:{today.isoformat()}:"
           f"{last.timestamp() if last else 0}")
    # (with the cache unreachable, worked out every time: registry.caching)
    entries = cached(key, lambda: _lapsed_entries(publication, today), LAPSED_SECONDS)
    return Lapsed(entries=entries, as_of=as_of)


def _lapsed_entries(publication: Publication, today: datetime.date) -> list[LapsedEntry]:
    """Read from what changed since the list was published, not from its entries: the
    jurisdiction's approvals out of force whose status changed since (index
    ``approval_jur_changed_idx``) and those whose term ran out since
    (``approval_jur_status_idx``), less the providers that hold an approval in force there
    (renewed, or reinstated)."""
    approvals = Approval.objects.filter(jurisdiction_id=publication.jurisdiction_id)
    subject = ("organization__uscc", "person_id")
    # each subject's standing: the latest of what took it out of force since publication
    standing: dict[tuple, tuple[str, datetime.date]] = {}

    def note(uscc, person, status, since):
        key = (uscc, None) if uscc else (None, person)
        if key not in standing or standing[key][1] <= since:
            standing[key] = (status, since)

    for uscc, person, status, changed in (
            approvals.filter(status_changed_at__gte=publication.published_at)
            .exclude(status=Approval.Status.APPROVED)
            .values_list(*subject, "status", "status_changed_at")):
        note(uscc, person, status, timezone.localdate(changed))
    for uscc, person, until in (
            approvals.filter(status=Approval.Status.APPROVED,
                             valid_until__gte=publication.published_on,
                             valid_until__lt=today).values_list(*subject, "valid_until")):
        note(uscc, person, Approval.Status.EXPIRED, until + datetime.timedelta(days=1))
    usccs = {uscc for uscc, _person in standing if uscc}
    people = {person for _uscc, person in standing if person}
    if not usccs and not people:
        return []
    in_force = (Approval.objects.valid_on(today)
                .filter(jurisdiction_id=publication.jurisdiction_id)
                .filter(Q(organization__uscc__in=usccs) | Q(person_id__in=people))
                .values_list(*subject))
    for uscc, person in in_force:
        usccs.discard(uscc)
        people.discard(person)
    by_key = {f"org:{uscc}": standing[(uscc, None)] for uscc in usccs}
    by_key |= {f"person:{pk}": standing[(None, pk)] for pk in people}
    return [LapsedEntry(position, name, *by_key[key])
            for position, name, key in publication.entries.filter(key__in=list(by_key))
            .order_by("position").values_list("position", "name", "key")]
