"""Writes. Keyword-only, typed, one transaction each, acting user explicit, audited."""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.db.models import Case, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from documents import permissions
from documents.inspection import MarkupScanner, inspect_content
from documents.models import Document, DocumentDownload, DocumentType, PersonalDataAccess
from documents.previews import image_preview
from documents.storage import (
    STORAGE_ERRORS,
    delete_quietly,
    document_storage,
    is_s3,
    new_storage_key,
)
from documents.validation import (
    SNIFF_BYTES,
    check_declared_type,
    field_error,
    sniff_content_type,
    validate_filename,
)
from registry.errors import Unavailable
from registry.models import Offering, Organization, Person
from registry.models.subjects import subject_kwargs
from registry.services import audit_event, audit_record, audit_record_many

# A presigned URL never lives longer than this, whatever the settings say.
MAX_PRESIGNED_SECONDS = 300


class StorageUnavailable(Unavailable):
    """The document store could not be reached; nothing was recorded."""

    message = _("The document store is not reachable right now. Nothing was saved; "
                "please try again later.")


@dataclasses.dataclass(frozen=True)
class _Inspected:
    sha256: str
    size: int
    content_type: str


def _subject_fields(subject) -> dict:
    if isinstance(subject, Organization | Person) and subject.pk:
        return subject_kwargs(subject)
    raise field_error("subject", _("Unknown organization or person."), "no_subject")


def too_large_error(max_bytes: int):
    """The refusal of a file over ``max_bytes`` (also used before a request body is read)."""
    return field_error("file", _("The file is larger than the limit of %(limit)s MB.")
                       % {"limit": f"{max_bytes / (1024 * 1024):g}"}, "too_large")


def _inspect(file, *, max_bytes: int, allowed: list[str]) -> _Inspected:
    """Hash, measure, sniff and scan ``file`` chunk by chunk, then open it with the parser
    of its type (documents.inspection); never holds it whole in memory. Every refusal is a
    field error on ``file``; the file is left at its start, ready to be stored."""
    too_large = too_large_error(max_bytes)
    declared_size = getattr(file, "size", None)
    if declared_size is not None and declared_size > max_bytes:
        raise too_large
    digest, size, head = hashlib.sha256(), 0, b""
    scanner = MarkupScanner()
    for chunk in file.chunks():
        scanner.feed(chunk)
        if len(head) < SNIFF_BYTES:
            head += chunk[: SNIFF_BYTES - len(head)]
        size += len(chunk)
        if size > max_bytes:
            raise too_large
        digest.update(chunk)
    if size == 0:
        raise field_error("file", _("The file is empty."), "empty")
    detected = sniff_content_type(head)
    if detected is None or detected not in allowed:
        raise field_error("file", _("Only PDF, JPEG and PNG files are accepted; the content "
                                    "of this file is none of them."), "type_not_allowed")
    inspect_content(file, detected, scanner, max_pixels=settings.DOCUMENTS_MAX_IMAGE_PIXELS)
    return _Inspected(sha256=digest.hexdigest(), size=size, content_type=detected)


# Public name for other apps that store evidence the same way (workflows' objections).
inspect_upload = _inspect


def _resolve_type(document_type) -> DocumentType:
    if isinstance(document_type, DocumentType):
        return document_type
    found = DocumentType.objects.active().filter(code=str(document_type or "")).first()
    if found is None:
        raise field_error("document_type", _("Unknown document type."), "unknown_type")
    return found


