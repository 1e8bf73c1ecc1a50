"""Reads of engagements: a school sees its own, a bureau all in its jurisdiction."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from registry.models import Engagement, Jurisdiction, RosterMember, SchoolTerm
from registry.selectors.contracts import provider_engagements_q


def _engagements() -> QuerySet:
    return Engagement.objects.select_related(
        "school__county", "term", "organization", "offering", "person",
        "approval__jurisdiction", "evaluation",
    )


def _with_roster(engagements: QuerySet) -> QuerySet:
    """The people on each engagement's roster, in one query for the page (the API gives
    them with every engagement; the schools' and bureaus' lists do not show them)."""
    return engagements.prefetch_related(Prefetch("roster", queryset=RosterMember.objects.filter(
        removed_at=None, accepted_at__isnull=False).order_by("pk")))


def engagements_for_schools(school_ids) -> QuerySet:
    return _engagements().filter(school_id__in=school_ids)


def engagements_for_jurisdictions(jurisdiction_ids) -> QuerySet:
    """Engagements of every school in (or below) these bureaus' jurisdictions."""
    match = Q(pk__in=[])
    for jurisdiction_id in jurisdiction_ids:
        match |= Jurisdiction.subtree_q(jurisdiction_id, prefix="school__county__")
    return _engagements().filter(match)


def engagements_visible_to(user, *, school_ids, jurisdiction_ids) -> QuerySet:
    """What ``user`` may read: its schools' engagements, its provider's (organization or
    itself), and, for a bureau administrator, every engagement in the jurisdictions. One
    filter, no duplicates (every condition is on a single-valued relation); each with its
    roster, as the API gives it."""
    match = Q(school_id__in=school_ids)
    if user.is_authenticated:
        match |= provider_engagements_q(user)
    for jurisdiction_id in jurisdiction_ids:
        match |= Jurisdiction.subtree_q(jurisdiction_id, prefix="school__county__")
    return _with_roster(_engagements().filter(match))


def terms_for_schools(school_ids) -> QuerySet:
    return SchoolTerm.objects.filter(school_id__in=school_ids).select_related("school")
