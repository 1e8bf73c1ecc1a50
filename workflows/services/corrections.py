"""Correction rounds (补正): sending a case back with a deadline, the provider's
resubmission, and ending the cases whose deadline passed."""

from __future__ import annotations

import dataclasses
import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.status import PROCESS, STATUS

from documents.models import Document, DocumentType
from documents.permissions import may_upload_documents
from documents.services import document_upload
from documents.storage import delete_quietly, document_storage
from registry import services as registry_services
from registry.formatting import labelled, local_date
from registry.models import AuditEvent
from workflows import entry, recipients, selectors
from workflows.models import (
    CaseOutcome,
    SelectionProcess,
    VettingProcess,
)
from workflows.services._base import audit
from workflows.services.errors import CaseStateError
from workflows.services.notifications import notify, notify_private_news
from workflows.services.outcome import case_reject


@transaction.atomic
def case_return_for_correction(*, case, reason: str = "") -> None:
    """Send the case back to the provider (补正) with a deadline. The round is counted when
    the provider submits it (``correction_submit``), not here."""
    case.correction_due = timezone.now() + datetime.timedelta(
        days=settings.WORKFLOW_CORRECTION_DAYS)
    case.save(update_fields=["correction_due"])
    audit(None, "case.return_for_correction", case, to_state="correction", reason=reason,
          data={"round": case.correction_rounds + 1, "missing": case.missing})
    if isinstance(case, VettingProcess):  # about a person: the page says what is missing
        notify_private_news(users=recipients.case_providers(case), case=case,
                            kind=gettext("Vetting"), about=case.person)
        return
    listing = "\n".join(_notice_line(item) for item in correction_items(case))
    notify(users=recipients.case_providers(case),
           subject=gettext("Application #%(pk)s needs correction") % {"pk": case.pk},
           body=gettext("Please correct the following by %(due)s:\n%(items)s\n%(reason)s")
           % {"due": local_date(timezone.localtime(case.correction_due).date()),
              "items": listing, "reason": reason}, case=case,
           about=selectors.case_subject(case))


# What a correction notice calls each state a problem can be in: the checklist's
# (documents.selectors.ChecklistItem.state, as checks.document_problems writes it) and the
# clerk's (a rejected document or policy flag, a rostered person without a vetting: missing).
PROBLEM_STATES = {
    "missing": pgettext_lazy("correction", "missing"),
    "rejected": pgettext_lazy("correction", "not approved in review"),
    "pending": pgettext_lazy("correction", "waiting for review"),
    "expiring": pgettext_lazy("correction", "expires soon"),
    "expired": pgettext_lazy("correction", "expired"),
    "stale": pgettext_lazy("correction", "out of date: a recent one is needed"),
}


def _notice_line(item: CorrectionItem) -> str:
    """One item of a correction notice, in the active language: whose and which document (by
    its type's name), what is wrong with it, and the clerk's reason when one was written."""
    words = {"item": item.label, "reason": item.clerk_reason,
             "state": PROBLEM_STATES.get(item.state) or pgettext("correction",
                                                                  "to be corrected")}
    if item.clerk_reason:
        return gettext("- %(item)s (%(state)s). Reason: %(reason)s") % words
    return gettext("- %(item)s (%(state)s)") % words


def case_corrections_exhausted(*, case) -> bool:
    return case.correction_rounds >= settings.WORKFLOW_MAX_CORRECTION_ROUNDS


def corrections_reject_overdue() -> int:
    """End every case whose correction deadline has passed while it waits for the provider.

    Idempotent: a case is handled under its flow lock and only while its correction
    task is still open.
    """
    count = 0
    now = timezone.now()
    for flow_class, model in ((entry.flow("selection"), SelectionProcess),
                              (entry.flow("vetting"), VettingProcess)):
        overdue = model.objects.filter(outcome=CaseOutcome.OPEN, correction_due__lt=now,
                                       task__flow_task=flow_class.correction,
                                       task__status__in=[STATUS.NEW, STATUS.ASSIGNED]
                                       ).values_list("pk", flat=True).distinct()
        for pk in list(overdue[:500]):
            with flow_class.lock(pk), transaction.atomic():
                case = model.objects.get(pk=pk)
                open_tasks = case.task_set.filter(flow_task=flow_class.correction,
                                                  status__in=[STATUS.NEW, STATUS.ASSIGNED])
                if case.outcome != CaseOutcome.OPEN or not open_tasks.exists():
                    continue
                open_tasks.update(status=STATUS.CANCELED, finished=now)
                case.status, case.finished = PROCESS.DONE, now
                case.save(update_fields=["status", "finished"])
                case_reject(case=case, reason=gettext("The correction deadline passed without a "
                                                      "resubmission."))
                count += 1
    return count


