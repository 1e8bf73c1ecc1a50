"""School search: the approved providers available to one school, right now."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from functools import cache

from django.db import connection
from django.utils import timezone

from registry import reference
from registry.models import (
    Approval,
    Jurisdiction,
    Offering,
    School,
    ServiceCategory,
    approval_covers,
    covering_parent_id,
)
from registry.selectors.policy import FeeReferences
from registry.selectors.search_ranking import TOTAL, OfferingFilter, _candidates, _Ranking
from registry.selectors.sql import (
    attach,
    column,
    db_value,
    engine,
    instances,
    maker,
    placeholders,
    table,
)


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


def provider_page_for_school(*, approvals: list, offerings: list, school: School | None):
    """What a school may engage of a provider, as its search says: the ``approvals`` in
    force in its county, city or province (all of them when ``school`` is ``None``: bureau
    staff), and each of ``offerings`` marked ``engageable`` when one of those covers its
    category (``approval_covers``; read the approvals' categories prefetched and the
    school with ``select_related("county__parent")``: no query). Returns the approvals."""
    if school is not None:
        lineage = school_jurisdiction_ids(school)
        approvals = [a for a in approvals if a.jurisdiction_id in lineage]
    for offering in offerings:
        offering.engageable = any(
            "category" not in approval_covers(a, category=offering.category)
            for a in approvals)
    return approvals


def _categories() -> dict[int, ServiceCategory]:
    """Every category, in display order, each with its parent set (registry.reference:
    a few dozen rows, kept by the process). The category filter, the approvals'
    categories and the offerings' categories are then taken from it, instead of a join or
    a query each. A copy: the search may add to it (``_with_categories``)."""
    return dict(reference.categories().by_id)


def _with_categories(categories: dict[int, ServiceCategory], ids) -> dict[int, ServiceCategory]:
    """``categories``, plus any of ``ids`` created since they were read (between the
    search and its page, a category may be added and given to an offering or an
    approval): read then, so the page shows it instead of failing."""
    missing = set(ids) - categories.keys()
    if missing:
        held = reference.categories().by_id
        if missing - held.keys():  # read once more, whatever the number missing
            held = reference.categories(fresh=True).by_id
        categories.update({pk: held[pk] for pk in missing if pk in held})
    return categories


def _category_ids(category: ServiceCategory, categories: dict[int, ServiceCategory]) -> list[int]:
    """A category, its sub-items, and its parent (an approval for 综合实践 covers 心理健康),
    unless it is a high-risk sub-item (游泳: only an approval naming it covers it,
    ``approval_covers``)."""
    ids = {category.pk, *(c.pk for c in categories.values() if c.parent_id == category.pk)}
    if covering_parent_id(category):
        ids.add(category.parent_id)
    return sorted(ids)


# The number of results, on every row (``COUNT(*) OVER ()``): the ranking query counts as
# it goes, and registry.requests.paginate reads it instead of running the search twice.

class SearchResults:
    """The results of a school search, ranked by one query (``_Ranking``) and loaded a
    page at a time: slicing ranks that slice, then reads only its subjects with their
    related rows (``load``). Each subject carries ``relevance``, ``expert_score`` and the
    total (``TOTAL``), which ``registry.requests.paginate`` reads instead of counting
    again.

    Between the ranking and the load an approval may lapse (a suspension that commits in
    between): the load shows only approvals valid at that moment, and a subject left with
    none is dropped from the page rather than shown as available.
    """

    ordered = True  # for Paginator's check
    counted = True  # each item carries the total (see registry.requests.paginate)

    def __init__(self, ranking: _Ranking, load):
        self.ranking = ranking
        self._load = load

    def __getitem__(self, key):
        if isinstance(key, int):
            found = self[key:key + 1]
            if not found:
                raise IndexError(key)
            return found[0]
        if key.step is not None or (key.start or 0) < 0 or (key.stop or 0) < 0:
            raise ValueError("search results take plain, non-negative slices")
        if key.stop is not None and key.stop <= (key.start or 0):
            return []
        rows = self.ranking.rows(key.start or 0, key.stop)
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
        return self.ranking.count()


# What a page of results shows (registry/api/search.py, school/search.html), and no more:
# a page is read on every search. Reading another field of a result costs a query per
# result; the tests that count the page's queries would catch it.
# (``status``: the school's page shows each approval as a status badge.)
_APPROVAL_FIELDS = ("id", "jurisdiction", "status", "valid_until", "expert_score",
                    "created_at", "grade_min", "grade_max")
_SUBJECT_FIELDS = {"organization": ("name", "uscc", "county"), "person": ("name", "kind")}
_OFFERING_FIELDS = ("id", "organization", "category", "title", "description", "grade_min",
                    "grade_max", "fee_per_session", "free_places_per_term", "weekdays")


def _valid_approvals(subject: str, ids, jurisdiction_ids, day, *,
                     with_offerings: bool = False) -> list[Approval]:
    """The approvals valid ``day`` in ``jurisdiction_ids`` of the subjects ``ids``, each
    with its subject (the fields a page shows, ``_SUBJECT_FIELDS``) and ``category_ids``
    (read in the same row from the category links), in no order. ``with_offerings``: each
    also carries ``offering_rows``, its organization's active offerings (``_offerings_sql``)
    read in the same row, instead of a query of their own.

    Written as SQL, made once per process (``_approvals_sql``), and its rows made into
    instances as ``raw()`` would (``instances``): the ORM spent about 0.9 ms of Python
    building this query for a page of 20, and ``raw()`` about 0.2 ms more matching its
    columns to the fields on every page."""
    model = Approval._meta.get_field(subject).related_model
    head, middle = _approvals_sql(engine(), subject, with_offerings)
    sql = f"{head}{placeholders(jurisdiction_ids)}{middle}{placeholders(ids)})"
    params = [Approval.Status.APPROVED.value, db_value(Approval, "valid_from", day),
              db_value(Approval, "valid_until", day), *jurisdiction_ids, *ids]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    names, subject_names = _approval_names(subject)
    width, extra = len(names), len(subject_names) - 1
    using = connection.alias
    approvals = instances(Approval, names, [row[:width] for row in rows], using=using)
    subjects = instances(model, subject_names, [row[width - 1:width + extra] for row in rows],
                         using=using)
    for approval, found, row in zip(approvals, subjects, rows, strict=True):
        attach(approval, subject, found)
        links = row[width + extra]
        approval.category_ids = [int(pk) for pk in links.split(",")] if links else []
        if with_offerings:
            approval.offering_rows = row[width + extra + 1]
    return approvals


@cache
def _approval_names(subject: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The attnames of ``_approvals_sql``'s first columns: the approval's fields (its
    subject's key last), then the subject's (its key first, the same column)."""
    model = Approval._meta.get_field(subject).related_model
    approval = tuple(Approval._meta.get_field(field).attname
                     for field in (*_APPROVAL_FIELDS, subject))
    return approval, ("id", *(model._meta.get_field(field).attname
                              for field in _SUBJECT_FIELDS[subject]))


