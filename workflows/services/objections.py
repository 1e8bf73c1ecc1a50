"""Objections during the public notice: filed by anyone with a real name and evidence,
resolved by a clerk (upheld rejects the case)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from documents.services import (
    STORAGE_ERRORS,
    StorageUnavailable,
    inspect_upload,
)
from documents.storage import delete_quietly, document_storage, new_storage_key
from documents.validation import validate_filename
from registry import services as registry_services
from registry.models import (
    Approval,
    AuditAction,
)
from workflows import recipients
from workflows.models import (
    CaseOutcome,
    Objection,
    ObjectionEvidence,
    SelectionProcess,
)
from workflows.services._base import audit, require_text
from workflows.services.errors import CaseStateError
from workflows.services.notifications import notify


def _objection_window_open(case: SelectionProcess) -> bool:
    return (case.outcome == CaseOutcome.OPEN and case.approval_id is not None
            and case.notice_ends_on is not None
            and timezone.localdate() <= case.notice_ends_on
            and case.approval.status == Approval.Status.PENDING)


_ANONYMOUS = {"匿名", "无名", "anonymous", "anon", "none", "n/a", "某某", "不详"}


@transaction.atomic
def objection_file(*, case: SelectionProcess, real_name: str, contact: str, reason: str,
                   evidence=(), filed_by=None) -> Objection:
    """Anyone may object during the notice, with a real name, contact and a reason, and up
    to ``OBJECTION_MAX_FILES`` evidence files: all are stored, or none (and no row).
    ``filed_by``, the user who objected if signed in, is told in the app (in the language
    they wrote in) when the bureau acknowledges and when it resolves the objection."""
    case = SelectionProcess.objects.select_for_update().get(pk=case.pk)
    if not _objection_window_open(case):
        raise CaseStateError(_("Objections can only be filed while the public notice runs."))
    files = [f for f in (evidence or ()) if f is not None]
    errors = {}
    name = (real_name or "").strip()
    if len(name) < 2 or name.lower() in _ANONYMOUS:
        errors["real_name"] = _("Give your real name; anonymous objections are not "
                                "considered.")
    if not (contact or "").strip():
        errors["contact"] = _("Give a phone number or email address so the bureau can "
                              "reach you.")
    if len((reason or "").strip()) < 5:
        errors["reason"] = _("Explain the objection and the facts it rests on.")
    if len(files) > settings.OBJECTION_MAX_FILES:
        errors["evidence"] = _("Attach at most %(count)d evidence files.") % {
            "count": settings.OBJECTION_MAX_FILES}
    if errors:
        raise ValidationError(errors)
    user = filed_by if filed_by is not None and filed_by.is_authenticated else None
    objection = Objection(case=case, real_name=name[:64], contact=contact.strip()[:128],
                          reason=reason.strip(), filed_by=user,
                          language=(get_language() or "")[:16])
    stored = []
    try:
        for file in files:
            stored.append(_store_evidence(file))
        objection.save()
        ObjectionEvidence.objects.bulk_create(
            ObjectionEvidence(objection=objection, storage_key=key, sha256=sha256,
                              original_name=filename) for key, sha256, filename in stored)
    except BaseException:
        for key, _sha256, _filename in stored:  # nothing kept of a refused objection
            delete_quietly(document_storage(), key)
        raise
    audit(None, "case.objection_filed", case,
          data={"objection": objection.pk, "evidence_files": len(stored)})
    notify(users=recipients.staff_of(case.bureau, "clerk_bureau"),
           subject=gettext("An objection was filed against application #%(pk)s") % {"pk": case.pk},
           body=objection.reason[:500], case=case, about=case.bureau)
    notify(users=recipients.providers_of(case.organization),
           subject=gettext("An objection was filed against application #%(pk)s") % {"pk": case.pk},
           body=gettext("The bureau will look into it and inform you of the outcome."),
           case=case, about=case.organization)
    return objection


def _store_evidence(file) -> tuple[str, str, str]:
    """Check and store objection evidence like any document: by content, streamed."""
    name = validate_filename(getattr(file, "name", "") or "evidence")
    inspected = inspect_upload(file, max_bytes=settings.DOCUMENTS_MAX_UPLOAD_BYTES,
                               allowed=list(settings.DOCUMENTS_ALLOWED_TYPES))
    try:
        key = document_storage().save(new_storage_key(inspected.content_type), file)
    except STORAGE_ERRORS as exc:
        raise StorageUnavailable() from exc
    return key, inspected.sha256, name


@transaction.atomic
def objection_resolve(*, actor, objection: Objection, upheld: bool, reason: str,
                      applicant_note: str = "") -> Objection:
    """A clerk resolves an objection; upheld rejects the case at once. The applicant is told
    ``applicant_note`` (what the clerk writes for them), never the objector or the finding."""
    objection = Objection.objects.select_for_update().get(pk=objection.pk)
    case = objection.case
    if not actor.has_perm("registry.clerk_bureau", case.bureau):
        raise PermissionDenied
    if objection.status not in Objection.UNRESOLVED:
        raise CaseStateError(_("This objection has already been resolved."))
    reason = require_text(reason, "reason", _("Give the reason for the resolution."))
    objection.status = Objection.Status.UPHELD if upheld else Objection.Status.DISMISSED
    objection.resolved_by, objection.resolution_reason = actor, reason
    objection.resolved_at = timezone.now()
    objection.applicant_note = (applicant_note or "").strip()
    objection.save(update_fields=["status", "resolved_by", "resolution_reason", "resolved_at",
                                  "applicant_note"])
    told = told_to_applicant(objection)
    objector_told = _tell_objector(objection)
    # the finding is the event's reason, for the bureau; the applicant's view of the case's
    # history shows what they were told instead (workflows.selectors.case_timeline)
    audit(actor, "case.objection_resolved", case, to_state=objection.status, reason=reason,
          data={"objection": objection.pk, "told_to_applicant": told,
                "objector_notified": objector_told})
    if upheld and case.approval and case.approval.status == Approval.Status.PENDING:
        registry_services.approval_revoke(actor=actor, approval=case.approval,
                                          reason=gettext("Objection upheld: %(r)s") % {"r": told})
    notify(users=recipients.providers_of(case.organization),
           subject=gettext("An objection to application #%(pk)s was %(status)s")
           % {"pk": case.pk, "status": objection.get_status_display()},
           body=objection.applicant_note or gettext("See the case's page for the outcome."),
           case=case, about=case.organization)
    return objection


def told_to_applicant(objection: Objection | None) -> str:
    """What the applicant reads of a resolved objection: the note the clerk wrote for them,
    else only that it was upheld or dismissed. Never the finding (the bureau's record, which
    may name the objector or repeat their words)."""
    if objection is None:
        return ""
    if objection.applicant_note:
        return objection.applicant_note
    return (gettext("An objection to the notice was upheld.")
            if objection.status == Objection.Status.UPHELD
            else gettext("An objection to the notice was dismissed."))


# --- handled during the notice -----------------------------------------------

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
        raise CaseStateError(_("This objection has already been resolved."))
    if step in ("uphold", "dismiss"):
        if not (finding or "").strip():
            raise ValidationError({"finding": _("Record the finding.")})
        if not (applicant_note or "").strip():
            raise ValidationError({"applicant_note": _(
                "Write what the applicant is told (without the objector's name or words).")})
        objection = objection_resolve(actor=actor, objection=objection,
                                               upheld=step == "uphold", reason=finding,
                                               applicant_note=applicant_note)
        if step == "uphold" and stop_notice:
            _notice_ends_now(case)
        return objection
    to, action = ((Objection.Status.ACKNOWLEDGED, AuditAction.CASE_OBJECTION_ACKNOWLEDGED)
                  if step == "acknowledge" else
                  (Objection.Status.INVESTIGATING, AuditAction.CASE_OBJECTION_INVESTIGATING))
    previous, objection.status = objection.status, to
    objection.save(update_fields=["status"])
    objector_told = _tell_objector(objection) if step == "acknowledge" else False
    registry_services.audit_record(
        actor=actor, action=action, target=case, from_state=previous,
        to_state=to, reason=(finding or "").strip(),
        data={"objection": objection.pk, "objector_notified": objector_told})
    return objection


# What the objector reads, by the objection's status: words for the public, never the
# bureau's finding or the note written for the applicant
_TO_OBJECTOR = {
    Objection.Status.ACKNOWLEDGED: (
        _("Your objection was received"),
        _("The bureau has received your objection to the public notice of %(name)s and is "
          "looking into it. You will be told the outcome.")),
    Objection.Status.UPHELD: (
        _("Your objection was upheld"),
        _("The bureau looked into your objection to the public notice of %(name)s and found "
          "it well founded: it was upheld, and the application it concerns is not approved "
          "on this notice.")),
    Objection.Status.DISMISSED: (
        _("Your objection was not upheld"),
        _("The bureau looked into your objection to the public notice of %(name)s and did "
          "not find it well founded: it was dismissed.")),
}


def _tell_objector(objection: Objection) -> bool:
    """An in-app notification to whoever objected, if they were signed in when they did, in
    the language they wrote in, of where their objection stands; whether one was sent."""
    user = objection.filed_by
    if user is None or not user.is_active or objection.status not in _TO_OBJECTOR:
        return False
    subject, body = _TO_OBJECTOR[objection.status]
    with translation.override(objection.language or settings.LANGUAGE_CODE):
        # the provider's name is public while the notice runs; nothing of the case's file
        notify(users=[user], subject=str(subject),
               body=str(body) % {"name": objection.case.organization.name},
               about=objection.case.organization)
    return True


def _notice_ends_now(case) -> None:
    """The notice's timer fires at once (the periodic dispatcher picks it up); its gate
    finds the approval revoked and rejects the case with the finding."""
    Task.objects.filter(process_id=case.pk, flow_task_type="TIMER",
                        status=STATUS.SCHEDULED).update(scheduled=timezone.now())
    registry_services.audit_record(actor=None, action="case.notice_stopped", target=case,
                                   to_state="stopped")
