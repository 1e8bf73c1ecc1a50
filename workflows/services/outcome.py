"""How a case ends: the approver's decision, the approval taking effect, rejection,
withdrawal by the applicant, and the outcome's audit event and notification."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.exceptions import FlowRuntimeError

from registry import selectors as registry_selectors
from registry import services as registry_services
from registry.models import (
    Approval,
)
from workflows import recipients, selectors
from workflows.models import (
    CaseOutcome,
    SelectionProcess,
    VettingProcess,
)
from workflows.services import checks
from workflows.services._base import audit, require_text
from workflows.services.errors import CaseStateError
from workflows.services.notifications import notify, notify_private_news


def case_decider_check(*, actor, case) -> None:
    """Four eyes: refuse (``PermissionDenied``, saying why) the clerk who checked the case, an
    expert of its panel and the applicant as its decider. Asked when the decision is sent
    (``case_decide``) and when its task is taken from the queue (the flows' ``NotFor``)."""
    if case.checked_by_id == actor.pk:
        raise PermissionDenied(_("The clerk who checked this case cannot decide it."))
    if isinstance(case, SelectionProcess) and case.assignments.filter(expert=actor).exists():
        raise PermissionDenied(_("An expert drawn for this case cannot decide it."))
    if case.applicant_id == actor.pk:
        raise PermissionDenied(_("The applicant cannot decide the case."))


def case_decider_barred(user, process_model):
    """The pks of the cases of ``process_model`` that ``case_decider_check`` refuses ``user``
    to decide, as a query (their decision tasks stay out of ``user``'s queue)."""
    barred = Q(checked_by_id=user.pk) | Q(applicant_id=user.pk)
    if process_model is SelectionProcess:
        barred |= Q(pk__in=SelectionProcess.objects.filter(assignments__expert_id=user.pk)
                    .values("pk"))
    return process_model.objects.filter(barred).values("pk")


def _coverage(case, approve: bool, categories, grades) -> tuple[list, tuple | None]:
    """What an individual's approval will cover: at least one category in use and a range
    of grades, named by the approver (an organization's come from its offerings)."""
    if not approve or not isinstance(case, VettingProcess):
        return [], None
    categories = list(categories or ())
    errors = {}
    if not categories:
        errors["categories"] = _("Name the categories the person may teach.")
    elif any(not getattr(c, "is_active", False) for c in categories):
        errors["categories"] = _("Choose categories in use.")
    try:
        low, high = (int(g) for g in grades)
    except (TypeError, ValueError):
        low = high = None
    if low is None or not 1 <= low <= high <= 9:
        errors["grade_max"] = _("Name the grades the person may teach: from 1 to 9, lowest "
                                "first.")
    if errors:
        raise ValidationError(errors)
    return categories, (low, high)


@transaction.atomic
def case_decide(*, actor, case, approve: bool, reason: str, categories=(),
                grades: tuple[int, int] | None = None) -> None:
    """The approver's decision; refused for the clerk or an expert of this case. Approving
    an individual names what the approval covers: ``categories`` and ``grades`` (lowest,
    highest); a high-risk sport among the categories is refused unless the person holds
    the qualification to teach it (``checks.refuse_without_high_risk_qualification``)."""
    if not actor.has_perm("registry.approve_bureau", case.bureau):
        raise PermissionDenied
    case_decider_check(actor=actor, case=case)
    reason = require_text(reason, "reason", _("Give a reason for the decision."))
    categories, grades = _coverage(case, approve, categories, grades)
    if grades is not None:
        # a high-risk sport (游泳) needs the person's qualification to teach it
        checks.refuse_without_high_risk_qualification(case.person, categories)
    if approve:
        # what would stop the approval from opening is said to the approver now: the
        # notice itself opens in the background, after this decision has committed
        registry_services.approval_open_check(
            jurisdiction=case.bureau.jurisdiction,
            organization=getattr(case, "organization", None),
            person=getattr(case, "person", None))
    case.decided_by = actor
    case.decision = "approve" if approve else "reject"
    case.decision_reason = reason
    fields = ["decided_by", "decision", "decision_reason"]
    data = None
    if grades is not None:
        case.approved_grade_min, case.approved_grade_max = grades
        fields += ["approved_grade_min", "approved_grade_max"]
        case.approved_categories.set(categories)
        data = {"categories": sorted(c.code for c in categories), "grades": list(grades)}
    case.save(update_fields=fields)
    audit(actor, "case.decide", case, to_state=case.decision, reason=reason, data=data)


@transaction.atomic
def case_take_effect(*, case: SelectionProcess) -> None:
    """The notice closed with no upheld objection: the approval takes effect; unless the
    provider was blacklisted during the notice, when the case ends rejected."""
    today = timezone.localdate()
    subject = case.approval.subject
    if registry_selectors.is_blacklisted(uscc=getattr(subject, "uscc", None),
                                         id_number=getattr(subject, "id_number", None)):
        case_reject(case=case, reason=gettext(
            "The provider was put on the blacklist during the public notice: the approval "
            "cannot take effect."))
        return
    registry_services.approval_approve(
        actor=None, approval=case.approval, valid_from=today,
        valid_until=checks.approval_end(case.organization, today,
                                        settings.REGISTRY_APPROVAL_TERM_DAYS),
        reason=gettext("Public notice closed without upheld objections."))
    case_finish(case, CaseOutcome.APPROVED, case.decision_reason)


@transaction.atomic
def case_reject(*, case, reason: str) -> None:
    """End the case rejected (decision, upheld objection, record hit or corrections exhausted)."""
    if case.approval and case.approval.status == Approval.Status.PENDING:
        registry_services.approval_revoke(actor=None, approval=case.approval, reason=reason)
    case_finish(case, CaseOutcome.REJECTED, reason)


@transaction.atomic
def case_finish(case, outcome: str, reason: str, *, actor=None) -> None:
    """Record how the case ended, audited as ``actor``'s (None: the system's own step), and
    tell the provider."""
    previous = case.outcome
    case.outcome, case.outcome_reason = outcome, reason or ""
    case.save(update_fields=["outcome", "outcome_reason"])
    audit(actor, f"case.{outcome}", case, from_state=previous, to_state=outcome, reason=reason)
    if isinstance(case, VettingProcess):
        # the outcome of a vetting may be a record hit, its reasons are about a person, and
        # the school that started it may not read them: only that there is news, and where
        notify_private_news(users=recipients.case_providers(case), case=case,
                            kind=gettext("Vetting"), about=case.person)
        return
    notify(users=recipients.case_providers(case),
           subject=gettext("Application #%(pk)s: %(outcome)s") % {
               "pk": case.pk, "outcome": CaseOutcome(outcome).label},
           body=reason or "", case=case, about=selectors.case_subject(case))


@transaction.atomic
def case_withdraw(*, actor, case) -> None:
    """The provider withdraws before the approval takes effect."""
    flow_class = case.flow_class
    with flow_class.lock(case.pk):
        case = type(case).objects.select_for_update().get(pk=case.pk)
        if not _may_act_for(actor, case):
            raise PermissionDenied
        if case.outcome != CaseOutcome.OPEN:
            raise CaseStateError(_("This case is closed and can no longer be withdrawn."))
        try:
            # viewflow's own cancel: every open task through its node's cancel transition,
            # then the process, under the same (re-entered) flow lock
            flow_class.instance.cancel(case)
        except FlowRuntimeError:  # a step is failed or running: the bureau deals with it
            raise CaseStateError(_("A step of this case is being processed or has failed; "
                                   "it can be withdrawn once the bureau has dealt with it."),
                                 ) from None
        if case.approval and case.approval.status == Approval.Status.PENDING:
            registry_services.approval_revoke(actor=actor, approval=case.approval,
                                              reason=gettext("Withdrawn by the applicant."))
        case_finish(case, CaseOutcome.WITHDRAWN, gettext("Withdrawn by the applicant."),
                    actor=actor)


def _may_act_for(actor, case) -> bool:
    if isinstance(case, SelectionProcess):
        return actor.has_perm("registry.act_for_organization", case.organization)
    return case.applicant_id == actor.pk or (
        case.person.user_id == actor.pk) or (
        case.person.organization_id and actor.has_perm("registry.act_for_organization",
                                                       case.person.organization))
