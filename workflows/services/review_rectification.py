"""A review case's rectification (整改): whether the decision asks for one, its start, the
provider's evidence by the deadline, the clerk's check, and the case going back to the
clerk when the deadline passes or the evidence is refused."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registry import services as registry_services
from registry.formatting import local_date
from workflows.models import ReviewCaseEvidence, ReviewCaseProcess
from workflows.services.review_cases import (
    Stage,
    _audit,
    _flow,
    _locked,
    _require_provider,
    _require_staff,
    _resume,
    _set_stage,
    _today,
)
from workflows.services.review_evidence import (
    _evidence_checked,
    _evidence_store,
)

Case = ReviewCaseProcess
Action = ReviewCaseProcess.Action

def rectification_follows(case: Case) -> bool:
    return (case.decision == Action.RECTIFY
            and case.reexamination_outcome != Case.Reexamination.LIFTED)


@transaction.atomic
def rectification_start(*, case: Case) -> None:
    previous = _set_stage(case, Stage.RECTIFICATION)
    _audit(None, "rectification", case, from_state=previous, to_state=case.stage,
           data={"due": case.rectification_due.isoformat()})


# --- rectification (整改) ----------------------------------------------------------------

@transaction.atomic
def review_case_rectification_submit(*, actor, case: Case, evidence: str = "",
                                     evidence_files=()) -> Case:
    """The provider shows the rectification done, with evidence (a description, files, or
    both), by the deadline."""
    case = _locked(case)
    _require_provider(actor, case)
    if not rectification_follows(case) or case.stage not in (
            Stage.DECIDED, Stage.REEXAMINATION, Stage.RECTIFICATION):
        raise ValidationError(_("No rectification is waiting for evidence."),
                              code="not_waiting")
    if case.rectification_submitted_at is not None:
        raise ValidationError(_("The evidence has already been given."), code="already_given")
    if _today() > case.rectification_due:
        raise ValidationError(_("The rectification deadline was %(date)s.")
                              % {"date": local_date(case.rectification_due)}, code="late")
    checked = _evidence_checked(evidence_files)
    if not (evidence or "").strip() and not checked:
        raise ValidationError({"evidence": _("Describe what was done, with evidence.")})
    case.rectification_evidence = (evidence or "").strip()
    case.rectification_submitted_at = timezone.now()
    case.save(update_fields=["rectification_evidence", "rectification_submitted_at"])
    _audit(actor, "rectification_submit", case,
           data={"evidence_files": [i.sha256 for _f, _n, i in checked]})
    if case.stage == Stage.RECTIFICATION:
        _resume(case, _flow().rectification)
    _evidence_store(actor=actor, case=case, step=ReviewCaseEvidence.Step.RECTIFICATION,
                    checked=checked)
    return case


@transaction.atomic
def rectification_close(*, case: Case) -> None:
    """Evidence given: the clerk checks it. None by the deadline: back to the clerk."""
    if case.rectification_submitted_at is not None:
        previous = _set_stage(case, Stage.RECTIFICATION_CHECK)
        _audit(None, "rectification_check", case, from_state=previous, to_state=case.stage)
    else:
        _back_to_clerk(case, _("The rectification was not evidenced by %(date)s.") % {
            "date": local_date(case.rectification_due)})


@transaction.atomic
def review_case_rectification_check(*, actor, case: Case, accepted: bool, reason: str) -> None:
    """The clerk accepts the rectification (the approval no longer shows 整改中) or not
    (the case goes round again, from the investigation)."""
    _require_staff(actor, case, "clerk_bureau")
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give a reason; it is recorded in the audit trail.")})
    case.rectification_accepted = bool(accepted)
    case.save(update_fields=["rectification_accepted"])
    _audit(actor, "rectification_checked", case, to_state="accepted" if accepted else
           "refused", reason=reason.strip())
    if accepted:
        subject = {"organization": case.organization} if case.organization_id else {
            "person": case.person}
        registry_services.provider_rectification_set(actor=actor, bureau=case.bureau,
                                                     reason=reason.strip(), due=None, **subject)
    else:
        _back_to_clerk(case, reason.strip())


def _back_to_clerk(case: Case, reason: str) -> None:
    """The case goes round again: a new investigation, notice and decision."""
    history = case.details.setdefault("rounds", [])
    history.append({"decision": case.decision, "decided_at": case.decided_at.isoformat()
                    if case.decided_at else None, "why_again": reason})
    for field in ("findings", "intended_action", "notice_reasons", "response_text",
                  "response_evidence", "decision", "decision_reason",
                  "rectification_requirements", "rectification_evidence",
                  "reexamination_statement", "reexamination_outcome", "reexamination_reason"):
        setattr(case, field, "")
    for field in ("investigated_by", "notice_sent_at", "response_due", "responded_at",
                  "responded_by", "decided_by", "decided_at", "rectification_due",
                  "rectification_submitted_at", "rectification_accepted",
                  "reexamination_due", "reexamination_requested_at", "reexamined_by"):
        setattr(case, field, None)
    case.stage = Stage.INVESTIGATION
    case.save()
    _audit(None, "back_to_clerk", case, to_state=case.stage, reason=reason)


def rectification_accepted(case: Case) -> bool:
    return bool(case.rectification_accepted)
