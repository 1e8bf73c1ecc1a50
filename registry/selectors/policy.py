"""Reads of the policy rules: allowed categories (inherited down the jurisdiction tree),
academic-subject signals, fee references in force, and hardship-place totals."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Case,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from registry.models import (
    AcademicSignal,
    AllowedCategory,
    Engagement,
    FeeReference,
    Jurisdiction,
    ServiceCategory,
)

# --- allowed categories ------------------------------------------------------------


def allowed_categories_source(*, jurisdiction: Jurisdiction) -> Jurisdiction | None:
    """The jurisdiction whose list is in force for ``jurisdiction``: its own if it keeps
    one, else the nearest ancestor's; ``None`` when nobody up the tree keeps a list."""
    lineage = jurisdiction.lineage()
    holders = set(AllowedCategory.objects.filter(
        jurisdiction_id__in=[j.pk for j in lineage]).values_list("jurisdiction_id", flat=True))
    return next((j for j in lineage if j.pk in holders), None)


def allowed_categories_for(*, jurisdiction: Jurisdiction) -> QuerySet:
    """The active categories allowed in ``jurisdiction`` (sub-items of an allowed
    category included), from its own list or the nearest ancestor's."""
    source = allowed_categories_source(jurisdiction=jurisdiction)
    if source is None:
        return ServiceCategory.objects.none()
    listed = AllowedCategory.objects.filter(jurisdiction=source).values("category_id")
    return (ServiceCategory.objects.filter(is_active=True)
            .filter(Q(pk__in=listed) | Q(parent_id__in=listed))
            .select_related("parent"))


def category_allowed(*, category: ServiceCategory, jurisdiction: Jurisdiction) -> bool:
    """Whether an offering in ``category`` may be selected in ``jurisdiction``."""
    if not category.is_active:
        return False
    return allowed_categories_for(jurisdiction=jurisdiction).filter(pk=category.pk).exists()


# --- academic-subject signals -------------------------------------------------------

def academic_signals(*, active_only: bool = True) -> QuerySet:
    """The academic-subject signals, in the order of their words."""
    signals = AcademicSignal.objects.all()
    if active_only:
        signals = signals.filter(is_active=True)
    return signals.order_by("word")


def signal_matches(text: str, signals: Iterable[AcademicSignal]) -> list[AcademicSignal]:
    """The signals whose word occurs in ``text`` (case-insensitively), in word order."""
    folded = (text or "").casefold()
    return [s for s in signals if s.word and s.word.casefold() in folded]


def highlight_words(text: str, words: Iterable[str]) -> SafeString:
    """``text`` escaped for HTML, each occurrence of ``words`` wrapped in ``<mark>``."""
    words = sorted({w for w in words if w}, key=len, reverse=True)
    if not words:
        return escape(text or "")
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    pieces, last = [], 0
    for match in pattern.finditer(text or ""):
        pieces.append(escape(text[last:match.start()]))
        pieces.append(f"<mark>{escape(match.group(0))}</mark>")
        last = match.end()
    pieces.append(escape((text or "")[last:]))
    return mark_safe("".join(pieces))  # noqa: S308 - every piece above is escaped


# --- fee references -----------------------------------------------------------------

@dataclass(frozen=True)
class FeeInForce:
    """The fee reference that applies to one category in one jurisdiction on one day."""

    reference_fee: Decimal
    cap: Decimal
    effective_from: datetime.date
    jurisdiction: str
    category: str
    source: str

    def as_dict(self) -> dict:
        return {"reference_fee": str(self.reference_fee), "cap": str(self.cap),
                "effective_from": self.effective_from.isoformat(),
                "jurisdiction": self.jurisdiction, "category": self.category,
                "source": self.source}


class FeeReferences:
    """Every fee reference in force in one jurisdiction on one day, read in one query
    (or taken from ``rows``: registry.reference's snapshot, for school search);
    ``for_category`` then answers without touching the database."""

    # what each row holds, in this order (plain rows: instances of the reference, its
    # jurisdiction and its category cost more than the query)
    ROW = ("jurisdiction_id", "category_id", "reference_fee", "cap", "effective_from",
           "jurisdiction__name", "category__code", "source")

    def __init__(self, *, jurisdiction: Jurisdiction, on: datetime.date | None = None,
                 rows=None):
        self.day = on or timezone.localdate()
        self.lineage = jurisdiction.lineage()
        latest: dict[tuple[int, int], FeeInForce] = {}
        if rows is None:
            rows = (FeeReference.objects
                    .filter(jurisdiction_id__in=[j.pk for j in self.lineage],
                            effective_from__lte=self.day)
                    .order_by("effective_from", "pk").values_list(*self.ROW))
        for (jurisdiction_id, category_id, reference_fee, cap, effective_from,
             jurisdiction_name, category_code, source) in rows:
            # ascending: the latest one per (jurisdiction, category) stays
            latest[(jurisdiction_id, category_id)] = FeeInForce(
                reference_fee=reference_fee, cap=cap, effective_from=effective_from,
                jurisdiction=jurisdiction_name, category=category_code, source=source)
        self._latest = latest

    def for_category(self, category: ServiceCategory) -> FeeInForce | None:
        """The nearest jurisdiction's reference for the category, else for its parent
        category; ``None`` when none is in force."""
        categories = [category.pk] + ([category.parent_id] if category.parent_id else [])
        for jurisdiction in self.lineage:
            for category_id in categories:
                found = self._latest.get((jurisdiction.pk, category_id))
                if found is not None:
                    return found
        return None