@cache
def _approvals_sql(engine: str, subject: str, with_offerings: bool) -> tuple[str, str]:
    """``_valid_approvals``' statement, written once per process (per database ``engine``)
    in two parts: up to the jurisdictions' placeholders, and from them to the subjects'
    (each list's placeholders, then ``)``, go after its part). Its columns: the approval's
    fields (``_approval_names``), the subject's, the category ids, the offerings."""
    model = Approval._meta.get_field(subject).related_model
    fields = _SUBJECT_FIELDS[subject]
    columns = [f"a.{column(Approval, field)}" for field in (*_APPROVAL_FIELDS, subject)]
    # The subject's fields by a subquery each (a primary-key probe per row), not a join:
    # planning a join of the approvals to their subjects cost PostgreSQL 1.2–5 ms a page
    # (execution 0.3 ms), for it probes the end of the subject's foreign-key index to
    # cost a merge join, and that index ends with a million NULLs (the approvals of the
    # other kind of subject). The subqueries plan in 0.3 ms and run in as long as the join.
    columns += [f"(SELECT s.{column(model, field)} FROM {table(model)} s"  # noqa: S608
                f" WHERE s.{column(model, 'id')} = a.{column(Approval, subject)})"
                for field in fields]
    # the approval's categories as "id,id,…" in the same row: one query fewer per page
    links = Approval.categories.through
    joined = ("string_agg(CAST(ac.{0} AS text), ',')" if connection.vendor == "postgresql"
              else "group_concat(ac.{0}, ',')").format(column(links, "servicecategory"))
    columns.append(f"(SELECT {joined} FROM {table(links)} ac"  # noqa: S608 (names only)
                   f" WHERE ac.{column(links, 'approval')} = a.{column(Approval, 'id')})")
    if with_offerings:
        columns.append(f"({_offerings_sql(f'a.{column(Approval, subject)}')})")
    head = (f"SELECT {', '.join(columns)} FROM {table(Approval)} a"  # noqa: S608 (names)
            f" WHERE a.{column(Approval, 'status')} = %s"
            f" AND a.{column(Approval, 'valid_from')} <= %s"
            f" AND a.{column(Approval, 'valid_until')} >= %s"
            f" AND a.{column(Approval, 'jurisdiction')} IN (")
    return head, f") AND a.{column(Approval, subject)} IN ("