@transaction.atomic
def document_upload(
    *,
    actor,
    subject: Organization | Person,
    document_type: DocumentType | str,
    file: File,
    filename: str,
    issued_on: datetime.date,
    expires_on: datetime.date | None = None,
    declared_content_type: str | None = None,
    offering=None,
) -> Document:
    """Store a new version of a document and make it the current one for its type (and
    ``offering``, for a type that is one per offering: a course plan, 课程方案).

    The file is streamed twice, never read whole: once to hash, measure and sniff
    it (every refusal happens before anything is stored), then into the private
    storage (S3 uploads large files in parts). The database row is written in the
    same transaction as the supersession and the audit event; if storing fails,
    that transaction rolls back and the half-written object is removed.
    """
    subject_fields = _subject_fields(subject)
    if not permissions.may_upload_documents(actor, subject):
        raise PermissionDenied(_("You may not upload documents for this provider."))
    kind = _resolve_type(document_type)
    if not kind.is_active or not kind.applies_to(subject):
        raise field_error("document_type",
                          _("This document type does not apply to this provider."),
                          "type_not_applicable")
    if offering is not None and not hasattr(offering, "organization_id"):
        # an id, as a form or the API gives it: only the subject's own offerings
        found = (Offering.objects.filter(pk=offering, organization=subject).first()
                 if isinstance(subject, Organization) and str(offering).isdigit() else None)
        if found is None:
            raise field_error("offering", _("Unknown offering of this organization."),
                              "unknown_offering")
        offering = found
    if kind.per_offering:
        if offering is None or not isinstance(subject, Organization) or (
                offering.organization_id != subject.pk):
            raise field_error("offering", _("Choose which of the organization's offerings "
                                            "this %(name)s is for.") % {
                                  "name": kind.display_name}, "offering_required")
        if not offering.is_active:
            raise field_error("offering", _("This offering is no longer offered."),
                              "offering_inactive")
    elif offering is not None:
        raise field_error("offering", _("This document is not about one offering."),
                          "offering_not_applicable")
    name = validate_filename(filename)
    today = timezone.localdate()
    if issued_on is None:
        raise field_error("issued_on", _("Give the issue date."), "required")
    if issued_on > today:
        raise field_error("issued_on", _("The issue date is in the future."), "issued_in_future")
    if expires_on is None:
        expires_on = kind.default_expiry(issued_on)
    if expires_on is not None and expires_on < issued_on:
        raise field_error("expires_on", _("The expiry date is before the issue date."),
                          "expiry_before_issue")
    inspected = _inspect(file, max_bytes=settings.DOCUMENTS_MAX_UPLOAD_BYTES,
                         allowed=list(settings.DOCUMENTS_ALLOWED_TYPES))
    check_declared_type(declared_content_type, inspected.content_type)

    def write_rows(key: str) -> Document:
        # Lock the subject so that two uploads of one type supersede one after the other.
        type(subject).objects.select_for_update().filter(pk=subject.pk).exists()
        now = timezone.now()
        previous = (
            Document.objects.select_for_update()
            .filter(document_type=kind, superseded_at__isnull=True, offering=offering,
                    **subject_fields)
            .first()
        )
        if previous is not None:
            previous.superseded_at = now
            previous.save(update_fields=["superseded_at"])
        document = Document.objects.create(
            document_type=kind, issued_on=issued_on, expires_on=expires_on,
            original_name=name, storage_key=key, size=inspected.size,
            sha256=inspected.sha256, content_type=inspected.content_type,
            uploaded_by=actor, uploaded_at=now, offering=offering, **subject_fields,
        )
        if previous is not None:
            previous.superseded_by = document
            previous.save(update_fields=["superseded_by"])
            audit_record(actor=actor, action="document.supersede", target=previous,
                         from_state="current", to_state="superseded",
                         data={"by": document.pk})
        audit_record(
            actor=actor, action="document.upload", target=document,
            to_state=document.review_state,
            data={"type": kind.code, "sha256": inspected.sha256, "size": inspected.size,
                  "supersedes": previous.pk if previous else None,
                  **({"offering": offering.pk} if offering is not None else {})},
        )
        return document

    return store_with_row(file, inspected.content_type, write_rows)


def store_with_row(file: File, content_type: str, write_row) -> Any:
    """Store ``file`` under a new random key together with the row ``write_row(key)``
    writes (and returns): the rows are written first and the file last, in one
    transaction, so that a storage failure rolls the rows back with it
    (:class:`StorageUnavailable`), and a failure after storing removes the stored object."""
    storage = document_storage()
    key = new_storage_key(content_type)
    stored_key = None
    try:
        with transaction.atomic():
            row = write_row(key)
            try:
                stored_key = storage.save(key, file)
            except STORAGE_ERRORS as exc:
                raise StorageUnavailable() from exc
            if stored_key != key:  # the storage chose another name: the row follows it
                row.storage_key = stored_key
                row.save(update_fields=["storage_key"])
    except BaseException:
        delete_quietly(storage, stored_key or key)
        raise
    return row


