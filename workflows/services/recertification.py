"""Re-certification (证件到期重新审核): an expired credential suspends the approval and opens
a case; the renewal restores it, a record hit bars the person, and no renewal within the
grace period lets it expire."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, pgettext
from viewflow.workflow.status import PROCESS, STATUS

from documents.models import Document, DocumentType
from documents.selectors import requirement_checklist
from registry import services as registry_services
from registry.formatting import local_date
from registry.models import (
    Approval,
    ApprovalHold,
    InvalidTransition,
)
from workflows import entry, recipients
from workflows.models import (
    CaseOutcome,
    RecertificationProcess,
)
from workflows.services import checks, lapses
from workflows.services._base import each_apart
from workflows.services.completeness import check_document_decisions
from workflows.services.notifications import notify, notify_private_news

Cause = ApprovalHold.Cause
Closing = RecertificationProcess.Closing


def _names(due: list[dict]) -> dict[str, str]:
    """Each due type's name by its code, in the active language (DocumentType.display_name),
    as the text around it is written: ``due_types`` keep the catalogue's (Chinese) name, which
    an English text would otherwise quote. A type no longer in the catalogue keeps that name."""
    types = DocumentType.objects.filter(code__in={item["code"] for item in due})
    return {**{item["code"]: item.get("name", item["code"]) for item in due},
            **{t.code: t.display_name for t in types}}


def _listed(due: list[dict]) -> str:
    """The due types' names, each once, as a list in the active language (、 or ", ")."""
    names = _names(due)
    return pgettext("list separator", ", ").join(dict.fromkeys(
        names[item["code"]] for item in due))


def _in_site_language():
    """What is written here for someone else than the user whose request writes it (the
    provider told of a clerk's check, a hold's reason kept for all to read) is in the site's
    language, as the calendar's runs write theirs: the users' own is not kept, and the
    clerk's page may be in English (as registry.services.contracts.engagement_end)."""
    return translation.override(settings.LANGUAGE_CODE)


def approvals_suspend_expired(*, today: datetime.date) -> int:
    """Approvals that depend on an expired required document are suspended (with an audit
    event) and a re-certification case opens for each. The candidates are the approvals
    with something due that a lapse or a write since the last complete run can have made
    due (``lapses.suspension_candidates``; the whole history on a full pass); each is
    checked again, locked, before it is suspended (``_suspend_expired``)."""
    run = lapses.sweep_pass(today)
    candidates, run = lapses.suspension_candidates(run)
    done = each_apart(candidates, lambda pk: _suspend_expired(pk, today),
                      what="suspension for an expired credential")
    # not past a run cut at the batch (the rest waits for the next run) nor one where an
    # approval failed (each_apart raised: the watermark stays, so the next run reads it again)
    if len(candidates) < settings.RECERT_SWEEP_BATCH:
        lapses.watermark_advance(run)
    return done


@transaction.atomic
def _suspend_expired(pk: int, today: datetime.date) -> bool:
    approval = Approval.objects.select_for_update().get(pk=pk)
    if approval.status != Approval.Status.APPROVED:
        return False  # another sweep got here first
    due = lapses.due_types(approval, today)
    if not due:
        return False
    reason = gettext("Credential expired: %(names)s") % {"names": _listed(due)}
    try:
        registry_services.approval_suspend(actor=None, approval=approval, reason=reason,
                                           cause=Cause.CREDENTIAL)
    except InvalidTransition:
        return False
    # as any suspension: its live engagements are suspended, and the schools engaging it
    # and the people on its rosters are told (that a credential lapsed: no bureau's sanction)
    registry_services.sanction_fan_out(actor=None, approvals=[approval],
                                       action="credential", reason=reason)
    # one case per approval at a time: one reinstated by another way (a sanction lifted)
    # while its case waits for the renewal is suspended again under it
    if not RecertificationProcess.objects.filter(approval=approval,
                                                 outcome=CaseOutcome.OPEN).exists():
        entry.flow("recertification").start.run(approval=approval, due=due, today=today)
    return True


