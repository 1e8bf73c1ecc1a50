"""School search: the approved providers available to one school, right now."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
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
from registry.search_text import keyword_terms, term_grams
from registry.selectors.policy import fee_reference_annotations


def school_jurisdiction_ids(school: School) -> list[int]:
    """The school's county, its city and its province: approvals of all three apply."""
    ids = [school.county_id]
    parent_id = school.county.parent_id if school.county_id else None
    if parent_id:
        ids.append(parent_id)
        grandparent = (Jurisdiction.objects.filter(pk=parent_id)
                       .values_list("parent_id", flat=True).first())
        if grandparent:
            ids.append(grandparent)
    return ids


def _category_ids(category: ServiceCategory) -> list[int]:
    """A category, its sub-items, and its parent (an approval for 综合实践 covers 心理健康)."""
    ids = {category.pk, *category.children.values_list("pk", flat=True)}
    if category.parent_id:
        ids.add(category.parent_id)
    return sorted(ids)


def _valid_approvals(*, jurisdiction_ids, day, category) -> QuerySet:
    approvals = Approval.objects.valid_on(day).filter(jurisdiction_id__in=jurisdiction_ids)
    if category is not None:
        approvals = approvals.filter(categories__in=_category_ids(category))
    return approvals


class _InArray(Func):
    """``pk = ANY(ARRAY(subquery))``: PostgreSQL runs the subquery once, as an InitPlan,
    with the plan best for it alone (the GIN index), before touching the outer rows,
    whatever it guesses about the join order."""

    template = "%(expressions)s)"
    arg_joiner = " = ANY(ARRAY"
    output_field = BooleanField()
    conditional = True


def _keyword(queryset: QuerySet, keyword: str, subject: str) -> QuerySet:
    """Keep rows whose search document contains every term of ``keyword``: candidates
    from the n-gram index, then the exact substring rechecked on them. Annotates
    ``relevance``: a match in the name counts most, then titles, pinyin, descriptions."""
    terms = keyword_terms(keyword)
    if not terms:
        return queryset.annotate(relevance=Value(0, output_field=IntegerField()))
    documents = ProviderSearchDocument.objects.all()
    relevance = Value(0, output_field=IntegerField())
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
    return queryset.annotate(relevance=relevance)


def _ordered(queryset: QuerySet) -> QuerySet:
    return queryset.order_by(
        F("relevance").desc(), F("expert_score").desc(nulls_last=True), "name", "pk",
    )


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
    approvals = _valid_approvals(jurisdiction_ids=jurisdiction_ids, day=day, category=category)
    queryset = Organization.objects.filter(
        Exists(approvals.filter(organization=OuterRef("pk")))
    )
    if county is not None:
        queryset = queryset.filter(county=county)
    if weekday is not None or max_fee is not None or grade is not None:
        offerings = Offering.objects.filter(organization=OuterRef("pk"), is_active=True)
        if category is not None:
            offerings = offerings.filter(category_id__in=_category_ids(category))
        if weekday is not None:
            offerings = offerings.annotate(
                day_bit=F("weekdays").bitand(1 << (int(weekday) - 1))
            ).filter(day_bit__gt=0)
        if max_fee is not None:
            offerings = offerings.filter(fee_per_session__lte=max_fee)
        if grade is not None:
            offerings = offerings.filter(grade_min__lte=grade, grade_max__gte=grade)
        queryset = queryset.filter(Exists(offerings))
    queryset = _keyword(queryset, keyword, "organization")
    best_score = (
        approvals.filter(organization=OuterRef("pk"))
        .order_by(F("expert_score").desc(nulls_last=True))
        .values("expert_score")[:1]
    )
    queryset = queryset.annotate(expert_score=Subquery(best_score))
    shown = (Approval.objects.valid_on(day).filter(jurisdiction_id__in=jurisdiction_ids)
             .select_related("jurisdiction").prefetch_related("categories"))
    return _ordered(queryset).select_related("county").prefetch_related(
        Prefetch("approvals", queryset=shown, to_attr="valid_approvals"),
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
    approvals = _valid_approvals(jurisdiction_ids=jurisdiction_ids, day=day, category=category)
    queryset = Person.objects.filter(Exists(approvals.filter(person=OuterRef("pk"))))
    if kind:
        queryset = queryset.filter(kind=kind)
    queryset = _keyword(queryset, keyword, "person")
    best_score = (
        approvals.filter(person=OuterRef("pk"))
        .order_by(F("expert_score").desc(nulls_last=True))
        .values("expert_score")[:1]
    )
    queryset = queryset.annotate(expert_score=Subquery(best_score))
    shown = (Approval.objects.valid_on(day).filter(jurisdiction_id__in=jurisdiction_ids)
             .select_related("jurisdiction").prefetch_related("categories"))
    return _ordered(queryset).prefetch_related(
        Prefetch("approvals", queryset=shown, to_attr="valid_approvals"),
    )