def _offerings_sql(organization: str) -> str:
    """A subquery: the active offerings of the organization ``organization`` (a column of
    the outer query) as one JSON text, an array of ``_OFFERING_FIELDS`` arrays (NULL or
    ``[]`` when it has none). Read with each approval of a page (``_valid_approvals``): a
    query fewer per search than reading them apart; ``_active_offerings`` turns it into
    offerings."""
    def of(field: str) -> str:
        return f"o.{column(Offering, field)}"

    values = ", ".join(of(field) for field in _OFFERING_FIELDS)
    # as text, so that the fees are read as decimals, not as floats
    aggregate = (f"CAST(json_agg(json_build_array({values})) AS text)"
                 if connection.vendor == "postgresql" else
                 f"json_group_array(json_array({values}))")
    return (f"SELECT {aggregate} FROM {table(Offering)} o"  # noqa: S608 (names only)
            f" WHERE {of('organization')} = {organization} AND {of('is_active')}")


def _active_offerings(rows: str | None) -> list[Offering]:
    """The offerings of ``_offerings_sql``'s JSON, each with the fields a page shows
    (converted as their fields do), in the model's order (title; then id)."""
    if not rows:
        return []
    names = [Offering._meta.get_field(field).attname for field in _OFFERING_FIELDS]
    fee = _OFFERING_FIELDS.index("fee_per_session")
    places = Decimal(1).scaleb(-Offering._meta.get_field("fee_per_session").decimal_places)
    using, make, offerings = connection.alias, maker(Offering), []
    for values in json.loads(rows, parse_float=Decimal):
        values[fee] = Decimal(values[fee]).quantize(places)
        offerings.append(make(using, names, values))
    offerings.sort(key=lambda offering: (offering.title, offering.pk))
    return offerings