@transaction.atomic
def credential_hold_check(approval: Approval) -> dict:
    """Asked before a suspended approval comes back in force (registry.services.holds):
    a credential that expired while it was suspended for something else holds it, and its
    re-certification case opens, as the nightly sweep would have done."""
    today = timezone.localdate()
    due = lapses.due_types(approval, today)
    if not due:
        return {}
    with _in_site_language():  # the bureau's request lifting a sanction: not its language
        if not RecertificationProcess.objects.filter(approval=approval,
                                                     outcome=CaseOutcome.OPEN).exists():
            entry.flow("recertification").start.run(approval=approval, due=due, today=today)
        return {Cause.CREDENTIAL: gettext("Credential expired: %(names)s") % {
            "names": _listed(due)}}


@transaction.atomic
def recertification_create(*, activation, approval, due, today):
    """Fill the new re-certification case (called by the flow's start node)."""
    case = activation.process
    case.approval, case.bureau = approval, recipients.bureau_for_approval(approval)
    case.due_types = due
    case.grace_until = today + datetime.timedelta(days=settings.RECERT_GRACE_DAYS)
    case.save()
    registry_services.audit_record(
        actor=None, action="recert.open", target=case, to_state="open",
        data={"approval": approval.pk, "due": [d["code"] for d in due],
              "grace_until": case.grace_until.isoformat()})
    users = recipients.holders_of(approval.subject)
    notify(users=users,
           subject=gettext("Your approval is suspended: renew %(names)s") % {
               "names": _listed(due)},
           body=gettext("Upload the renewed documents by %(date)s; otherwise the approval "
                        "expires.") % {"date": local_date(case.grace_until)}, case=case,
           about=approval.subject)
    return case


@transaction.atomic
def recertification_submit(*, actor, case: RecertificationProcess) -> None:
    """The provider says the renewals are uploaded. Each due document must have been
    replaced by one that expires later than the old one."""
    problems = []
    subject = case.approval.subject
    field = "organization" if case.approval.organization_id else "person"
    names = _names(case.due_types)  # the provider reads these on its own page, in its language
    for item in ({**item, "name": names[item["code"]]} for item in case.due_types):
        current = Document.objects.filter(**{field: subject}, document_type__code=item["code"],
                                          superseded_at__isnull=True).first()
        if current is None or current.pk == item["document"]:
            problems.append(gettext("%(name)s: upload the renewed document.") % item)
        elif current.expires_on is not None and \
                current.expires_on.isoformat() <= item["expires_on"]:
            problems.append(gettext("%(name)s: the renewal must expire later than the old one "
                                    "(%(expires_on)s).") % {
                **item, "expires_on": local_date(datetime.date.fromisoformat(item["expires_on"]))})
    if problems:
        raise ValidationError(problems)
    registry_services.audit_record(actor=actor, action="recert.submit", target=case,
                                   to_state="submitted")


@transaction.atomic
def recertification_verify(*, actor, case: RecertificationProcess, decisions: dict,
                           query_reference: str = "", query_date=None,
                           query_result: str = "") -> str:
    """The clerk verifies the renewals (and records the yearly record query for a person);
    returns 'restore', 'renew' (something rejected) or 'hit'."""
    if not actor.has_perm("registry.clerk_bureau", case.bureau):
        raise PermissionDenied
    if case.needs_query:
        checks.validate_record_query(query_reference=query_reference,
                                     query_date=query_date, query_result=query_result)
    verified, rejected = check_document_decisions(actor, case.approval.subject,
                                                  decisions)
    case.checked_by = actor
    case.query_reference = (query_reference or "").strip()
    case.query_date, case.query_result = query_date, query_result or ""
    case.missing = [{"document": r["document"], "reason": r["reason"]} for r in rejected]
    lapsed = _lapsed_meanwhile(case, rejected)
    with _in_site_language():  # kept on the case, and told to the provider: not the clerk's
        names = _names(lapsed)
        case.missing += [{"document": item["document"], "reason": gettext(
            "%(name)s expired on %(date)s: upload a renewed one.") % {
                "name": names[item["code"]],
                "date": local_date(datetime.date.fromisoformat(item["expires_on"]))}}
            for item in lapsed]
    case.save(update_fields=["checked_by", "query_reference", "query_date", "query_result",
                             "missing", "due_types"])
    registry_services.audit_record(actor=actor, action="recert.verify", target=case,
                                   data={"verified": verified, "rejected": rejected,
                                         "lapsed": [item["code"] for item in lapsed],
                                         "query_recorded": bool(case.query_reference)})
    if case.needs_query and query_result == "hit":
        return "hit"
    if lapsed:
        with _in_site_language():
            notify(users=recipients.holders_of(case.approval.subject),
                   subject=gettext("Your approval stays suspended: renew %(names)s too") % {
                       "names": _listed(lapsed)},
                   body="\n".join(item["reason"] for item in case.missing[-len(lapsed):]),
                   case=case, about=case.approval.subject)
    return "renew" if case.missing else "restore"


