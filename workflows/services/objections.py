"""Objections during the public notice: filed by anyone with a real name and evidence,
resolved by a clerk (upheld rejects the case)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

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
)
from workflows import selectors
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
                   evidence=()) -> Objection:
    """Anyone may object during the notice, with a real name, contact and a reason, and up
    to ``OBJECTION_MAX_FILES`` evidence files: all are stored, or none (and no row)."""
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
    objection = Objection(case=case, real_name=name[:64], contact=contact.strip()[:128],
                          reason=reason.strip())
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
    notify(users=selectors.staff_of(case.bureau, "clerk_bureau"),
           subject=gettext("An objection was filed against application #%(pk)s") % {"pk": case.pk},
           body=objection.reason[:500])
    notify(users=selectors.providers_of(case.organization),
           subject=gettext("An objection was filed against application #%(pk)s") % {"pk": case.pk},
           body=gettext("The bureau will look into it and inform you of the outcome."))
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
def objection_resolve(*, actor, objection: Objection, upheld: bool, reason: str) -> Objection:
    """A clerk resolves an objection; upheld rejects the case at once."""
    objection = Objection.objects.select_for_update().get(pk=objection.pk)
    case = objection.case
    if not actor.has_perm("registry.clerk_bureau", case.bureau):
        raise PermissionDenied
    if objection.status != Objection.Status.OPEN:
        raise CaseStateError(_("This objection has already been resolved."))
    reason = require_text(reason, "reason", _("Give the reason for the resolution."))
    objection.status = Objection.Status.UPHELD if upheld else Objection.Status.DISMISSED
    objection.resolved_by, objection.resolution_reason = actor, reason
    objection.resolved_at = timezone.now()
    objection.save(update_fields=["status", "resolved_by", "resolution_reason", "resolved_at"])
    audit(actor, "case.objection_resolved", case, to_state=objection.status, reason=reason,
          data={"objection": objection.pk})
    if upheld and case.approval and case.approval.status == Approval.Status.PENDING:
        registry_services.approval_revoke(actor=actor, approval=case.approval,
                                          reason=gettext("Objection upheld: %(r)s") % {"r": reason})
    notify(users=selectors.providers_of(case.organization),
           subject=gettext("An objection to application #%(pk)s was %(status)s")
           % {"pk": case.pk, "status": objection.get_status_display()}, body=reason)
    return objection