def _load(subject: str, ids, *, lineage, day, categories, with_offerings: bool = False) -> dict:
    """The subjects ``ids`` (a page), each with ``valid_approvals``: its approvals valid
    ``day`` in the school's ``lineage`` (its county, city, province), newest first, each
    with ``category_list``. Read through those approvals, with the subject joined, so a
    subject whose approvals lapsed since it was ranked is not there.

    One query. An approval's jurisdiction is one of the lineage's, already loaded, and
    its categories come from ``categories`` through the link table's ids (read with the
    approval): no join to either, and no prefetch machinery (which cost more Python than
    the page's queries).
    An organization's county comes from registry.reference."""
    jurisdictions = {jurisdiction.pk: jurisdiction for jurisdiction in lineage}
    approvals = _valid_approvals(subject, ids, list(jurisdictions), day,
                                 with_offerings=with_offerings)
    approvals.sort(key=lambda approval: (approval.created_at, approval.pk), reverse=True)
    _with_categories(categories, {pk for approval in approvals for pk in approval.category_ids})
    rank = {pk: position for position, pk in enumerate(categories)}  # display order
    found: dict = {}
    for approval in approvals:
        attach(approval, "jurisdiction", jurisdictions[approval.jurisdiction_id])
        approval.category_list = sorted((categories[pk] for pk in approval.category_ids),
                                        key=lambda c: rank[c.pk])
        item = found.setdefault(getattr(approval, f"{subject}_id"), getattr(approval, subject))
        item.__dict__.setdefault("valid_approvals", []).append(approval)
        if with_offerings and "active_offerings" not in item.__dict__:
            # (the same for each of its approvals: read from the first)
            item.active_offerings = _active_offerings(approval.offering_rows)
    if subject == "organization":
        for item in found.values():
            county = reference.jurisdiction(item.county_id)
            if county is not None:
                attach(item, "county", county)
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
    lineage = school.county.lineage()
    jurisdiction_ids = [jurisdiction.pk for jurisdiction in lineage]
    categories = _categories()
    category_ids = _category_ids(category, categories) if category is not None else None
    offerings = None
    if weekday is not None or max_fee is not None or grade is not None:
        offerings = OfferingFilter(category_ids=category_ids, weekday=weekday,
                                   max_fee=max_fee, grade=grade)
    ranking = _Ranking(_candidates(
        subject="organization", keyword=keyword, jurisdiction_ids=jurisdiction_ids,
        category_ids=category_ids, day=day, offerings=offerings,
        # the county as its document records it (search_index_refresh): asked of the
        # n-gram index with the keyword, not of each candidate's organization
        county_id=county.pk if county else None))

    def load(ids):
        # the approvals, their organizations and those's active offerings: one query
        found = _load("organization", ids, lineage=lineage, day=day, categories=categories,
                      with_offerings=True)
        if not found:
            return found
        # The references in force in the school's lineage (what the page shows: from the
        # process's snapshot, registry.reference); each offering then gets its category's
        # (else its parent category's) in Python.
        fees = FeeReferences(jurisdiction=school.county, on=day,
                             rows=reference.fee_references().in_force(jurisdiction_ids, day))
        active = [offering for item in found.values() for offering in item.active_offerings]
        _with_categories(categories, {offering.category_id for offering in active})
        for item in found.values():
            # only what its approvals cover (approval_covers): an offering added since in
            # a category nobody vetted, or in a high-risk sub-item its approval does not
            # name, cannot be engaged and is not offered to the school
            covered = {pk for approval in item.valid_approvals for pk in approval.category_ids}
            item.active_offerings = [
                offering for offering in item.active_offerings
                if offering.category_id in covered
                or covering_parent_id(categories[offering.category_id]) in covered]
        active = [offering for item in found.values() for offering in item.active_offerings]
        for offering in active:
            attach(offering, "category", categories[offering.category_id])
            fee = fees.for_category(offering.category)
            offering.fee_reference = fee.reference_fee if fee else None
            offering.fee_cap = fee.cap if fee else None
        return found

    return SearchResults(ranking, load)


def approved_people_search(
    *,
    school: School,
    keyword: str = "",
    category: ServiceCategory | None = None,
    kind: str | None = None,
    grade: int | None = None,
    on: datetime.date | None = None,
) -> SearchResults:
    """Individuals (retirees, students, professionals, volunteers) approved for the
    school's county, city or province today; same rules and order as organizations.
    With ``grade``, only those whose approval (for ``category``, when given) covers that
    grade. Results never need the ID number: serializers must not show it."""
    day = on or timezone.localdate()
    lineage = school.county.lineage()
    jurisdiction_ids = [jurisdiction.pk for jurisdiction in lineage]
    categories = _categories()
    category_ids = _category_ids(category, categories) if category is not None else None
    ranking = _Ranking(_candidates(
        subject="person", keyword=keyword, jurisdiction_ids=jurisdiction_ids,
        category_ids=category_ids, day=day, kind=kind or None, grade=grade))

    def load(ids):
        return _load("person", ids, lineage=lineage, day=day, categories=categories)

    return SearchResults(ranking, load)