def _lapsed_meanwhile(case: RecertificationProcess, rejected: list[dict]) -> list[dict]:
    """What else the approval's holder must renew once the clerk's decisions are in: a
    credential that expired while the case waited (added to the case's ``due_types``, so
    that the provider's submission is held to it too), or a due one whose renewal is not
    verified. Restored over it, the approval would be back in force on an expired
    credential until the next night's sweep, or expired outright, its new term ending
    before today (recertification_restore). A rejected renewal is already in ``missing``."""
    rejected_types = set(Document.objects.filter(
        pk__in=[r["document"] for r in rejected]).values_list("document_type__code", flat=True))
    known = {item["code"] for item in case.due_types}
    lapsed = [item for item in lapses.due_types(case.approval, timezone.localdate())
              if item["code"] not in rejected_types]
    case.due_types = [*case.due_types, *(item for item in lapsed if item["code"] not in known)]
    return lapsed


@transaction.atomic
def recertification_restore(*, case: RecertificationProcess) -> None:
    """Renewals verified: the approval is back in force, never past the new earliest expiry."""
    # run in the clerk's request: its reasons are kept, and told to others
    with _in_site_language():
        approval = case.approval
        today = timezone.localdate()
        if approval.person_id and case.needs_query:
            term_end = today + datetime.timedelta(
                days=settings.WORKFLOW_INDIVIDUAL_APPROVAL_DAYS - 1)
        else:
            days = (settings.WORKFLOW_INDIVIDUAL_APPROVAL_DAYS if approval.person_id
                    else settings.REGISTRY_APPROVAL_TERM_DAYS)
            # a 1+1 renewal added one term (it may have stopped early at this document)
            term_end = approval.valid_from + datetime.timedelta(
                days=days * (1 + approval.renewals) - 1)
        earliest = requirement_checklist(approval.subject).earliest_expiry
        valid_until = min(term_end, earliest) if earliest else term_end
        if valid_until < today:
            reason = gettext("The approval term has ended.")
            registry_services.approval_expire(actor=None, approval=approval, reason=reason)
            registry_services.sanction_fan_out(actor=None, approvals=[approval], action="expire",
                                               reason=reason)
            _finish(case, CaseOutcome.REJECTED, reason, Closing.TERM_ENDED)
            return
        reason = gettext("Renewed documents verified.")
        code = Closing.RENEWED
        approval = registry_services.approval_reinstate(
            actor=case.checked_by, approval=approval, valid_until=valid_until, reason=reason,
            causes=[Cause.CREDENTIAL])
        if approval.status == Approval.Status.APPROVED:
            # the engagements the expiry suspended are restored, and their schools told
            registry_services.sanction_fan_out(actor=case.checked_by, approvals=[approval],
                                               action="restore", reason=reason)
        else:  # a sanction, a re-query not done or the blacklist holds it still
            reason = gettext("Renewed documents verified. The approval stays suspended: "
                             "%(causes)s.") % {"causes": registry_services.held_by_label(
                                 registry_services.approval_held_by(approval))}
            code = ""  # the holds named as they stood: kept as written
        _finish(case, CaseOutcome.APPROVED, reason, code)


