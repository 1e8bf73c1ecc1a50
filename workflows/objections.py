"""Objections handled while the public notice runs (公示期间处理异议): the clerk
acknowledges, investigates and records a finding; an upheld objection may stop the notice
at once; the decision at the end uses the findings (``services.notice_outcome`` and the
rejection's reason). A new module while ``services.py`` is being split (issue 24)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from registry import services as registry_services
from workflows import services
from workflows.models import Objection

STEPS = ("acknowledge", "investigate", "uphold", "dismiss")


@transaction.atomic
def objection_progress(*, actor, objection: Objection, step: str, finding: str = "",
                       applicant_note: str = "", stop_notice: bool = False) -> Objection:
    """One step of the clerk's handling of an objection, during the notice or after it:
    ``acknowledge`` (received, the objector may be contacted), ``investigate`` (looking
    into it), then a finding: ``uphold`` or ``dismiss`` with the finding's text and what
    the applicant is told. ``stop_notice`` with ``uphold`` ends the notice now: the case is
    rejected on the finding as soon as the timer dispatcher runs, not at the notice's end."""
    objection = Objection.objects.select_for_update().select_related("case__bureau").get(
        pk=objection.pk)
    case = objection.case
    if not actor.has_perm("registry.clerk_bureau", case.bureau):
        raise PermissionDenied(_("Only a clerk of the bureau handles its objections."))
    if step not in STEPS:
        raise ValidationError({"step": _("Choose a step.")})
    if objection.status not in Objection.UNRESOLVED:
        raise services.CaseStateError(_("This objection has already been resolved."))
    if step in ("uphold", "dismiss"):
        if not (finding or "").strip():
            raise ValidationError({"finding": _("Record the finding.")})
        if not (applicant_note or "").strip():
            raise ValidationError({"applicant_note": _(
                "Write what the applicant is told (without the objector's name or words).")})
        objection = services.objection_resolve(actor=actor, objection=objection,
                                               upheld=step == "uphold", reason=finding,
                                               applicant_note=applicant_note)
        if step == "uphold" and stop_notice:
            _notice_ends_now(case)
        return objection
    to = (Objection.Status.ACKNOWLEDGED if step == "acknowledge"
          else Objection.Status.INVESTIGATING)
    previous, objection.status = objection.status, to
    objection.save(update_fields=["status"])
    registry_services.audit_record(
        actor=actor, action=f"case.objection_{to}", target=case, from_state=previous,
        to_state=to, reason=(finding or "").strip(), data={"objection": objection.pk})
    return objection


def _notice_ends_now(case) -> None:
    """The notice's timer fires at once (the periodic dispatcher picks it up); its gate
    finds the approval revoked and rejects the case with the finding."""
    Task.objects.filter(process_id=case.pk, flow_task_type="TIMER",
                        status=STATUS.SCHEDULED).update(scheduled=timezone.now())
    registry_services.audit_record(actor=None, action="case.notice_stopped", target=case,
                                   to_state="stopped")