# --- the correction task: replace, answer, submit -------------------------

@dataclasses.dataclass
class CorrectionItem:
    """One thing the bureau sent back: a document to replace (``document_type`` set) or
    something only an answer can deal with (a roster person, a policy flag)."""

    key: str
    label: str
    reason: str
    document_type: DocumentType | None = None
    replaced_by: Document | None = None  # a new version uploaded since the return
    state: str = ""  # what was wrong (PROBLEM_STATES), as the check that found it said
    clerk_reason: str = ""  # what the clerk wrote, if anything (``reason`` may be the check's)

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
    rejected_ids = [_document_id(i) for i in case.missing or [] if _document_id(i)]
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
        if _document_id(raw) in documents:
            kind = documents[_document_id(raw)].document_type
        elif raw.get("subject") == str(subject) or raw.get("subject") == subject.name:
            kind = types.get(code)
        label = labelled(raw.get("subject", ""), kind.display_name if kind else code)
        reason = raw.get("reason") or raw.get("message") or ""
        clerk_reason = _clerk_reason(raw, current.get(kind.pk) if kind else None)
        if kind is not None and kind.pk in by_type:
            # the clerk's rejection and the checklist's "rejected" are one item
            same = by_type[kind.pk]
            same.reason = same.reason or str(reason)
            same.clerk_reason = same.clerk_reason or clerk_reason
            same.state = same.state or str(raw.get("state") or "")
            continue
        replaced = None
        if kind is not None:
            newest = current.get(kind.pk)
            if newest is not None and since is not None and newest.uploaded_at > since:
                replaced = newest
        item = CorrectionItem(key=f"item{len(items)}", label=label, reason=str(reason),
                              document_type=kind, replaced_by=replaced,
                              state=str(raw.get("state") or ""), clerk_reason=clerk_reason)
        items.append(item)
        if kind is not None:
            by_type[kind.pk] = item
    return items


def _clerk_reason(raw: dict, current: Document | None) -> str:
    """What the clerk wrote about a problem: the reason given with it, or, for a rejection
    the checklist found (made before this check), the reason on the rejected document."""
    if raw.get("reason"):
        return str(raw["reason"])
    if (raw.get("state") == "rejected" and current is not None
            and current.review_state == Document.ReviewState.REJECTED):
        return current.rejection_reason or ""
    return ""


def _document_id(raw: dict) -> int | None:
    """The id of the document a problem is about: ``document`` (the qualification check's),
    or a ``document_type`` that is an id (a vetting's, and cases checked before it had
    ``document``)."""
    for value in (raw.get("document"), raw.get("document_type")):
        if str(value or "").isdigit():
            return int(value)
    return None


def _refuse_expired_replacements(items: list[CorrectionItem], uploads: dict) -> None:
    """A replacement already expired (its expiry date, or, without one, its type's validity
    from its issue date, as ``document_upload`` would reckon it) could never correct the
    item: refused beside each such file, before anything is stored. Documents elsewhere may
    be stored expired on purpose (a provider's history); a correction's replacement not."""
    today = timezone.localdate()
    errors = {}
    for item in items:
        if item.key not in uploads or item.document_type is None:
            continue
        _file, issued_on, expires_on = uploads[item.key]
        if expires_on is None and issued_on is not None:
            expires_on = item.document_type.default_expiry(issued_on)
        if expires_on is not None and expires_on < today:
            errors[item.key] = ValidationError(
                _("This replacement expired on %(date)s: upload one that is still valid."),
                code="replacement_expired", params={"date": local_date(expires_on)})
    if errors:
        raise ValidationError(errors)


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
    _refuse_expired_replacements(items, uploads)
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