VERIFY, REJECT = "verify", "reject"


@transaction.atomic
def documents_review(*, actor, subject, decisions: dict) -> list[Document]:
    """A clerk's verdict on several documents of one subject, as one action.

    ``decisions`` maps a document (or its id) to ``"verify"`` or ``("reject", reason)``.
    Permission is asked once for the subject; the documents are locked together, checked
    against the review map, saved in one UPDATE and audited in one INSERT (one event per
    document). All or nothing: one refused verdict changes no document.
    """
    if not permissions.may_review_documents(actor, subject):
        raise PermissionDenied(_("You may not review this provider's documents."))
    verdicts = {}
    for key, decision in decisions.items():
        verdict, reason = decision if isinstance(decision, tuple | list) else (decision, "")
        if verdict == REJECT and not (reason or "").strip():
            raise field_error("reason", _("Give a reason; the provider will read it."),
                              "required")
        if verdict not in (VERIFY, REJECT):
            raise field_error("decision", _("Unknown decision: %(v)s.") % {"v": verdict},
                              "invalid")
        verdicts[getattr(key, "pk", key)] = (verdict, (reason or "").strip())
    locked = list(Document.objects.select_for_update(of=("self",))
                  .select_related("document_type", "organization", "person")
                  .filter(pk__in=list(verdicts), **_subject_fields(subject)).order_by("pk"))
    if len(locked) != len(verdicts):
        raise field_error("document", _("A document is not one of this provider's."),
                          "invalid")
    now, events = timezone.now(), []
    for document in locked:
        verdict, reason = verdicts[document.pk]
        state = (Document.ReviewState.VERIFIED if verdict == VERIFY
                 else Document.ReviewState.REJECTED)
        previous = document.apply_review(state)
        document.reviewed_by, document.reviewed_at = actor, now
        document.rejection_reason = reason if verdict == REJECT else ""
        events.append(audit_event(
            actor=actor, action=f"document.{verdict}", target=document,
            from_state=previous, to_state=state, reason=document.rejection_reason))
    _save_reviews(locked, actor=actor, now=now)
    audit_record_many(events)
    return locked


def _save_reviews(documents: list[Document], *, actor, now) -> None:
    """One UPDATE of the reviewed documents: the reviewer and the time are the same for all,
    and only rejected documents differ (their state and reason). ``bulk_update`` wrote a
    CASE branch per document for each of the four fields: for a case of 40 documents, 160
    expressions the ORM resolved in Python, most of the clerk's check."""
    rejected = {document.pk: document.rejection_reason for document in documents
                if document.review_state == Document.ReviewState.REJECTED}
    verified = Value(Document.ReviewState.VERIFIED.value)
    if not rejected:
        state, reason = verified, Value("")
    else:
        state = Case(When(pk__in=list(rejected),
                          then=Value(Document.ReviewState.REJECTED.value)), default=verified)
        reason = Case(*[When(pk=pk, then=Value(text)) for pk, text in rejected.items()],
                      default=Value(""))
    Document.objects.filter(pk__in=[document.pk for document in documents]).update(
        review_state=state, reviewed_by=actor, reviewed_at=now, rejection_reason=reason)


@transaction.atomic
def document_verify(*, actor, document: Document) -> Document:
    """A clerk confirms the document is genuine and matches what was declared."""
    [reviewed] = documents_review(actor=actor, subject=document.subject,
                                  decisions={document.pk: VERIFY})
    document.refresh_from_db()
    return reviewed


