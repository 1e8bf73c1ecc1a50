"""School search: the approved providers available to one school, right now."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.utils import timezone

from registry.models import (
    Approval,
    Jurisdiction,
    Offering,
    Organization,
    Person,
    ProviderSearchDocument,
    School,
    ServiceCategory,
)
from registry.search_text import availability_tokens, keyword_terms, term_grams
from registry.selectors.policy import fee_reference_annotations


def school_jurisdiction_ids(school: School) -> list[int]:
    """The school's county, its city and its province: approvals of all three apply.
    No query when the school was read with ``select_related("county__parent")``."""
    ids = [school.county_id]
    county = school.county if school.county_id else None
    if county is not None and county.parent_id:
        ids.append(county.parent_id)
        if county.parent.parent_id:
            ids.append(county.parent.parent_id)
    return ids


def _category_ids(category: ServiceCategory) -> list[int]:
    """A category, its sub-items, and its parent (an approval for 综合实践 covers 心理健康)."""
    ids = {category.pk, *category.children.values_list("pk", flat=True)}
    if category.parent_id:
        ids.add(category.parent_id)
    return sorted(ids)


# The number of results, on every row (``COUNT(*) OVER ()``): the page query counts as it
# goes, and registry.requests.paginate reads it instead of running the search twice.
TOTAL = "search_total"


class _InArray(Func):
    """``pk = ANY(ARRAY(subquery))``: PostgreSQL runs the subquery once, as an InitPlan,
    with the plan best for it alone (the GIN index), before touching the outer rows,
    whatever it guesses about the join order. (Joined instead, the planner would walk a
    whole index in subject order when it expects many rows: 0.9 s for 培训 at 100,000
    organizations.)"""

    template = "%(expressions)s)"
    arg_joiner = " = ANY(ARRAY"
    output_field = BooleanField()
    conditional = True


def _search(queryset: QuerySet, *, subject: str, keyword: str, jurisdiction_ids,
            category_ids, day) -> QuerySet:
    """Providers available to a school with this lineage, matching ``keyword``.

    With a keyword, candidates come from the search documents: their ``availability``
    tokens (where the subject holds an approval in status "approved", and for which
    categories) and their n-grams are asked of one GIN index on PostgreSQL, so only
    providers that may be available and hold the keyword's grams are visited; each term
    is then checked as a substring. The tokens only narrow the search: every candidate is
    joined to its approvals valid today (status, dates, jurisdiction, category), so a
    stale token can hide a provider, never show one that is not available. That one join
    also gives ``expert_score`` (the best of them; ``max`` skips the unscored). Annotates
    ``relevance`` (a match in the name counts most, then titles, pinyin, descriptions)
    and the total (see ``TOTAL``).
    """
    terms = keyword_terms(keyword)
    relevance = Value(0, output_field=IntegerField())
    if terms:
        documents = ProviderSearchDocument.objects.filter(
            availability__hasanygrams=availability_tokens(jurisdiction_ids, category_ids))
        doc = "search_document__"
        for term in terms:
            documents = documents.filter(grams__hasallgrams=term_grams(term)).filter(
                Q(name_text__contains=term) | Q(title_text__contains=term)
                | Q(pinyin_text__contains=term) | Q(description_text__contains=term)
            )
            relevance = relevance + Case(
                When(**{f"{doc}name_text__contains": term}, then=Value(8)),
                When(**{f"{doc}title_text__contains": term}, then=Value(4)),
                When(**{f"{doc}pinyin_text__contains": term}, then=Value(3)),
                default=Value(1),
                output_field=IntegerField(),
            )
        matching = documents.values(f"{subject}_id")
        if connection.vendor == "postgresql":
            queryset = queryset.filter(_InArray(F("pk"), Subquery(matching)))
        else:
            queryset = queryset.filter(pk__in=matching)
    # The exact check, as a join in one filter() so that max() below reads the same rows.
    valid = {"approvals__status": Approval.Status.APPROVED, "approvals__valid_from__lte": day,
             "approvals__valid_until__gte": day,
             "approvals__jurisdiction_id__in": jurisdiction_ids}
    if category_ids is not None:
        valid["approvals__categories__in"] = category_ids
    return queryset.filter(**valid).annotate(
        relevance=relevance,
        expert_score=Max("approvals__expert_score"),
        **{TOTAL: Window(Count("*"))},
    ).order_by(
        F("relevance").desc(), F("expert_score").desc(nulls_last=True), "name", "pk",
    )


def _shown_approvals(*, jurisdiction_ids, day) -> QuerySet:
    return (Approval.objects.valid_on(day).filter(jurisdiction_id__in=jurisdiction_ids)
            .select_related("jurisdiction").prefetch_related("categories"))


def approved_organizations_search(
    *,
    school: School,
    keyword: str = "",
    category: ServiceCategory | None = None,
    county: Jurisdiction | None = None,
    weekday: int | None = None,
    max_fee: Decimal | None = None,
    grade: int | None = None,
    on: datetime.date | None = None,
) -> QuerySet:
    """Organizations with an approval valid today in the school's county, city or province.

    Validity (status, dates) is checked in the query itself. ``weekday`` (1 = Monday),
    ``max_fee`` and ``grade`` must all hold for one active offering. Ordered by
    relevance, then expert score (highest first, unscored last). Each result carries
    ``valid_approvals`` and ``active_offerings`` (each with ``fee_reference`` and
    ``fee_cap`` in force for the school, or ``None``).
    """
    day = on or timezone.localdate()
    jurisdiction_ids = school_jurisdiction_ids(school)
    category_ids = _category_ids(category) if category is not None else None
    queryset = Organization.objects.all()
    if county is not None:
        queryset = queryset.filter(county=county)
    if weekday is not None or max_fee is not None or grade is not None:
        offerings = Offering.objects.filter(organization=OuterRef("pk"), is_active=True)
        if category_ids is not None:
            offerings = offerings.filter(category_id__in=category_ids)
        if weekday is not None:
            offerings = offerings.annotate(
                day_bit=F("weekdays").bitand(1 << (int(weekday) - 1))
            ).filter(day_bit__gt=0)
        if max_fee is not None:
            offerings = offerings.filter(fee_per_session__lte=max_fee)
        if grade is not None:
            offerings = offerings.filter(grade_min__lte=grade, grade_max__gte=grade)
        queryset = queryset.filter(Exists(offerings))
    queryset = _search(queryset, subject="organization", keyword=keyword,
                       jurisdiction_ids=jurisdiction_ids, category_ids=category_ids, day=day)
    return queryset.select_related("county").prefetch_related(
        Prefetch("approvals", queryset=_shown_approvals(jurisdiction_ids=jurisdiction_ids,
                                                        day=day),
                 to_attr="valid_approvals"),
        Prefetch("offerings",
                 queryset=Offering.objects.filter(is_active=True).select_related("category")
                 .annotate(**fee_reference_annotations(lineage_ids=jurisdiction_ids, on=day)),
                 to_attr="active_offerings"),
    )


def approved_people_search(
    *,
    school: School,
    keyword: str = "",
    category: ServiceCategory | None = None,
    kind: str | None = None,
    on: datetime.date | None = None,
) -> QuerySet:
    """Individuals (retirees, students, professionals, volunteers) approved for the
    school's county, city or province today; same rules and order as organizations.
    Results never need the ID number: serializers must not show it."""
    day = on or timezone.localdate()
    jurisdiction_ids = school_jurisdiction_ids(school)
    category_ids = _category_ids(category) if category is not None else None
    queryset = Person.objects.all()
    if kind:
        queryset = queryset.filter(kind=kind)
    queryset = _search(queryset, subject="person", keyword=keyword,
                       jurisdiction_ids=jurisdiction_ids, category_ids=category_ids, day=day)
    return queryset.prefetch_related(
        Prefetch("approvals", queryset=_shown_approvals(jurisdiction_ids=jurisdiction_ids,
                                                        day=day),
                 to_attr="valid_approvals"),
    )