@transaction.atomic
def recertification_revoke(*, case: RecertificationProcess) -> None:
    """A record hit on the yearly query. The approval stays suspended (nobody may engage the
    person), and the bar waits for a second person, the bureau's administrator, as a hit in
    a vetting does: confirmed, it revokes the approval and bars the person; the person may
    ask once for a re-check (复查)."""
    # run in the clerk's request: its reasons are kept, and told to others
    with _in_site_language():
        reason = gettext("The yearly record query returned a record.")
        # the renewals are verified: what holds the approval now is the hit, which the bureau
        # lifts if it does not confirm it (a confirmed bar revokes the approval)
        approval = case.approval
        was_in_force = approval.status == Approval.Status.APPROVED
        registry_services.approval_suspend(actor=case.checked_by, approval=approval,
                                           reason=reason, cause=Cause.RECORD_HIT)
        if was_in_force:
            registry_services.sanction_fan_out(actor=case.checked_by, approvals=[approval],
                                               action="suspend", reason=reason)
        registry_services.approval_reinstate(actor=case.checked_by, approval=approval,
                                             reason=reason, causes=[Cause.CREDENTIAL])
        registry_services.person_bar_for_record_hit(
            actor=case.checked_by, bureau=case.bureau, person=case.approval.person,
            reason=gettext("Record query hit during re-certification #%(pk)s") % {"pk": case.pk})
        _finish(case, CaseOutcome.REJECTED, reason, Closing.RECORD_HIT)


def _finish(case, outcome, reason, code=""):
    """Close ``case``. ``code``: the system's reason (``RecertificationProcess.Closing``),
    which pages show in their reader's language; ``reason`` is its words as told now."""
    previous = case.outcome
    case.outcome, case.outcome_reason, case.outcome_code = outcome, reason, code
    case.save(update_fields=["outcome", "outcome_reason", "outcome_code"])
    registry_services.audit_record(actor=None, action=f"recert.{outcome}", target=case,
                                   from_state=previous, to_state=outcome, reason=reason)
    if case.approval.person_id:
        # a person's re-certification may end on the yearly record query: no outcome by email
        notify_private_news(users=recipients.holders_of(case.approval.subject),
                            case=case, kind=gettext("Re-certification"),
                            about=case.approval.subject)
        return
    notify(users=recipients.holders_of(case.approval.subject),
           subject=gettext("Re-certification #%(pk)s: %(outcome)s") % {
               "pk": case.pk, "outcome": case.get_outcome_display()},
           body=reason, case=case, about=case.approval.subject)


def recertifications_expire_after_grace(*, today: datetime.date) -> int:
    """Suspended approvals whose renewal did not arrive within the grace period expire."""
    overdue = (RecertificationProcess.objects.filter(outcome=CaseOutcome.OPEN,
                                                     grace_until__lt=today)
               .order_by("pk").values_list("pk", flat=True)[: settings.RECERT_SWEEP_BATCH])
    return each_apart(list(overdue), _expire_after_grace,
                      what="expiry after the grace period")


def _expire_after_grace(pk: int) -> bool:
    with entry.flow("recertification").lock(pk), transaction.atomic():
        case = RecertificationProcess.objects.get(pk=pk)
        if case.outcome != CaseOutcome.OPEN:
            return False
        now = timezone.now()
        unfinished = case.task_set.exclude(status__in=[STATUS.DONE, STATUS.CANCELED])
        # a renewal sent and waiting for the clerk's check is not a provider's silence; and
        # a person's case reads as rejected however it ended: its organization, which sees
        # only outcomes, must not tell a lapse from a record hit (workflows.record_privacy)
        code = (Closing.UNCHECKED if case.approval.person_id or any(
            task.flow_task is not None and task.flow_task.name == "recert_verify"
            for task in unfinished) else Closing.NOT_RENEWED)
        unfinished.update(status=STATUS.CANCELED, finished=now)
        case.status, case.finished = PROCESS.CANCELED, now
        case.save(update_fields=["status", "finished"])
        approval = Approval.objects.select_for_update().get(pk=case.approval_id)
        reason = gettext("No renewal within the grace period.")
        if approval.status == Approval.Status.SUSPENDED:
            registry_services.approval_expire(actor=None, approval=approval, reason=reason)
            # the engagements its suspension held end, and their schools are told
            registry_services.sanction_fan_out(actor=None, approvals=[approval],
                                               action="expire", reason=reason)
        _finish(case, CaseOutcome.REJECTED, reason, code)
        return True
