"""Rules that read and refuse, shared by the processes: who is barred from applying, whether
consent to the record query counts, what a subject's documents still lack, how long an
approval may run. Nothing here writes a row."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from documents.models import Document
from documents.selectors import requirement_checklist
from registry import selectors as registry_selectors
from registry.models import (
    Approval,
    Bureau,
    Organization,
    Person,
)
from registry.selectors import is_blacklisted
from workflows.models import (
    VettingProcess,
)


def refuse_if_barred(organization: Organization | None = None, person: Person | None = None):
    # One neutral answer for a blacklisting and a suspension alike: whether a credit code
    # or an ID number is blacklisted is for bureau staff to know, not for whoever applies
    # or starts a vetting with it (a school may start one for any person).
    if organization is not None and (
            is_blacklisted(uscc=organization.uscc)
            or Approval.objects.filter(organization=organization,
                                       status=Approval.Status.SUSPENDED).exists()):
        raise ValidationError(_("This organization cannot apply at present. The education "
                                "bureau can tell you why."), code="barred")
    if person is not None and (
            is_blacklisted(id_number=person.id_number)
            or Approval.objects.filter(person=person,
                                       status=Approval.Status.SUSPENDED).exists()):
        raise ValidationError(_("This person cannot be vetted at present. The education "
                                "bureau can tell you why."), code="barred")


def document_problems(subject, *, submission: bool = False) -> list[dict]:
    """The subject's document problems; with ``submission`` (an application being
    submitted) also a credit record too old (DocumentType.max_age_days)."""
    checklist = requirement_checklist(
        subject, within_days=settings.WORKFLOW_MIN_DOCUMENT_VALIDITY_DAYS,
        submission=submission)
    return [{"subject": str(subject), "document_type": str(item.name),
             "state": item.state, "message": str(item.message)}
            for item in checklist.problems]


def refuse_without_high_risk_qualification(person: Person, categories) -> None:
    """Approving ``person`` to teach ``categories``: a high-risk sport among them (游泳 …)
    needs the person's document type for high-risk sports (the swimming instructor's or
    lifeguard's certificate: data, admin-editable) verified and in force for at least
    ``WORKFLOW_MIN_DOCUMENT_VALIDITY_DAYS``, as the organizations' licence is. Refused
    under ``categories``, naming the sport, the person and the document."""
    high_risk = [c for c in categories if c.high_risk]
    if not high_risk:
        return
    checklist = requirement_checklist(
        person, within_days=settings.WORKFLOW_MIN_DOCUMENT_VALIDITY_DAYS,
        categories=categories)
    problems = [item for item in checklist.problems if item.document_type.for_high_risk]
    if problems:
        raise ValidationError({"categories": [ValidationError(
            _("%(category)s is a high-risk sport: to be approved to teach it, %(name)s must "
              "hold %(document)s, verified and in force. %(problem)s"),
            code="high_risk_qualification",
            params={"category": "、".join(c.name for c in high_risk), "name": person.name,
                    "document": item.name, "problem": item.message})
            for item in problems]})


def consent_counts(person: Person, bureau: Bureau) -> bool:
    """Whether the person's consent to ``bureau``'s record query is on record: given in their
    own account (and not withdrawn), or a signed consent form (知情同意书) a clerk verified.
    An unreviewed upload counts for nothing, and nothing counts while the person has
    withdrawn their separate consent to the registry holding their ID number."""
    if registry_selectors.data_consent_withdrawn(person):
        return False
    if registry_selectors.consent_in_force(person, bureau) is not None:
        return True
    return Document.objects.filter(
        person=person, document_type__code="query_consent", superseded_at=None,
        review_state=Document.ReviewState.VERIFIED).exists()


def validate_record_query(*, query_reference: str, query_date, query_result: str) -> None:
    """The mandatory record query (入职查询) is recorded whole: reference, date, result."""
    errors = {}
    if not (query_reference or "").strip():
        errors["query_reference"] = _("Record the reference of the record query.")
    if query_result not in VettingProcess.QueryResult.values:
        errors["query_result"] = _("Record the result of the record query.")
    if query_date is None or query_date > timezone.localdate():
        errors["query_date"] = _("The query date must be a date not in the future.")
    if errors:
        raise ValidationError(errors)


def approval_end(subject, start: datetime.date, term_days: int) -> datetime.date:

    end = start + datetime.timedelta(days=term_days - 1)
    earliest = requirement_checklist(subject).earliest_expiry
    return min(end, earliest) if earliest else end
