"""Review cases: due process after approval, as a workflow (``ReviewCaseFlow``).

Opened by an incident report, low satisfaction, a complaint the bureau records, a yearly
re-query not done, or by hand. A clerk looks into it and sends the provider a notice of
the intended action with reasons; the provider may answer, with evidence, within
``REVIEW_RESPONSE_WORKING_DAYS`` working days (official calendar); an administrator who
did not investigate decides (no action, 整改 rectification, suspension, revocation, or a
proposal to blacklist); the provider may ask once, within
``REVIEW_REEXAMINATION_WORKING_DAYS`` working days, for a re-examination (复核) by an
administrator who neither decided nor investigated. A rectification not evidenced by its
deadline returns to the clerk on its own.

The provider's steps are optional and bounded by deadlines, so they are not flow tasks:
each is a service here that records what the provider did and resumes the flow's waiting
``Handle``; the daily beat (``review_cases_tick``) resumes the handles whose deadline passed.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from viewflow.workflow.status import STATUS

from registry import services as registry_services
from registry.formatting import local_date
from registry.models import BlacklistProposal, Bureau
from workflows import entry, recipients, review_causes
from workflows.models import ReviewCaseEvidence, ReviewCaseProcess
from workflows.services.notifications import notify
from workflows.services.review_evidence import (
    _evidence_checked,
    _evidence_store,
    may_act_for_provider,
)
from workflows.workdays import add_working_days

Case = ReviewCaseProcess
Stage = ReviewCaseProcess.Stage
Action = ReviewCaseProcess.Action
OPEN_STAGES = [s for s in Stage.values if s != Stage.CLOSED]


def _flow():
    return entry.flow("review_case")


def _audit(actor, action: str, case: Case, *, from_state="", to_state="", reason="",
           data=None) -> None:
    # the stage is in the action's words: a bare stage code would read as another state
    # ("notice" is the public notice's) in the history
    if to_state in Stage.values:
        to_state = ""
    registry_services.audit_record(actor=actor, action=f"review_case.{action}", target=case,
                                   from_state=from_state, to_state=to_state, reason=reason,
                                   data=data or {})


def _set_stage(case: Case, stage: str, *fields: str) -> str:
    previous, case.stage = case.stage, stage
    case.save(update_fields=["stage", *fields])
    return previous


def case_url(case: Case) -> str:
    return reverse("workflows:review-case", args=[case.pk])


def _provider_users(case: Case) -> list:
    return recipients.holders_of(case.subject)




def _require_provider(actor, case: Case) -> None:
    if not may_act_for_provider(actor, case):
        raise PermissionDenied(_("Only the provider concerned may do this."))


def _require_staff(actor, case: Case, codename: str) -> None:
    if actor is None or not actor.has_perm(f"registry.{codename}", case.bureau):
        raise PermissionDenied(_("Only the bureau's staff may do this."))


def _locked(case: Case) -> Case:
    return (Case.objects.select_for_update(of=("self",))
            .select_related("bureau", "organization", "person").get(pk=case.pk))


def _today() -> datetime.date:
    return timezone.localdate()


def _waiting(case: Case, node):
    return case.task_set.filter(flow_task=node, status=STATUS.NEW).first()


# --- opening ------------------------------------------------------------------------------

@transaction.atomic
def review_case_open(*, actor, bureau: Bureau, trigger: str, organization=None, person=None,
                     incident=None, details=None) -> Case:
    """Open a review case about a provider, or add the cause to the one already open at
    this bureau and tell the clerk handling it, with why (a rating's figures): not a
    second case. Staff open one by hand or on a complaint (a clerk or an administrator of
    the bureau); the registry opens the others (its callers checked who acts)."""
    if trigger not in Case.Trigger.values:
        raise ValidationError({"trigger": _("Unknown cause of review.")})
    if (organization is None) == (person is None):
        raise ValidationError(_("A review case is about one organization or one person."))
    if trigger in (Case.Trigger.MANUAL, Case.Trigger.COMPLAINT):
        if actor is None or not (actor.has_perm("registry.clerk_bureau", bureau)
                                 or actor.has_perm("registry.administer_bureau", bureau)):
            raise PermissionDenied(_("Only the bureau's staff may open a review case."))
        if not (details or {}).get("summary", "").strip():
            raise ValidationError({"summary": _("Say what the case is about.")})
        if not registry_services.provider_within_reach(bureau=bureau, organization=organization,
                                                       person=person):
            raise PermissionDenied(_("This provider has no approval, case or registration "
                                     "in your jurisdiction: open cases only about providers "
                                     "within it."))
    subject = {"organization": organization} if organization else {"person": person}
    existing = (Case.objects.select_for_update().filter(bureau=bureau, stage__in=OPEN_STAGES,
                                                        **subject).order_by("pk").first())
    # what the bureau's staff are told is in the site's language (theirs is not kept), not
    # the school user's whose report or rating opened it
    with translation.override(settings.LANGUAGE_CODE):
        if existing is None:
            return _flow().start.run(bureau=bureau, trigger=trigger, incident=incident,
                                     details=details or {}, actor=actor, **subject)
        existing.details.setdefault("more_causes", []).append(
            {"trigger": trigger, "incident": incident.pk if incident else None,
             **(details or {})})
        existing.save(update_fields=["details"])
        _audit(actor, "cause", existing, data={"trigger": trigger})
        _cause_tell(actor, existing, trigger, details or {})
    return existing


def _cause_tell(actor, case: Case, trigger: str, details: dict) -> None:
    """Tell the clerk handling ``case`` (``clerks_handling``) of the cause added to it, and
    why (a rating's figures), unless that clerk added it."""
    why = review_causes.cause_words(case, trigger, details)
    notify(users=[u for u in review_causes.clerks_handling(case)
                  if actor is None or u.pk != actor.pk],
           subject=_("Review case #%(pk)s: another cause, %(cause)s") % {
               "pk": case.pk, "cause": Case.Trigger(trigger).label},
           body="\n".join(filter(None, [
               _("A further cause was added to the case you are handling."), why,
               _("See the case's page.")])),
           case=case, about=case.bureau)


@transaction.atomic
def review_case_create(*, activation, bureau, trigger, incident, details, actor,
                       organization=None, person=None) -> Case:
    """Fill the new case (the flow's start node)."""
    case = activation.process
    case.bureau, case.trigger, case.incident, case.details = bureau, trigger, incident, details
    case.organization, case.person = organization, person
    case.opened_by = actor if actor is not None and actor.pk else None
    case.stage = Stage.INVESTIGATION
    case.save()
    _audit(actor, "open", case, to_state=case.stage, data={"trigger": trigger,
                                                           "incident": getattr(incident, "pk",
                                                                               None)})
    return case


# --- the clerk: investigation and the notice of intended action ---------------------------

@transaction.atomic
def review_case_investigate(*, actor, case: Case, findings: str, intended_action: str,
                            reasons: str) -> None:
    """The clerk's findings and the action the bureau intends, with the reasons the
    provider will read (the clerk's task)."""
    _require_staff(actor, case, "clerk_bureau")
    errors = {}
    if not (findings or "").strip():
        errors["findings"] = _("Record what the investigation found.")
    if intended_action not in Action.values:
        errors["intended_action"] = _("Choose the intended action.")
    if not (reasons or "").strip():
        errors["reasons"] = _("Give the provider the reasons.")
    if errors:
        raise ValidationError(errors)
    case.findings, case.intended_action = findings.strip(), intended_action
    case.notice_reasons, case.investigated_by = reasons.strip(), actor
    case.save(update_fields=["findings", "intended_action", "notice_reasons",
                             "investigated_by"])
    _audit(actor, "investigate", case, to_state=intended_action, reason=case.notice_reasons)


@transaction.atomic
def review_case_notice_send(*, case: Case) -> None:
    """Send the notice of intended action (the flow's step after the investigation): the
    provider may answer within the working days the setting gives."""
    today = _today()
    case.notice_sent_at = timezone.now()
    case.response_due = add_working_days(today, settings.REVIEW_RESPONSE_WORKING_DAYS)
    previous = _set_stage(case, Stage.NOTICE, "notice_sent_at", "response_due")
    _audit(case.investigated_by, "notice", case, from_state=previous,
           reason=case.notice_reasons, data={"intended": case.intended_action,
                                            "response_due": case.response_due.isoformat()})
    notify(
        users=_provider_users(case), about=case.subject,
        subject=_("Notice of intended action (#%(pk)s): you may answer by %(date)s") % {
            "pk": case.pk, "date": local_date(case.response_due)},
        body=_("The education bureau intends to take action about you and tells you why. "
               "You may answer, with evidence, until %(date)s. The reasons and the form are "
               "on the case's page.") % {"date": local_date(case.response_due)},
        url=case_url(case))


# --- the provider's answer (陈述申辩) -----------------------------------------------------

@transaction.atomic
def review_case_respond(*, actor, case: Case, text: str, evidence: str = "",
                        evidence_files=()) -> Case:
    """The provider answers the notice, with text and evidence (a description and files),
    by the due date; the case then goes to the decision at once."""
    case = _locked(case)
    _require_provider(actor, case)
    if case.responded_at is not None:
        raise ValidationError(_("You have already answered."), code="already_answered")
    if case.response_due is not None and _today() > case.response_due:
        raise ValidationError(_("The time to answer ended on %(date)s.")
                              % {"date": local_date(case.response_due)}, code="late")
    if case.stage != Stage.NOTICE:
        raise ValidationError(_("This case is not waiting for your answer."),
                              code="not_waiting")
    if not (text or "").strip():
        raise ValidationError({"text": _("Write your answer.")})
    checked = _evidence_checked(evidence_files)
    case.response_text, case.response_evidence = text.strip(), (evidence or "").strip()
    case.responded_at, case.responded_by = timezone.now(), actor
    case.save(update_fields=["response_text", "response_evidence", "responded_at",
                             "responded_by"])
    _audit(actor, "respond", case, to_state="answered",
           data={"evidence_files": [i.sha256 for _f, _n, i in checked]})
    _resume(case, _flow().response)
    _evidence_store(actor=actor, case=case, step=ReviewCaseEvidence.Step.RESPONSE,
                    checked=checked)
    return case


@transaction.atomic
def response_window_close(*, case: Case) -> None:
    """The answer arrived or its time ran out: the case waits for the decision."""
    previous = _set_stage(case, Stage.DECISION)
    _audit(None, "to_decision", case, from_state=previous, to_state=case.stage,
           data={"answered": case.responded_at is not None})


# --- the decision -------------------------------------------------------------------------

def review_case_decider_check(*, actor, case: Case) -> None:
    """Four eyes: the clerk who investigated may not decide (``PermissionDenied``, saying
    why). Asked when the decision is sent and when its task is taken (the flow's
    ``NotFor``)."""
    if actor.pk == case.investigated_by_id:
        raise PermissionDenied(_("Someone other than the investigating clerk must decide."))


def review_case_decider_barred(user, process_model=Case):
    """``review_case_decider_check`` as a query: the pks of the cases it refuses ``user``."""
    return process_model.objects.filter(investigated_by_id=user.pk).values("pk")


def review_case_reexaminer_check(*, actor, case: Case) -> None:
    """Four eyes: whoever decided or investigated may not re-examine (``PermissionDenied``,
    saying why). Asked when the re-examination is sent and when its task is taken."""
    if actor.pk in (case.decided_by_id, case.investigated_by_id):
        raise PermissionDenied(_("The re-examination is for someone who neither decided nor "
                                 "investigated this case."))


def review_case_reexaminer_barred(user, process_model=Case):
    """``review_case_reexaminer_check`` as a query: the pks of the cases it refuses ``user``."""
    return process_model.objects.filter(
        Q(decided_by_id=user.pk) | Q(investigated_by_id=user.pk)).values("pk")


@transaction.atomic
def review_case_decide(*, actor, case: Case, decision: str, reason: str,
                       rectification_requirements: str = "",
                       rectification_due: datetime.date | None = None,
                       blacklist_years: int | None = None) -> None:
    """An administrator who did not investigate decides, with reasons; the decision takes
    effect now (a suspension or revocation reaches everyone the same day)."""
    _require_staff(actor, case, "administer_bureau")
    review_case_decider_check(actor=actor, case=case)
    errors = {}
    if decision not in Action.values:
        errors["decision"] = _("Choose the decision.")
    if not (reason or "").strip():
        errors["reason"] = _("Give the reasons of the decision.")
    if decision == Action.RECTIFY:
        if not (rectification_requirements or "").strip():
            errors["rectification_requirements"] = _("Say what must be rectified.")
        if rectification_due is None or rectification_due <= _today():
            errors["rectification_due"] = _("Set a rectification deadline after today.")
    if errors:
        raise ValidationError(errors)
    reason = reason.strip()
    subject = {"organization": case.organization} if case.organization_id else {
        "person": case.person}
    if decision == Action.SUSPEND:
        registry_services.provider_suspend(actor=actor, bureau=case.bureau, reason=reason,
                                           **subject)
    elif decision == Action.REVOKE:
        registry_services.provider_revoke(actor=actor, bureau=case.bureau, reason=reason,
                                          **subject)
    elif decision == Action.BLACKLIST:
        proposal = registry_services.blacklist_propose(
            actor=actor, bureau=case.bureau, reason=reason, years=blacklist_years or 3,
            **subject)
        # a re-examination that lifts the decision lifts this proposal (or its blacklisting)
        case.details["blacklist_proposal"] = proposal.pk
    elif decision == Action.RECTIFY:
        case.rectification_requirements = rectification_requirements.strip()
        case.rectification_due = rectification_due
        registry_services.provider_rectification_set(actor=actor, bureau=case.bureau,
                                                     reason=reason, due=rectification_due,
                                                     **subject)
    case.decision, case.decision_reason = decision, reason
    case.decided_by, case.decided_at = actor, timezone.now()
    case.reexamination_due = add_working_days(_today(),
                                              settings.REVIEW_REEXAMINATION_WORKING_DAYS)
    previous = _set_stage(case, Stage.DECIDED, "decision", "decision_reason", "decided_by",
                          "decided_at", "rectification_requirements", "rectification_due",
                          "reexamination_due", "details")
    _audit(actor, "decide", case, from_state=previous, to_state=decision, reason=reason,
           data={"reexamination_due": case.reexamination_due.isoformat(),
                 "rectification_due": rectification_due.isoformat()
                 if decision == Action.RECTIFY else None})
    body = _("The reasons are on the case's page. You may ask once, until %(date)s, for a "
             "re-examination (复核) by someone who did not decide.") % {
        "date": local_date(case.reexamination_due)}
    if decision == Action.RECTIFY:  # what to do and by when, not only where to read it
        body += " " + _("Rectify by %(date)s: %(requirements)s. Send what was rectified, "
                        "with evidence, on the case's page before then.") % {
            "date": local_date(rectification_due),
            "requirements": case.rectification_requirements}
    notify(
        users=_provider_users(case), about=case.subject,
        subject=_("Review case #%(pk)s decided: %(decision)s") % {
            "pk": case.pk, "decision": Action(decision).label},
        body=body, url=case_url(case))


# --- re-examination (复核) ----------------------------------------------------------------

@transaction.atomic
def review_case_reexamination_request(*, actor, case: Case, statement: str) -> Case:
    """The provider asks, once and in time, for a re-examination of the decision."""
    case = _locked(case)
    _require_provider(actor, case)
    if case.reexamination_requested_at is not None:
        raise ValidationError(_("You have already asked for a re-examination of this "
                                "decision."), code="already_asked")
    if case.stage != Stage.DECIDED:
        raise ValidationError(_("There is no decision to re-examine now."),
                              code="not_decided")
    if case.decision == Action.NO_ACTION:
        raise ValidationError(_("No action was taken: there is nothing to re-examine."),
                              code="nothing_to_reexamine")
    if _today() > case.reexamination_due:
        raise ValidationError(_("A re-examination could be asked until %(date)s.")
                              % {"date": local_date(case.reexamination_due)}, code="late")
    if not (statement or "").strip():
        raise ValidationError({"statement": _("Say why the decision should be re-examined.")})
    case.reexamination_statement = statement.strip()
    case.reexamination_requested_at = timezone.now()
    case.save(update_fields=["reexamination_statement", "reexamination_requested_at"])
    _audit(actor, "reexamination_request", case, reason=case.reexamination_statement)
    _resume(case, _flow().reexamination_window)
    return case


@transaction.atomic
def reexamination_window_close(*, case: Case) -> None:
    """Asked, or the window ran out: re-examination, or what the decision leads to."""
    if case.reexamination_requested_at is not None:
        previous = _set_stage(case, Stage.REEXAMINATION)
        _audit(None, "to_reexamination", case, from_state=previous, to_state=case.stage)


@transaction.atomic
def review_case_reexamine(*, actor, case: Case, outcome: str, reason: str) -> None:
    """An administrator who neither decided nor investigated upholds or lifts the
    decision. Lifting a suspension restores the approvals and engagements and tells
    everyone; lifting a proposal to blacklist withdraws it, or ends the blacklisting it
    became, and tells everyone; a revocation is final and can only be upheld here."""
    _require_staff(actor, case, "administer_bureau")
    review_case_reexaminer_check(actor=actor, case=case)
    if outcome not in Case.Reexamination.values:
        raise ValidationError({"outcome": _("Uphold or lift the decision.")})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reasons of the re-examination.")})
    reason = reason.strip()
    subject = {"organization": case.organization} if case.organization_id else {
        "person": case.person}
    if outcome == Case.Reexamination.LIFTED:
        if case.decision == Action.REVOKE:
            raise ValidationError(_("A revocation is final: it can be upheld here, not "
                                    "lifted; the provider may apply again."),
                                  code="final")
        if case.decision == Action.SUSPEND:
            registry_services.provider_reinstate(actor=actor, bureau=case.bureau,
                                                 reason=reason, **subject)
        elif case.decision == Action.RECTIFY:
            registry_services.provider_rectification_set(actor=actor, bureau=case.bureau,
                                                         reason=reason, due=None, **subject)
        elif case.decision == Action.BLACKLIST and case.details.get("blacklist_proposal"):
            proposal = BlacklistProposal.objects.get(pk=case.details["blacklist_proposal"])
            registry_services.blacklist_lift_on_reexamination(
                actor=actor, proposal=proposal, reason=reason, case_ref=case.pk)
    case.reexamination_outcome, case.reexamination_reason = outcome, reason
    case.reexamined_by = actor
    case.save(update_fields=["reexamination_outcome", "reexamination_reason", "reexamined_by"])
    _audit(actor, "reexamine", case, to_state=outcome, reason=reason)
    notify(
        users=_provider_users(case), about=case.subject,
        subject=_("Review case #%(pk)s re-examined: %(outcome)s") % {
            "pk": case.pk, "outcome": Case.Reexamination(outcome).label},
        body=_("The reasons are on the case's page."), url=case_url(case))



@transaction.atomic
def review_case_close(*, case: Case) -> None:
    previous = _set_stage(case, Stage.CLOSED)
    _audit(None, "close", case, from_state=previous, to_state=case.stage)
    notify(users=_provider_users(case), about=case.subject,
                    subject=_("Review case #%(pk)s is closed") % {"pk": case.pk},
                    body=(_("The rectification is accepted: nothing more is asked of you in "
                            "this case.") + " " if case.rectification_accepted else "")
                    + _("See the case's page."), url=case_url(case))




# --- the calendar ---------------------------------------------------------------------------

def _resume(case: Case, node) -> None:
    task = _waiting(case, node)
    if task is not None:
        node.run(task)


def review_cases_tick(*, today: datetime.date | None = None) -> int:
    """Move on the cases whose deadline passed (no answer, no re-examination asked, no
    rectification evidence), and the rectifications evidenced before their stage began.
    Idempotent: a handle already resumed is not waiting."""
    today = today or _today()
    flow = _flow()
    due = [
        (Case.objects.filter(stage=Stage.NOTICE, response_due__lt=today), flow.response),
        (Case.objects.filter(stage=Stage.DECIDED, reexamination_due__lt=today),
         flow.reexamination_window),
        # a rectification evidenced early (during the 复核 window, before this stage began)
        # goes to the clerk now, in the same run that began it; the deadline is for one
        # that was not
        (Case.objects.filter(Q(rectification_due__lt=today)
                             | Q(rectification_submitted_at__isnull=False),
                             stage=Stage.RECTIFICATION), flow.rectification),
    ]
    moved = 0
    for queryset, node in due:
        for pk in list(queryset.order_by("pk").values_list("pk", flat=True)
                       [: settings.RECERT_SWEEP_BATCH]):
            with transaction.atomic():
                case = Case.objects.get(pk=pk)
                task = _waiting(case, node)
                if task is not None:
                    node.run(task)
                    moved += 1
    return moved
