"""Term-end evaluations (考核) on the rubric: a school rates each engagement; a provider
whose satisfaction falls under the threshold gets a review case of its own."""

from __future__ import annotations

from decimal import ROUND_HALF_UP

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Avg
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.formatting import local_date_lazy
from registry.models import (
    EVALUATION_RUBRIC,
    RUBRIC_TOP_SCORE,
    Bureau,
    Engagement,
    Evaluation,
    Organization,
    Person,
    ReviewRequest,
    SchoolTerm,
    rubric_percent,
)
from registry.selectors.engagements import awaits_rating, term_evaluations
from registry.services.core import audit_record
from registry.services.engagements import _require_school
from registry.services.review_hooks import review_case_request
from registry.services.review_requests import review_request_open


def satisfaction_share(*, term: SchoolTerm, organization: Organization | None = None,
                       person: Person | None = None) -> float | None:
    """A provider's satisfaction in one school term, as a share (0–1): the mean of its
    ratings' percent on the rubric in that term, at every school
    (:func:`registry.selectors.term_evaluations`; a rating given before the rubric, one
    overall score 1–5, counts as its share of 5). None when nothing was rated. A bad
    term long past does not weigh on this one."""
    average = term_evaluations(term=term, organization=organization, person=person
                               ).aggregate(avg=Avg("percent"))["avg"]
    return None if average is None else float(average) / 100


def rubric_scores_clean(scores) -> dict[str, int]:
    """``scores`` checked against the rubric: every item, each a whole number 1–5, and
    nothing else. A ValidationError names the items that are wrong."""
    if not isinstance(scores, dict):
        raise ValidationError({"scores": _("Score every item of the rubric.")})
    errors, clean = {}, {}
    unknown = sorted(set(map(str, scores)) - {item.key for item in EVALUATION_RUBRIC})
    if unknown:
        errors["scores"] = ValidationError(
            _("Not an item of the rubric: %(items)s."), code="unknown_item",
            params={"items": ", ".join(unknown)})
    for item in EVALUATION_RUBRIC:
        value = scores.get(item.key)
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = None
        if number is None or str(number) != str(value).strip() or not (
                1 <= number <= RUBRIC_TOP_SCORE):
            errors[f"score_{item.key}"] = ValidationError(
                _("%(item)s: give a score from 1 to %(top)d."), code="score",
                params={"item": item.label, "top": RUBRIC_TOP_SCORE})
        else:
            clean[item.key] = number
    if errors:
        raise ValidationError(errors)
    return clean


@transaction.atomic
def engagement_evaluate(*, actor, engagement: Engagement, scores: dict,
                        comments: str = "") -> Evaluation:
    """The school's rating of an engagement once it has ended (at the latest, when its
    term ends): a score 1–5 for each item of the rubric (``scores``), from which the
    satisfaction is computed. Once per engagement; not a terminated engagement, nor a
    suspended one until it is restored (``registry.selectors.awaiting_rating``). If the
    provider's satisfaction in the engagement's school term (:func:`satisfaction_share`)
    falls below ``REGISTRY_SATISFACTION_THRESHOLD``, a review case is opened for the bureau
    whose approval the engagement relied on, or the rating is added to the one open about
    the provider there (a review request where no workflow is installed). The one overall
    score 1–5 given before the rubric is no longer taken; ratings stored with it stay
    readable."""
    _require_school(actor, engagement.school)
    # the rule the school's task follows (``awaiting_rating``): what it is not asked to
    # rate, it may not rate
    if engagement.status == Engagement.Status.TERMINATED:
        raise ValidationError(_("A terminated engagement is not rated."), code="terminated")
    if engagement.status == Engagement.Status.SUSPENDED:
        raise ValidationError(_("A suspended engagement is rated once it is restored."),
                              code="suspended")
    if not awaits_rating(engagement, timezone.localdate()):
        raise ValidationError(
            _("An engagement is rated at its end (%(end)s)."),
            code="too_early", params={"end": local_date_lazy(engagement.ends_on)},
        )
    scores = rubric_scores_clean(scores)
    percent = rubric_percent(scores)
    # the overall 1–5 the rubric gives, for the lists that show one number
    satisfaction = max(1, min(RUBRIC_TOP_SCORE, int(
        (percent * RUBRIC_TOP_SCORE / 100).to_integral_value(rounding=ROUND_HALF_UP))))
    # one rating per engagement, also when two people of the school rate it at once
    Engagement.objects.select_for_update(of=("self",)).get(pk=engagement.pk)
    if Evaluation.objects.filter(engagement=engagement).exists():
        raise ValidationError(_("This engagement has already been rated."), code="rated")
    evaluation = Evaluation.objects.create(engagement=engagement, satisfaction=satisfaction,
                                           scores=scores, percent=percent,
                                           comments=(comments or "").strip(), created_by=actor)
    audit_record(actor=actor, action="engagement.evaluate", target=engagement,
                 data={"satisfaction": satisfaction, "percent": str(percent),
                       "scores": scores, "term": engagement.term_id})
    share = satisfaction_share(term=engagement.term, organization=engagement.organization,
                               person=engagement.person)
    threshold = float(settings.REGISTRY_SATISFACTION_THRESHOLD)
    if share is not None and share < threshold:
        bureau = Bureau.objects.filter(jurisdiction_id=engagement.approval.jurisdiction_id).first()
        # the case says why: whose rating, of which term, the figure against the threshold
        details = {"satisfaction_share": round(share, 4), "threshold": threshold,
                   "evaluation": evaluation.pk, "term": engagement.term_id,
                   "school": engagement.school_id, "percent": str(percent)}
        if bureau is not None and review_case_request(
                actor=actor, bureau=bureau, trigger="low_satisfaction",
                organization=engagement.organization, person=engagement.person,
                details=details) is None:
            review_request_open(
                actor=actor, bureau=bureau, organization=engagement.organization,
                person=engagement.person, trigger=ReviewRequest.Trigger.LOW_SATISFACTION,
                details={"satisfaction_share": round(share, 4), "threshold": threshold,
                         "term": engagement.term_id},
            )
    return evaluation


__all__ = ["engagement_evaluate", "rubric_scores_clean", "satisfaction_share"]
