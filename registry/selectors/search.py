"""School search: the approved providers available to one school, right now."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
    prefetch_related_objects,
)
from django.utils import timezone

from registry.models import (
    Approval,
    Jurisdiction,
    Offering,
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


# The number of results, on every row (``COUNT(*) OVER ()``): the ranking query counts as
# it goes, and registry.requests.paginate reads it instead of running the search twice.
TOTAL = "search_total"


def _ranked(*, subject: str, keyword: str, jurisdiction_ids, category_ids, day,
            subject_filters: dict, offerings: QuerySet | None) -> QuerySet:
    """The ranking of a school search, as rows of ``(subject id, relevance, expert_score,
    total)``, best first: one query over the search documents alone.

    Candidates come from the search documents of one kind of subject: their
    ``availability`` tokens (where the subject holds an approval in status "approved",
    and for which categories) and, with a keyword, their n-grams, asked of that kind's GIN
    index on PostgreSQL; each term is then checked as a substring. The tokens only narrow
    the search: each candidate must hold an approval valid today (status, dates,
    jurisdiction, category), checked on the approvals themselves in the same query (an
    index-only probe per candidate), so a stale token can hide a provider, never show one
    that is not available. ``expert_score`` is the best of those approvals (unscored
    last); ``relevance``: a match in the name counts most, then titles, pinyin,
    descriptions. Ties go by name (as indexed: NFKC, lower case), then id.

    Everything here reads the document row or an index: no subject row is read for the
    ranking (a broad keyword has well over a thousand candidates) unless a filter is on
    the subject itself (``subject_filters``: county, kind), only for the page.
    """
    subject_id = f"{subject}_id"
    # Naming the kind of subject lets PostgreSQL read only that kind's index (migration
    # 0009): an organization search never reads a person's postings.
    documents = ProviderSearchDocument.objects.filter(
        **{f"{subject}__isnull": False}, **subject_filters,
        availability__hasanygrams=availability_tokens(jurisdiction_ids, category_ids))
    relevance = Value(0, output_field=IntegerField())
    for term in keyword_terms(keyword):
        documents = documents.filter(grams__hasallgrams=term_grams(term)).filter(
            Q(name_text__contains=term) | Q(title_text__contains=term)
            | Q(pinyin_text__contains=term) | Q(description_text__contains=term))
        relevance = relevance + Case(
            When(name_text__contains=term, then=Value(8)),
            When(title_text__contains=term, then=Value(4)),
            When(pinyin_text__contains=term, then=Value(3)),
            default=Value(1),
            output_field=IntegerField(),
        )
    # The exact rule, on the approvals (served by approval_*_approved_idx).
    valid = Approval.objects.filter(
        **{subject: OuterRef(subject_id)}, status=Approval.Status.APPROVED,
        valid_from__lte=day, valid_until__gte=day, jurisdiction_id__in=jurisdiction_ids)
    if category_ids is not None:
        valid = valid.filter(categories__in=category_ids)
    documents = documents.filter(Exists(valid))
    if offerings is not None:
        documents = documents.filter(Exists(offerings.filter(organization=OuterRef(subject_id))))
    best = valid.order_by(F("expert_score").desc(nulls_last=True)).values("expert_score")[:1]
    return documents.annotate(
        relevance=relevance,
        expert_score=Subquery(best),
        **{TOTAL: Window(Count("*"))},
    ).order_by(
        F("relevance").desc(), F("expert_score").desc(nulls_last=True), "name_text", subject_id,
    ).values_list(subject_id, "relevance", "expert_score", TOTAL)


class SearchResults:
    """The results of a school search, ranked by one query over the search documents
    (``_ranked``) and loaded a page at a time: slicing ranks that slice, then reads only
    its subjects with their related rows (``load``). Each subject carries ``relevance``,
    ``expert_score`` and the total (``TOTAL``), which ``registry.requests.paginate`` reads
    instead of counting again.

    Between the ranking and the load an approval may lapse (a suspension that commits in
    between): the load shows only approvals valid at that moment, and a subject left with
    none is dropped from the page rather than shown as available.
    """

    ordered = True  # for Paginator's check

    def __init__(self, ranked: QuerySet, load):
        self.ranked = ranked
        self._load = load

    @property
    def query(self):
        return self.ranked.query

    def __getitem__(self, key):
        if isinstance(key, int):
            found = self[key:key + 1]
            if not found:
                raise IndexError(key)
            return found[0]
        rows = list(self.ranked[key])
        if not rows:
            return []
        subjects = self._load([row[0] for row in rows])
        page = []
        for subject_id, relevance, expert_score, total in rows:
            item = subjects.get(subject_id)
            if item is None:  # no approval valid any more: not shown
                continue
            item.relevance, item.expert_score = relevance, expert_score
            setattr(item, TOTAL, total)
            page.append(item)
        return page

    def __iter__(self):
        return iter(self[:])

    def count(self) -> int:
        return self.ranked.count()


def _load(subject: str, ids, *, jurisdiction_ids, day, related=None) -> dict:
    """The subjects ``ids`` (a page), each with ``valid_approvals``: its approvals valid
    ``day`` in the school's lineage, newest first. Read through those approvals, with the
    subject joined, so a subject whose approvals lapsed since it was ranked is not there.
    ``related`` is prefetched on the subjects found."""
    found: dict = {}
    approvals = (Approval.objects.valid_on(day)
                 .filter(jurisdiction_id__in=jurisdiction_ids, **{f"{subject}_id__in": ids})
                 .select_related("jurisdiction",
                                 "organization__county" if subject == "organization" else subject)
                 .prefetch_related("categories"))
    for approval in approvals:
        item = found.setdefault(getattr(approval, f"{subject}_id"), getattr(approval, subject))
        item.__dict__.setdefault("valid_approvals", []).append(approval)
    if related is not None:
        prefetch_related_objects(list(found.values()), related)
    return found


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
) -> SearchResults:
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
    offerings = None
    if weekday is not None or max_fee is not None or grade is not None:
        offerings = Offering.objects.filter(is_active=True)
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
    ranked = _ranked(subject="organization", keyword=keyword, jurisdiction_ids=jurisdiction_ids,
                     category_ids=category_ids, day=day, offerings=offerings,
                     subject_filters={"organization__county": county} if county else {})

    def load(ids):
        return _load("organization", ids, jurisdiction_ids=jurisdiction_ids, day=day,
                     related=Prefetch(
                         "offerings",
                         queryset=Offering.objects.filter(is_active=True)
                         .select_related("category")
                         .annotate(**fee_reference_annotations(lineage_ids=jurisdiction_ids,
                                                               on=day)),
                         to_attr="active_offerings"))

    return SearchResults(ranked, load)


def approved_people_search(
    *,
    school: School,
    keyword: str = "",
    category: ServiceCategory | None = None,
    kind: str | None = None,
    on: datetime.date | None = None,
) -> SearchResults:
    """Individuals (retirees, students, professionals, volunteers) approved for the
    school's county, city or province today; same rules and order as organizations.
    Results never need the ID number: serializers must not show it."""
    day = on or timezone.localdate()
    jurisdiction_ids = school_jurisdiction_ids(school)
    category_ids = _category_ids(category) if category is not None else None
    ranked = _ranked(subject="person", keyword=keyword, jurisdiction_ids=jurisdiction_ids,
                     category_ids=category_ids, day=day, offerings=None,
                     subject_filters={"person__kind": kind} if kind else {})

    def load(ids):
        return _load("person", ids, jurisdiction_ids=jurisdiction_ids, day=day)

    return SearchResults(ranked, load)