def fee_reference_annotations(*, lineage_ids: list[int], on: datetime.date | None = None,
                              prefix: str = "") -> dict:
    """Annotations for an Offering queryset: ``fee_reference`` and ``fee_cap`` in force
    for the offering's category (else its parent category) in the nearest jurisdiction
    of ``lineage_ids`` (nearest first) that has one — the rule ``FeeReferences`` applies
    in Python, done in SQL, for a queryset that must filter or order by the fee.

    School search no longer uses it (nothing in the app does today): building these two
    correlated subqueries cost 5.8 ms of Python per request, more than the page's
    queries, so the search page applies ``FeeReferences`` to its 20 results instead. Kept,
    with its test that it agrees with ``FeeReferences``, for the next SQL-side need."""
    day = on or timezone.localdate()
    nearness = Case(*[When(jurisdiction_id=pk, then=Value(rank))
                      for rank, pk in enumerate(lineage_ids)],
                    default=Value(len(lineage_ids)), output_field=IntegerField())
    # Candidates are the offering's category and its parent; categories nest two deep,
    # so the one with a parent is the offering's own sub-item, preferred to the parent.
    # (SQLite cannot order a subquery by an outer column, hence no OuterRef here.)
    own_category = Case(When(category__parent__isnull=False, then=Value(0)),
                        default=Value(1), output_field=IntegerField())
    in_force = (FeeReference.objects
                .filter(jurisdiction_id__in=lineage_ids, effective_from__lte=day)
                .filter(Q(category_id=OuterRef(f"{prefix}category_id"))
                        | Q(category_id=OuterRef(f"{prefix}category__parent_id")))
                .annotate(nearness=nearness, own_category=own_category)
                .order_by("nearness", "own_category", "-effective_from", "-pk"))
    return {"fee_reference": Subquery(in_force.values("reference_fee")[:1]),
            "fee_cap": Subquery(in_force.values("cap")[:1])}


def fee_reference_for(*, category: ServiceCategory, jurisdiction: Jurisdiction,
                      on: datetime.date | None = None) -> FeeInForce | None:
    """The fee reference in force for ``category`` in ``jurisdiction`` on ``on``."""
    return FeeReferences(jurisdiction=jurisdiction, on=on).for_category(category)


def fee_references_in_force(*, jurisdiction: Jurisdiction,
                            on: datetime.date | None = None) -> list[dict]:
    """One row per category that has a reference in force in ``jurisdiction``."""
    references = FeeReferences(jurisdiction=jurisdiction, on=on)
    rows = []
    for category in ServiceCategory.objects.filter(is_active=True).select_related("parent"):
        found = references.for_category(category)
        if found is not None:
            rows.append({"category_code": category.code, "category_name": category.name,
                         **found.as_dict()})
    return rows


# --- hardship places (免费名额) -------------------------------------------------------

def hardship_places_totals(*, jurisdiction_ids) -> dict:
    """Free places for students in hardship, per school and per organization, over the
    engagements of schools in (or below) the given jurisdictions.

    ``offered`` sums the engaged offerings' places per term, ``used`` the places the
    schools recorded. Returns ``{"schools": [...], "providers": [...], "offered": n,
    "used": n, "total": {"offered", "used"}}``, each row ``{"id", "name", "offered",
    "used"}``, largest use first.
    """
    match = Q(pk__in=[])
    for jurisdiction_id in jurisdiction_ids:
        match |= Jurisdiction.subtree_q(jurisdiction_id, prefix="school__county__")
    engagements = Engagement.objects.filter(match)
    sums = {"offered": Sum("offering__free_places_per_term", default=0),
            "used": Sum("free_places_used", default=0)}

    def rows(id_field: str, name_field: str, queryset) -> list[dict]:
        grouped = (queryset.values(id_field, name_field).annotate(**sums)
                   .order_by("-used", name_field, id_field))
        return [{"id": r[id_field], "name": r[name_field], "offered": int(r["offered"] or 0),
                 "used": int(r["used"] or 0)} for r in grouped]

    schools = rows("school_id", "school__name", engagements)
    providers = rows("organization_id", "organization__name",
                     engagements.filter(organization__isnull=False))
    total = engagements.aggregate(**sums)
    offered, used = int(total["offered"] or 0), int(total["used"] or 0)
    return {"schools": schools, "providers": providers, "offered": offered, "used": used,
            "total": {"offered": offered, "used": used}}
