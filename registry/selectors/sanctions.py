"""Reads for sanctions: the blacklist and the bureau's review requests."""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from registry.models import Blacklisting, ReviewRequest
from registry.validators import normalize_id_number, normalize_uscc


def is_blacklisted(*, uscc: str | None = None, id_number: str | None = None,
                   on: datetime.date | None = None) -> bool:
    """Whether a unified social credit code or an ID number is blacklisted on ``on``
    (today by default). Call it before accepting an application."""
    if not uscc and not id_number:
        return False
    day = on or timezone.localdate()
    match = Q()
    if uscc:
        match |= Q(uscc=normalize_uscc(uscc))
    if id_number:
        match |= Q(id_number=normalize_id_number(id_number))
    return Blacklisting.objects.filter(match, starts_on__lte=day, ends_on__gte=day).exists()


def review_requests_for_bureaus(bureau_ids, *, status: str | None = None) -> QuerySet:
    """Review requests of some bureaus, newest first."""
    queryset = ReviewRequest.objects.filter(bureau_id__in=bureau_ids).select_related(
        "bureau", "organization", "person")
    if status:
        queryset = queryset.filter(status=status)
    return queryset


def blacklist_for_bureaus(bureau_ids) -> QuerySet:
    return Blacklisting.objects.filter(bureau_id__in=bureau_ids).select_related(
        "bureau", "organization", "person")
