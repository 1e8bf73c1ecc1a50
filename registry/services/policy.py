"""Policy screening of offerings: the first pass a bureau used to do by hand.

- Category check: an offering must name a category allowed in the target jurisdiction
  (refused outright otherwise).
- Academic-subject signals: words in the title or description that suggest subject
  tutoring flag the offering for the clerk; they never reject it by themselves.
- Fee check: a fee above the cap in force flags the offering for the clerk.

Flags are recorded on the selection case by ``workflows.services.selection_apply``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from registry.models import Engagement, Jurisdiction, Offering, ServiceCategory
from registry.selectors.policy import (
    FeeReferences,
    academic_signals,
    category_allowed,
    signal_matches,
)
from registry.services.core import audit_record, require_perm


@dataclass
class Flag:
    """Something the clerk must look at before an offering passes the qualification check."""

    ACADEMIC_SIGNAL = "academic_signal"
    FEE_ABOVE_CAP = "fee_above_cap"

    kind: str
    offering: Offering
    matched_words: list[str] = field(default_factory=list)
    detail: dict = field(default_factory=dict)


def offering_screen(*, offering: Offering, jurisdiction: Jurisdiction,
                    on: datetime.date | None = None, signals=None,
                    fees: FeeReferences | None = None) -> list[Flag]:
    """Screen one offering against the rules in force in ``jurisdiction``.

    Returns at most one ``academic_signal`` flag (with every matched word and its
    explanation) and at most one ``fee_above_cap`` flag (with fee, reference and cap).
    A clean offering returns ``[]``. ``signals`` and ``fees`` may be passed in when
    screening several offerings, to read the rules once.
    """
    flags: list[Flag] = []
    signals = list(academic_signals()) if signals is None else signals
    text = f"{offering.title}\n{offering.description}"
    matched = signal_matches(text, signals)
    if matched:
        flags.append(Flag(
            kind=Flag.ACADEMIC_SIGNAL, offering=offering,
            matched_words=[s.word for s in matched],
            detail={"signals": [{"word": s.word, "explanation": s.explanation,
                                 "explanation_en": s.explanation_en} for s in matched]},
        ))
    fees = fees or FeeReferences(jurisdiction=jurisdiction, on=on)
    reference = fees.for_category(offering.category)
    if reference is not None and offering.fee_per_session > reference.cap:
        flags.append(Flag(
            kind=Flag.FEE_ABOVE_CAP, offering=offering,
            detail={"fee": str(Decimal(offering.fee_per_session).quantize(Decimal("0.01"))),
                    **reference.as_dict()},
        ))
    return flags


def offerings_screen(*, offerings, jurisdiction: Jurisdiction,
                     on: datetime.date | None = None) -> list[Flag]:
    """``offering_screen`` for several offerings, reading the rules once."""
    signals = list(academic_signals())
    fees = FeeReferences(jurisdiction=jurisdiction, on=on)
    flags: list[Flag] = []
    for offering in offerings:
        flags.extend(offering_screen(offering=offering, jurisdiction=jurisdiction,
                                     signals=signals, fees=fees))
    return flags


def offerings_require_allowed(*, offerings, jurisdiction: Jurisdiction) -> None:
    """Refuse (ValidationError on ``offerings``) any offering whose category is unknown,
    retired, or not on the list of allowed categories in force in ``jurisdiction``."""
    problems = []
    offerings = list(offerings)
    # Read the categories afresh: one retired since the offering was loaded counts.
    categories = ServiceCategory.objects.in_bulk({o.category_id for o in offerings})
    for offering in offerings:
        category = categories[offering.category_id]
        if not category.is_active:
            problems.append(_("“%(title)s”: the category %(category)s is no longer in use.")
                            % {"title": offering.title, "category": category.name})
        elif not category_allowed(category=category, jurisdiction=jurisdiction):
            problems.append(_("“%(title)s”: the category %(category)s is not an allowed "
                              "non-academic category in %(jurisdiction)s.")
                            % {"title": offering.title, "category": category.name,
                               "jurisdiction": jurisdiction.name})
    if problems:
        raise ValidationError({"offerings": problems})


def offering_terms_validate(*, fee_per_session, capacity, free_places_per_term) -> dict:
    """Check the numbers of an offering; returns them normalised or raises
    ValidationError naming each bad field (negative fee, negative free places, free
    places above the capacity)."""
    errors = {}
    try:
        fee = Decimal(str(fee_per_session))
    except (InvalidOperation, ValueError, TypeError):
        fee = None
        errors["fee_per_session"] = _("Give the fee as a number of yuan.")
    if fee is not None and (not fee.is_finite() or fee < 0):
        errors["fee_per_session"] = _("The fee cannot be negative.")
    try:
        places = int(free_places_per_term)
    except (ValueError, TypeError):
        places = None
        errors["free_places_per_term"] = _("Give the free places as a whole number.")
    if places is not None and places < 0:
        errors["free_places_per_term"] = _("The number of free places cannot be negative.")
    try:
        capacity = int(capacity)
    except (ValueError, TypeError):
        capacity = None
    if places is not None and capacity is not None and places > capacity:
        errors["free_places_per_term"] = _(
            "The free places (%(places)d) cannot exceed the capacity (%(capacity)d)."
        ) % {"places": places, "capacity": capacity}
    if errors:
        raise ValidationError(errors)
    return {"fee_per_session": fee, "capacity": capacity, "free_places_per_term": places}


@transaction.atomic
def engagement_free_places_record(*, actor, engagement: Engagement, used: int) -> Engagement:
    """A school records how many free places (免费名额) it used under an engagement.

    Refused if negative or above the places the engaged offering gives per term.
    """
    require_perm(actor, "registry.act_for_school", engagement.school,
                 _("You do not act for this school."))
    try:
        used = int(used)
    except (TypeError, ValueError):
        raise ValidationError(
            {"free_places_used": _("Give the free places as a whole number.")}) from None
    if used < 0:
        raise ValidationError(
            {"free_places_used": _("The number of free places cannot be negative.")})
    locked = (Engagement.objects.select_for_update(of=("self",)).select_related("offering")
              .get(pk=engagement.pk))
    offered = locked.offering.free_places_per_term if locked.offering_id else 0
    if used > offered:
        raise ValidationError({"free_places_used": _(
            "The offering gives %(offered)d free places per term; %(used)d cannot be used."
        ) % {"offered": offered, "used": used}})
    previous = locked.free_places_used
    locked.free_places_used = used
    locked.save(update_fields=["free_places_used"])
    audit_record(actor=actor, action="engagement.free_places", target=locked,
                 from_state=str(previous), to_state=str(used))
    engagement.free_places_used = used
    return locked


__all__ = [
    "Flag",
    "engagement_free_places_record",
    "offering_screen",
    "offering_terms_validate",
    "offerings_require_allowed",
    "offerings_screen",
]
