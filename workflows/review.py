"""Writes of the review steps added by issue 19 (a new module while ``services.py`` is being
split): the expert's explicit answer to the conflict question before scoring."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry import services as registry_services
from workflows.models import ExpertAssignment
from workflows.services import CaseStateError


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
        registry_services.audit_record(actor=actor, action="case.expert_no_conflict",
                                       target=assignment.case,
                                       data={"seat": assignment.slot})
    return assignment
