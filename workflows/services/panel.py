"""The expert panel: drawn at random from the bureau's pool, with recusal on a declared
conflict of interest (a replacement takes the seat)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from workflows import recipients
from workflows.models import (
    ExpertAssignment,
    SelectionProcess,
)
from workflows.services._base import audit, require_text
from workflows.services.errors import CaseStateError
from workflows.services.notifications import notify


def _eligible_experts_queryset(case: SelectionProcess):
    """The bureau's active experts who may sit on this case's panel: not already drawn for
    it, not its clerk or applicant, not a provider user of the organization."""
    barred = {case.checked_by_id, case.applicant_id} - {None}
    return (recipients.staff_queryset(case.bureau, "expert_bureau").exclude(pk__in=barred)
            .exclude(pk__in=case.assignments.values("expert_id"))
            .exclude(pk__in=recipients.providers_queryset(case.organization).values("pk")))


def _eligible_experts(case: SelectionProcess) -> list:
    return list(_eligible_experts_queryset(case))


def _refuse_small_pool(available: int) -> None:
    size = settings.WORKFLOW_EXPERT_PANEL_SIZE
    if available < size:
        raise CaseStateError(_("The bureau's expert pool has %(n)d eligible experts; "
                               "%(size)d are needed.") % {"n": available, "size": size})


def expert_pool_check(case: SelectionProcess) -> None:
    """The pool check of the draw, counted in one query (for the clerk's check, before the
    draw runs in the background)."""
    _refuse_small_pool(_eligible_experts_queryset(case).count())


def _require_expert_pool(case: SelectionProcess) -> list:
    pool = _eligible_experts(case)
    _refuse_small_pool(len(pool))
    return pool


@transaction.atomic
def experts_draw(*, case: SelectionProcess) -> list[ExpertAssignment]:
    """Draw the panel at random from the bureau's expert pool (excluding the clerk)."""
    size = settings.WORKFLOW_EXPERT_PANEL_SIZE
    pool = _require_expert_pool(case)
    chosen = secrets.SystemRandom().sample(pool, size)
    assignments = ExpertAssignment.objects.bulk_create(
        [ExpertAssignment(case=case, expert=e, slot=i) for i, e in enumerate(chosen, 1)])
    audit(None, "case.experts_drawn", case, data={"experts": [e.get_username()
                                                              for e in chosen]})
    notify(users=chosen, subject=gettext("You were drawn to review application #%(pk)s")
           % {"pk": case.pk},
           body=gettext("Declare any conflict of interest first, then score the application."),
           case=case, about=case.bureau)
    return assignments


def assignment_for_task(task) -> ExpertAssignment:
    return ExpertAssignment.objects.select_related("case", "expert").get(
        pk=task.data["assignment"])


@transaction.atomic
def expert_declare_conflict(*, actor, assignment: ExpertAssignment, note: str,
                            task=None) -> ExpertAssignment:
    """The expert declares a conflict: recused, and a replacement takes the seat."""
    if assignment.expert_id != actor.pk:
        raise PermissionDenied
    if assignment.status != ExpertAssignment.Status.DRAWN:
        raise CaseStateError(_("This review has already been handled."))
    note = require_text(note, "conflict_note", _("Describe the conflict of interest."))
    case = assignment.case
    pool = _eligible_experts(case)
    if not pool:
        raise CaseStateError(_("No other expert is available to replace you; ask the bureau "
                               "administrator to add one to the pool, then declare again."))
    assignment.status = ExpertAssignment.Status.RECUSED
    assignment.conflict_note = note
    assignment.finished_at = timezone.now()
    assignment.save(update_fields=["status", "conflict_note", "finished_at"])
    replacement = ExpertAssignment.objects.create(
        case=case, expert=secrets.SystemRandom().choice(pool), slot=assignment.slot)
    if task is not None:
        task.owner = replacement.expert
        task.data = {**task.data, "assignment": replacement.pk}
        task.save(update_fields=["owner", "data"])
    audit(actor, "case.expert_recused", case, reason=note,
          data={"expert": actor.get_username(), "replacement":
                replacement.expert.get_username(), "seat": assignment.slot})
    notify(users=[replacement.expert],
           subject=gettext("You were drawn to review application #%(pk)s") % {"pk": case.pk},
           body=gettext("Declare any conflict of interest first, then score the application."),
           case=case, about=case.bureau)
    return replacement


@transaction.atomic
def expert_declare_no_conflict(*, actor, assignment: ExpertAssignment) -> ExpertAssignment:
    """The expert answers “no conflict of interest” explicitly; only then is the scoring
    form shown. Answering again changes nothing."""
    if assignment.expert_id != actor.pk:
        raise PermissionDenied
    if assignment.status != ExpertAssignment.Status.DRAWN:
        raise CaseStateError(_("This review has already been handled."))
    if assignment.no_conflict_at is None:
        assignment.no_conflict_at = timezone.now()
        assignment.save(update_fields=["no_conflict_at"])
        audit(actor, "case.expert_no_conflict", assignment.case,
              data={"seat": assignment.slot})
    return assignment
