"""Corrections that work (补正): the provider replaces each rejected or missing document
inside the correction task (web page or API), answers each item, and submits; a round is
counted when it is submitted, not when the case is sent back or a page is opened.

A new module while ``services.py`` is being split (issue 24); it calls the documents
services for the uploads and records one audit event per submission."""

from __future__ import annotations

import dataclasses
import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from documents.models import Document, DocumentType
from documents.permissions import may_upload_documents
from documents.services import document_upload
from documents.storage import delete_quietly, document_storage
from registry import services as registry_services
from registry.models import AuditEvent
from workflows import selectors
from workflows.services import CaseStateError


@dataclasses.dataclass
class CorrectionItem:
    """One thing the bureau sent back: a document to replace (``document_type`` set) or
    something only an answer can deal with (a roster person, a policy flag)."""

    key: str
    label: str
    reason: str
    document_type: DocumentType | None = None
    replaced_by: Document | None = None  # a new version uploaded since the return

    @property
    def needs_file(self) -> bool:
        return self.document_type is not None


def _returned_at(case) -> datetime.datetime | None:
    return (AuditEvent.objects.for_object(case).filter(action="case.return_for_correction")
            .order_by("-created_at").values_list("created_at", flat=True).first())


def correction_items(case) -> list[CorrectionItem]:
    """What the returned case asks to correct, item by item, with the clerk's reason and
    whether a replacement was uploaded since (three queries whatever the number of items)."""
    subject = selectors.case_subject(case)
    rejected_ids = [int(i["document_type"]) for i in case.missing or []
                    if str(i.get("document_type", "")).isdigit()]
    documents = {d.pk: d for d in Document.objects.filter(pk__in=rejected_ids)
                 .select_related("document_type")}
    types = {}  # the problems name the type in the language of the step that found them
    for t in DocumentType.objects.filter(is_active=True):
        if t.applies_to(subject):
            types.update({t.name: t, t.name_en: t, str(t.display_name): t})
    since = _returned_at(case)
    current = {d.document_type_id: d for d in selectors.case_documents(case)}
    items, by_type = [], {}
    for raw in case.missing or []:
        code = str(raw.get("document_type", ""))
        kind = None
        if code.isdigit() and int(code) in documents:
            kind = documents[int(code)].document_type
        elif raw.get("subject") == str(subject) or raw.get("subject") == subject.name:
            kind = types.get(code)
        label = f"{raw.get('subject', '')}: {kind.display_name if kind else code}"
        reason = raw.get("reason") or raw.get("message") or ""
        if kind is not None and kind.pk in by_type:
            # the clerk's rejection and the checklist's "rejected" are one item
            by_type[kind.pk].reason = by_type[kind.pk].reason or str(reason)
            continue
        replaced = None
        if kind is not None:
            newest = current.get(kind.pk)
            if newest is not None and since is not None and newest.uploaded_at > since:
                replaced = newest
        item = CorrectionItem(key=f"item{len(items)}", label=label, reason=str(reason),
                              document_type=kind, replaced_by=replaced)
        items.append(item)
        if kind is not None:
            by_type[kind.pk] = item
    return items


@transaction.atomic
def correction_submit(*, actor, case, answers: dict, uploads: dict) -> list[CorrectionItem]:
    """Submit the corrections: ``uploads`` maps an item's key to ``(file, issued_on,
    expires_on)`` (a replacement of its document), ``answers`` an item's key to the
    provider's answer. Every document item needs a replacement (now or since the return),
    every other item an answer; otherwise nothing is stored and the refusal names them.
    The round is counted here."""
    subject = selectors.case_subject(case)
    if not may_upload_documents(actor, subject):
        raise CaseStateError(_("Only the applicant may correct this application."))
    if case.correction_due and timezone.now() > case.correction_due:
        raise CaseStateError(_("The correction deadline has passed."))
    items = correction_items(case)
    unanswered = []
    for item in items:
        answer = (answers.get(item.key) or "").strip()
        if item.needs_file:
            if item.replaced_by is None and item.key not in uploads:
                unanswered.append(item.label)
        elif not answer:
            unanswered.append(item.label)
    if unanswered:
        raise ValidationError(
            _("Not yet corrected: %(items)s. Replace each rejected or missing document and "
              "answer each other item, then submit.") % {"items": "；".join(unanswered)},
            code="correction_incomplete")
    stored = []
    try:
        for item in items:
            if item.key not in uploads:
                continue
            file, issued_on, expires_on = uploads[item.key]
            try:
                document = document_upload(
                    actor=actor, subject=subject, document_type=item.document_type,
                    file=file, filename=file.name, issued_on=issued_on,
                    expires_on=expires_on,
                    declared_content_type=getattr(file, "content_type", None))
            except ValidationError as error:
                messages = error.messages
                raise ValidationError({item.key: messages}) from None
            stored.append(document.storage_key)
            item.replaced_by = document
    except BaseException:
        # the outer transaction rolls the rows back; the stored bytes go with them
        storage = document_storage()
        for key in stored:
            delete_quietly(storage, key)
        raise
    type(case).objects.filter(pk=case.pk).update(correction_rounds=F("correction_rounds") + 1)
    case.refresh_from_db(fields=["correction_rounds"])
    registry_services.audit_record(
        actor=actor, action="case.correction_submit", target=case,
        from_state="correction", to_state="submitted",
        data={"round": case.correction_rounds,
              "items": [{"item": i.label, "answer": (answers.get(i.key) or "").strip(),
                         "document": i.replaced_by.pk if i.replaced_by else None}
                        for i in items]})
    return items


__all__ = ["correction_items", "correction_submit", "gettext"]
