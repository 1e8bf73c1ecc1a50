"""Reads of engagements: a school sees its own, a bureau all in its jurisdiction."""

from __future__ import annotations

import datetime
import operator
from functools import reduce

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from registry.models import (
    Approval,
    Engagement,
    Evaluation,
    Jurisdiction,
    Organization,
    Person,
    RosterMember,
    School,
    SchoolTerm,
    ServiceCategory,
)
from registry.selectors.contracts import provider_engagement_ids
from registry.selectors.search import school_jurisdiction_ids


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
    itself), and, for a bureau administrator, every engagement of the schools in the
    jurisdictions; each with its roster, as the API gives it.

    Filtered by their ids, one ``UNION`` of queries each found by an index (the schools',
    the provider's, the jurisdictions' schools'): as one ``OR`` of conditions on different
    relations, PostgreSQL read every engagement for every caller."""
    engaged = Engagement.objects.order_by().values_list("pk", flat=True)
    parts = [engaged.filter(school_id__in=school_ids)]
    if user.is_authenticated:
        parts += provider_engagement_ids(user)
    if jurisdiction_ids:
        schools = School.objects.filter(reduce(operator.or_, (
            Jurisdiction.subtree_q(jurisdiction_id, prefix="county__")
            for jurisdiction_id in jurisdiction_ids)))
        parts.append(engaged.filter(school_id__in=schools.values("pk")))
    first, *others = parts
    # Only what the API shows of each (its serializer), in few enough joins for PostgreSQL
    # to plan them freely (join_collapse_limit, 8): with the nine of ``_engagements`` it
    # joins them in the order written and filters by the ids last, after reading every
    # engagement.
    return _with_roster(Engagement.objects.select_related(
        "school", "term", "organization", "person", "evaluation",
    ).filter(pk__in=first.union(*others)))


def categories_approved_for_person(person_id: int) -> QuerySet:
    """The active categories a person's approvals in force name, with their sub-items (an
    approval for 体育 covers 篮球, not the high-risk 游泳: ``approval_covers``): what a
    school may engage them to teach. One query."""
    named = Approval.objects.valid_on().filter(person_id=person_id).values("categories")
    return (ServiceCategory.objects.filter(
                Q(pk__in=named) | Q(parent_id__in=named, is_high_risk=False), is_active=True)
            .order_by("sort_order", "code"))


def engageable_by(school: School, model: type[Organization] | type[Person]) -> QuerySet:
    """The organizations or the people (``model``) ``school`` may engage: those holding an
    approval in force in its county, city or province (``school_jurisdiction_ids``), the
    approvals ``engagement_create`` relies on and the school's search shows. Whoever else
    it names by number reads as a number nobody holds."""
    in_force = Approval.objects.valid_on().filter(
        jurisdiction_id__in=school_jurisdiction_ids(school),
        **{model._meta.model_name: OuterRef("pk")})
    return model.objects.filter(Exists(in_force))


def terms_for_schools(school_ids) -> QuerySet:
    return SchoolTerm.objects.filter(school_id__in=school_ids).select_related("school")


# What the school rates at the end of a term: an engagement that is live or has ended. Not
# a terminated one: a withdrawn draft never ran, and a sanction's termination (revocation,
# a record hit, a blacklisting) has already put the provider out, for reasons the school is
# not told; nor a suspended one while it is: the bureau is dealing with the provider, and a
# lifted suspension puts the engagement back where it was, to be rated then.
RATED_STATUSES = (*Engagement.LIVE_STATUSES, Engagement.Status.ENDED)


def awaiting_rating(today: datetime.date, *, prefix: str = "") -> Q:
    """The one rule for an engagement that waits for the school's rating on ``today``: not
    rated, in a status the school rates (``RATED_STATUSES``), and at its end (ended, early
    too, or past its planned end: ``Engagement.is_rateable_on``). ``prefix`` reaches the
    engagements from another model (``"engagements__"`` from a term). The engagements
    page's count (:func:`terms_to_rate`), the end-of-term notice
    (``term_evaluations_request``) and the rating page (:func:`awaits_rating`) ask it."""
    return (Q(**{f"{prefix}evaluation__isnull": True, f"{prefix}status__in": RATED_STATUSES})
            & (Q(**{f"{prefix}status": Engagement.Status.ENDED})
               | Q(**{f"{prefix}ends_on__lte": today})))


def awaits_rating(engagement: Engagement, today: datetime.date) -> bool:
    """:func:`awaiting_rating` for one engagement already read (its evaluation apart,
    which the caller knows): a status the school rates, at its end."""
    return engagement.status in RATED_STATUSES and engagement.is_rateable_on(today)


def terms_to_rate(school_ids, *, today: datetime.date) -> QuerySet:
    """The school's task at the end of each term (学期考核): its terms that have ended and
    still have engagements to rate on the rubric (``to_rate``, counted by
    :func:`awaiting_rating`, as the end-of-term notice counts them), oldest first. One
    query, at most 20 terms."""
    unrated = awaiting_rating(today, prefix="engagements__")
    return (SchoolTerm.objects.filter(school_id__in=school_ids, ends_on__lte=today)
            .annotate(to_rate=Count("engagements", filter=unrated))
            .filter(to_rate__gt=0).select_related("school").order_by("ends_on", "pk")[:20])


def term_rating_sheet(term: SchoolTerm) -> QuerySet:
    """The engagements of ``term`` with their evaluation, for the rating page (bounded:
    a term has a school's engagements, which the external-project cap keeps few)."""
    return (Engagement.objects.filter(term=term)
            .select_related("organization", "offering", "person", "category__parent",
                            "evaluation")
            .order_by("starts_on", "pk")[:200])


def _provider_evaluations(organization, person) -> QuerySet:
    if (organization is None) == (person is None):
        raise ValueError("give an organization or a person")
    subject = ({"engagement__organization": organization} if organization is not None
               else {"engagement__person": person})
    return Evaluation.objects.filter(**subject)


def term_evaluations(*, term: SchoolTerm, organization=None, person=None) -> QuerySet:
    """A provider's ratings (考核) in the school term of ``term``: of its engagements at
    any school whose term runs at the same time as ``term`` (each school names its own
    terms; those of one semester overlap in their dates). A term long past, or the next
    one, is not part of it."""
    return _provider_evaluations(organization, person).filter(
        engagement__term__starts_on__lte=term.ends_on,
        engagement__term__ends_on__gte=term.starts_on)


def evaluations_of_terms_ended(*, start: datetime.date, end: datetime.date,
                               organization=None, person=None) -> QuerySet:
    """A provider's ratings of the school terms that ended between ``start`` and ``end``
    (both included), with each engagement's school and term, by the term's end."""
    return (_provider_evaluations(organization, person)
            .filter(engagement__term__ends_on__gte=start, engagement__term__ends_on__lte=end)
            .select_related("engagement__school", "engagement__term")
            .order_by("engagement__term__ends_on", "engagement__term_id", "pk"))
