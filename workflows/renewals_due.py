"""What a re-certification case asks the provider to renew, as its task page and its case
page list it: each due document type (``RecertificationProcess.due_types``) with the expiry
of the version that lapsed, the date by which it must be renewed, whether a renewal has been
uploaded since, and where to upload it. Read for those who may read the subject's documents
(``documents.permissions.may_view_documents``): the same dates their documents page shows."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import pgettext

from documents.models import Document, DocumentType
from documents.permissions import may_upload_documents, may_view_documents
from registry.expiry import expired_on
from workflows.models import CaseOutcome, RecertificationProcess
from workflows.selectors import case_url


def recertification_due(user, case) -> dict | None:
    """``case``'s due documents for ``user`` to read, or None (not a re-certification case,
    or a reader who may not read its subject's documents). One query past the case's approval
    and the permission checks, however many types are due: the lapsed versions and the
    subject's current ones together."""
    if not isinstance(case, RecertificationProcess) or not case.due_types:
        return None
    approval = case.approval
    subject = approval.subject
    if not may_view_documents(user, subject):
        return None
    holder = "organization" if approval.organization_id else "person"
    lapsed_pks = [item["document"] for item in case.due_types]
    codes = {item["code"] for item in case.due_types}
    documents = {d.pk: d for d in Document.objects.filter(
        Q(pk__in=lapsed_pks) | Q(superseded_at__isnull=True, document_type__code__in=codes),
        **{holder: subject}).select_related("document_type")}
    current = {(d.document_type.code, d.offering_id): d for d in documents.values()
               if d.superseded_at is None}
    page = reverse("documents:subject", args=[holder, subject.pk])
    today = timezone.localdate()
    items = []
    for item in case.due_types:
        lapsed = documents.get(item["document"])
        if lapsed is None:  # a version deleted with its subject's data: nothing to show of it
            continue
        now = current.get((item["code"], lapsed.offering_id))
        renewal = now if now is not None and now.pk != lapsed.pk else None
        items.append({
            "name": lapsed.document_type.display_name,
            "code": item["code"],
            "expires_on": lapsed.expires_on,
            "state": "expired" if expired_on(lapsed.expires_on, today) else "expiring",
            "renewal": renewal,
            "upload_url": f"{page}?type={item['code']}#upload",
        })
    return {"items": items, "grace_until": case.grace_until, "documents_url": page,
            "open": case.outcome == CaseOutcome.OPEN,
            "may_upload": may_upload_documents(user, subject),
            # the lapsed versions, marked where the case's documents are listed
            "lapsed": {d.pk for d in documents.values() if expired_on(d.expires_on, today)
                       and d.pk in lapsed_pks}}


def renewals_due_of(approval_pks: list[int]) -> dict[int, dict]:
    """What each approval of ``approval_pks`` must renew, by its open re-certification case
    (``registry.selectors.renewals_due_register``): the due types' names in the reader's
    language, the grace date, and where to upload and to follow the case. Two queries."""
    cases = list(RecertificationProcess.objects.filter(
        approval_id__in=approval_pks, outcome=CaseOutcome.OPEN).select_related("approval"))
    codes = {item["code"] for case in cases for item in case.due_types}
    names = {t.code: t.display_name for t in DocumentType.objects.filter(code__in=codes)}
    due = {}
    for case in cases:
        approval = case.approval
        holder = "organization" if approval.organization_id else "person"
        due[approval.pk] = {
            "names": pgettext("list separator", ", ").join(dict.fromkeys(
                names.get(item["code"], item["name"]) for item in case.due_types)),
            "grace_until": case.grace_until,
            "documents_url": reverse("documents:subject",
                                     args=[holder, approval.organization_id
                                           or approval.person_id]),
            "case_url": case_url(case),
        }
    return due