@transaction.atomic
def document_reject(*, actor, document: Document, reason: str) -> Document:
    """A clerk refuses the document, with a reason the provider will read."""
    [reviewed] = documents_review(actor=actor, subject=document.subject,
                                  decisions={document.pk: (REJECT, reason)})
    document.refresh_from_db()
    return reviewed


@dataclasses.dataclass
class DownloadTicket:
    """How to hand the bytes over: a presigned URL (S3) or an open file (local)."""

    document: Document
    url: str | None = None
    file: File | None = None
    # an image scaled and turned upright for reading in the page (``document_view``)
    content: bytes | None = None
    inline: bool = False


def _content_disposition(name: str, disposition: str = "attachment") -> str:
    return f"{disposition}; filename*=UTF-8''{quote(name)}"


# What a browser shows by itself: PDFs in its own viewer, images scaled in the page.
INLINE_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png"})
IMAGE_TYPES = frozenset({"image/jpeg", "image/png"})


@transaction.atomic
def document_download(*, actor, document: Document, inline: bool = False) -> DownloadTicket:
    """Check the reader may see it, record the read, and return how to deliver the bytes
    (as an attachment, or with ``inline`` for the browser's own viewer)."""
    if not permissions.may_view_documents(actor, document.subject):
        raise PermissionDenied(_("You may not read this provider's documents."))
    inline = inline and document.content_type in INLINE_TYPES
    storage = document_storage()
    try:
        if is_s3(storage):
            seconds = min(int(getattr(settings, "DOCUMENTS_DOWNLOAD_URL_SECONDS",
                                      MAX_PRESIGNED_SECONDS)), MAX_PRESIGNED_SECONDS)
            ticket = DownloadTicket(document=document, inline=inline, url=storage.url(
                document.storage_key, expire=seconds,
                parameters={"ResponseContentDisposition": _content_disposition(
                                document.original_name, "inline" if inline else "attachment"),
                            "ResponseContentType": document.content_type},
            ))
            via = "presigned"
        else:
            ticket = DownloadTicket(document=document, inline=inline,
                                    file=storage.open(document.storage_key, "rb"))
            via = "stream"
    except STORAGE_ERRORS as exc:
        raise StorageUnavailable() from exc
    _record_read(actor, document, via="inline-" + via if inline else via)
    return ticket


@transaction.atomic
def document_view(*, actor, document: Document, max_side: int = 1600) -> DownloadTicket:
    """A document for reading beside a task's form: an image scaled to ``max_side`` and
    turned upright (EXIF), a PDF for the browser's own viewer, anything else downloaded.
    The read is recorded like a download."""
    if document.content_type not in IMAGE_TYPES:
        return document_download(actor=actor, document=document, inline=True)
    if not permissions.may_view_documents(actor, document.subject):
        raise PermissionDenied(_("You may not read this provider's documents."))
    try:
        content = image_preview(document, max_side)
    except STORAGE_ERRORS as exc:
        raise StorageUnavailable() from exc
    _record_read(actor, document, via="preview")
    return DownloadTicket(document=document, content=content, inline=True)


def _record_read(actor, document: Document, *, via: str) -> None:
    """Every read of a document's bytes is recorded; a person's sensitive one also in the
    personal-data access log."""
    DocumentDownload.objects.create(document=document, user=actor, via=via)
    if document.person_id and document.document_type.is_sensitive:
        personal_data_access_record(actor=actor, person=document.person,
                                    kind=PersonalDataAccess.Kind.DOCUMENT, document=document)


@transaction.atomic
def personal_data_access_record(*, actor, person: Person, kind: str,
                                document: Document | None = None, bureau=None,
                                case_label: str = "") -> PersonalDataAccess:
    """Log one read of a person's sensitive data. A read by bureau staff names the bureau
    and the case through which they reach the person (found here when not given); the
    person's own reads and their employer's are logged too, without a bureau."""
    if bureau is None and person.user_id != actor.pk:
        reached = permissions.case_reach().case_for(actor, person)
        if reached is not None:
            bureau, case_label = reached
    return PersonalDataAccess.objects.create(
        person=person, actor=actor, bureau=bureau, kind=kind, document=document,
        case_label=case_label[:64])
