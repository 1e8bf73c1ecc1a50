"""The experts' scores on the rubric, and the panel's weighted mean."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows.models import (
    ExpertAssignment,
    ExpertScore,
    RubricCriterion,
    SelectionProcess,
)
from workflows.services._base import audit
from workflows.services.errors import CaseStateError


def expert_score(*, actor, assignment: ExpertAssignment, scores: dict,
                 comment: str = "") -> ExpertAssignment:
    """Score every active rubric criterion within its range; computes the weighted total."""
    if assignment.expert_id != actor.pk:
        raise PermissionDenied
    if assignment.status != ExpertAssignment.Status.DRAWN:
        raise CaseStateError(_("This review has already been handled."))
    criteria = list(RubricCriterion.objects.filter(is_active=True))
    errors = {}
    values = {}
    for criterion in criteria:
        raw = scores.get(criterion.code)
        try:
            value = int(raw)
        except (TypeError, ValueError):
            errors[criterion.code] = _("Give a whole-number score.")
            continue
        if not 0 <= value <= criterion.max_score:
            errors[criterion.code] = _("Scores run from 0 to %(max)d.") % {
                "max": criterion.max_score}
            continue
        values[criterion] = value
    unknown = set(scores) - {c.code for c in criteria}
    if unknown:
        errors["scores"] = _("Unknown criteria: %(codes)s.") % {"codes": ", ".join(
            sorted(unknown))}
    if errors:
        raise ValidationError(errors)
    ExpertScore.objects.bulk_create([ExpertScore(assignment=assignment, criterion=c, score=v)
                                     for c, v in values.items()])
    weight_sum = sum(c.weight for c in values)
    total = sum(Decimal(v) / c.max_score * 100 * c.weight for c, v in values.items())
    assignment.total = (total / weight_sum).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assignment.status = ExpertAssignment.Status.SCORED
    assignment.comment = comment
    assignment.finished_at = timezone.now()
    assignment.save(update_fields=["total", "status", "comment", "finished_at"])
    audit(actor, "case.expert_scored", assignment.case,
          data={"seat": assignment.slot, "total": str(assignment.total)})
    return assignment


def scores_summarize(*, case: SelectionProcess) -> None:
    """Weighted mean of the panel; flag a spread above the threshold."""
    totals = list(case.assignments.filter(status=ExpertAssignment.Status.SCORED)
                  .values_list("total", flat=True))
    if not totals:
        return
    case.weighted_score = (sum(totals) / len(totals)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    case.score_spread_flagged = (max(totals) - min(totals)) > \
        settings.WORKFLOW_SCORE_SPREAD_THRESHOLD
    case.save(update_fields=["weighted_score", "score_spread_flagged"])
    audit(None, "case.scores_summarized", case,
          data={"mean": str(case.weighted_score), "spread_flagged":
                case.score_spread_flagged})
