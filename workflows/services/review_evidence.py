"""Review cases' evidence files (the provider's answer and rectification): checked like
documents before any is stored, stored last in the step's transaction, read only by the
provider concerned and the staff of the case's bureau."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from documents.permissions import VIEW_BUREAU_PERMISSIONS
from documents.services import StorageUnavailable, inspect_upload
from documents.storage import STORAGE_ERRORS, delete_quietly, document_storage, new_storage_key
from documents.validation import check_declared_type, validate_filename
from registry import services as registry_services
from workflows.models import ReviewCaseEvidence, ReviewCaseProcess

Case = ReviewCaseProcess

def may_act_for_provider(user, case: Case) -> bool:
    if not (user and user.is_authenticated):
        return False
    if case.organization_id:
        return user.has_perm("registry.act_for_organization", case.organization)
    return registry_services.may_act_as_person(user, case.person)


# --- evidence files (the answer's and the rectification's) ------------------------------

EVIDENCE_MAX_FILES = 10


def _evidence_checked(files) -> list[tuple]:
    """Every file checked like a document (name, size, content, declared type) before any
    is stored: ``(file, name, inspected)``; a refusal names the file, under
    ``evidence_files``."""
    files = [f for f in (files or ()) if f is not None]
    if len(files) > EVIDENCE_MAX_FILES:
        raise ValidationError({"evidence_files": _("Attach at most %(count)d files.")
                               % {"count": EVIDENCE_MAX_FILES}})
    checked = []
    for file in files:
        name = str(getattr(file, "name", "") or "evidence")
        try:
            name = validate_filename(name)
            inspected = inspect_upload(file, max_bytes=settings.DOCUMENTS_MAX_UPLOAD_BYTES,
                                       allowed=list(settings.DOCUMENTS_ALLOWED_TYPES))
            check_declared_type(getattr(file, "content_type", None), inspected.content_type)
        except ValidationError as error:
            raise ValidationError({"evidence_files": [f"{name}: {message}"
                                                      for message in error.messages]}) from None
        checked.append((file, name, inspected))
    return checked


def _evidence_store(*, actor, case: Case, step: str, checked) -> list[ReviewCaseEvidence]:
    """Store the checked files and their rows; called last in its transaction, so that a
    storage failure rolls everything back (and removes what was stored)."""
    storage, stored, rows = document_storage(), [], []
    try:
        for file, name, inspected in checked:
            key = new_storage_key(inspected.content_type)
            try:
                key = storage.save(key, file)
            except STORAGE_ERRORS as exc:
                raise StorageUnavailable() from exc
            stored.append(key)
            rows.append(ReviewCaseEvidence(
                case=case, step=step, original_name=name, storage_key=key,
                size=inspected.size, sha256=inspected.sha256,
                content_type=inspected.content_type, uploaded_by=actor))
        ReviewCaseEvidence.objects.bulk_create(rows)
    except BaseException:
        for key in stored:
            delete_quietly(storage, key)
        raise
    return rows


def may_read_evidence(user, case: Case) -> bool:
    """The provider concerned and the staff of the case's bureau, nobody else."""
    if may_act_for_provider(user, case):
        return True
    return bool(user and user.is_authenticated and user.is_active) and any(
        user.has_perm(f"registry.{codename}", case.bureau)
        for codename in VIEW_BUREAU_PERMISSIONS)


@transaction.atomic
def review_case_evidence_open(*, actor, evidence: ReviewCaseEvidence, via: str = "web"):
    """The stored bytes of an evidence file, for the provider and the case's bureau staff.
    Each read is audited on the case (who, which file, ``via`` web or api), as a
    document's read is recorded: what the provider sent in its defence is read by
    name."""
    if not may_read_evidence(actor, evidence.case):
        raise PermissionDenied(_("Only the provider concerned and the bureau's staff may "
                                 "read this file."))
    try:
        handle = document_storage().open(evidence.storage_key, "rb")
    except STORAGE_ERRORS as exc:
        raise StorageUnavailable() from exc
    try:
        registry_services.audit_record(
            actor=actor, action="review_case.evidence_read", target=evidence.case,
            data={"evidence": evidence.pk, "file": evidence.original_name,
                  "step": evidence.step, "via": via})
    except BaseException:
        handle.close()  # not given out unrecorded
        raise
    return handle
