"""Individual vetting (外聘人员资格审查): started by the person, their organization or a
school; the clerk's verification with the mandatory record query (入职查询); the
approval for at most 12 months."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from documents.models import PersonalDataAccess
from documents.services import (
    personal_data_access_record,
)
from registry import selectors as registry_selectors
from registry import services as registry_services
from registry.models import (
    Bureau,
    Person,
)
from workflows import entry, recipients, selectors
from workflows.models import (
    CaseOutcome,
    VettingProcess,
)
from workflows.services import checks
from workflows.services._base import audit
from workflows.services.completeness import check_document_decisions
from workflows.services.outcome import case_finish


@transaction.atomic
def vetting_start(*, actor, person: Person, bureau: Bureau, school=None, consent: bool = False,
                  address: str | None = None) -> VettingProcess:
    """Start an individual's vetting: by the person, their organization, or a school.

    A school may ask only for a person tied to it (see ``person_tied_to_school``), only at a
    bureau whose jurisdiction contains the school, and only with the person's consent to
    the record query: given in their own account, or on a signed form a clerk verified.
    The person starting their own vetting may give that consent here (``consent``)."""
    if school is not None:
        started_by = VettingProcess.StartedBy.SCHOOL
        _refuse_school_start(actor, person, bureau, school)
    elif person.user_id == actor.pk or actor.has_perm("registry.act_for_person", person):
        started_by = VettingProcess.StartedBy.PERSON
    elif person.organization_id and actor.has_perm("registry.act_for_organization",
                                                   person.organization):
        started_by = VettingProcess.StartedBy.ORGANIZATION
    else:
        raise PermissionDenied
    checks.refuse_if_barred(person=person)
    Person.objects.select_for_update().get(pk=person.pk)
    if VettingProcess.objects.filter(person=person, bureau=bureau,
                                     outcome=CaseOutcome.OPEN).exists():
        raise ValidationError(_("This person already has an open vetting case at this "
                                "bureau."))
    if consent:
        registry_services.consent_give(actor=actor, person=person, bureau=bureau,
                                       address=address)
    if started_by == VettingProcess.StartedBy.SCHOOL and not checks.consent_counts(person, bureau):
        raise ValidationError(_("A school may ask for a vetting only once the person has "
                                "consented to the record query (知情同意) in their own "
                                "account, or their signed consent form has been verified by "
                                "a clerk."), code="no_consent")
    return entry.flow("vetting").start.run(actor=actor, person=person, bureau=bureau,
                                           school=school, started_by=started_by)


def _refuse_school_start(actor, person: Person, bureau: Bureau, school) -> None:
    """A school asks only for a person tied to it, at a bureau over the school."""
    if not actor.has_perm("registry.act_for_school", school):
        raise PermissionDenied(_("You do not act for this school."))
    if bureau.jurisdiction_id not in school.county.lineage_ids():
        raise ValidationError({"bureau": _("A school may ask only a bureau whose "
                                           "jurisdiction contains the school.")},
                              code="bureau_out_of_reach")
    if not registry_selectors.person_tied_to_school(person, school):
        # The same answer whether or not the person exists: nothing to learn by asking.
        raise PermissionDenied(_("A school may ask for the vetting only of a person tied to "
                                 "it: on one of its engagements, or who accepted its "
                                 "invitation in their own account."))


@transaction.atomic
def vetting_create(*, activation, actor, person, bureau, school, started_by):
    case = activation.process
    case.person, case.bureau, case.school = person, bureau, school
    case.applicant, case.started_by = actor, started_by
    case.save()
    audit(actor, "case.vetting_start", case, to_state="submitted",
          data={"started_by": started_by, "bureau": bureau.name})
    return case


@transaction.atomic
def vetting_record_check_read(*, actor, case: VettingProcess) -> VettingProcess:
    """Hand the record query of ``case`` to its clerk or an approver of its bureau, and log
    the read (personal data: who, when, through which case)."""
    if not selectors.may_read_record_check(actor, case):
        raise PermissionDenied(_("Only the case's clerk and the bureau's approvers may read "
                                 "the record-check result."))
    if not case.query_result:
        raise ValidationError(_("No record query has been recorded for this case yet."),
                              code="nothing_to_do")
    personal_data_access_record(actor=actor, person=case.person,
                                kind=PersonalDataAccess.Kind.RECORD_CHECK_RESULT,
                                bureau=case.bureau, case_label=f"vetting #{case.pk}")
    return case


def vetting_corrector(case: VettingProcess):
    """Who corrects a vetting case's documents: the one who started it, unless that was a
    school (a school never learns why): then the person in their own account, or else
    their organization."""
    if case.started_by != VettingProcess.StartedBy.SCHOOL:
        return case.applicant
    if case.person.user_id:
        return case.person.user
    providers = (recipients.providers_of(case.person.organization)
                 if case.person.organization_id else [])
    return providers[0] if providers else case.applicant


@transaction.atomic
def vetting_verify(*, actor, case: VettingProcess, decisions: dict, query_reference: str,
                   query_date: datetime.date, query_result: str, note: str = "") -> str:
    """The clerk verifies documents and records the record query; returns the route:
    'decision', 'correction' or 'hit' (a hit can never be approved)."""
    if not actor.has_perm("registry.clerk_bureau", case.bureau):
        raise PermissionDenied
    checks.validate_record_query(query_reference=query_reference, query_date=query_date,
                                 query_result=query_result)
    verified, rejected = check_document_decisions(actor, case.person, decisions)
    if not checks.consent_counts(case.person, case.bureau):
        # The clerk may verify the signed form in these same decisions; nothing else will do.
        raise ValidationError(_("The record query needs the person's consent: given in their "
                                "own account, or a signed consent form (知情同意书) verified "
                                "here."), code="no_consent")
    case.checked_by = actor
    case.query_reference, case.query_date = query_reference.strip(), query_date
    case.query_result = query_result
    case.missing = [{"subject": case.person.name, "document_type": str(r["document"]),
                     "state": "rejected", "reason": r["reason"]} for r in rejected] + \
        checks.document_problems(case.person)
    case.save(update_fields=["checked_by", "query_reference", "query_date", "query_result",
                             "missing"])
    # The audit trail records that a query was made, never its result in clear text.
    audit(actor, "case.vetting_verify", case, reason=note,
          data={"verified": verified, "rejected": rejected, "query_recorded": True})
    if query_result == VettingProcess.QueryResult.HIT:
        _block_person(actor, case)
        return "hit"
    return "correction" if case.missing else "decision"


def _block_person(actor, case: VettingProcess) -> None:
    """A record hit proposes barring the person for good: an administrator of the bureau
    other than this clerk confirms it (four eyes); the person is told and may ask for a
    re-check (复查). The case itself is rejected either way."""
    registry_services.person_bar_for_record_hit(
        actor=actor, bureau=case.bureau, person=case.person,
        reason=gettext("Record query hit during vetting case #%(pk)s") % {"pk": case.pk})


@transaction.atomic
def vetting_take_effect(*, case: VettingProcess) -> None:
    """An approved individual: in force at once, for at most 12 months."""
    today = timezone.localdate()
    grades = ((case.approved_grade_min, case.approved_grade_max)
              if case.approved_grade_min is not None else None)
    approval = registry_services.approval_create(
        actor=case.decided_by, jurisdiction=case.bureau.jurisdiction, person=case.person,
        case_id=case.pk, reason=case.decision_reason,
        categories=list(case.approved_categories.all()), grades=grades)
    registry_services.approval_approve(
        actor=case.decided_by, approval=approval, valid_from=today,
        valid_until=checks.approval_end(case.person, today,
                                        settings.WORKFLOW_INDIVIDUAL_APPROVAL_DAYS),
        reason=case.decision_reason)
    case.approval = approval
    case.save(update_fields=["approval"])
    case_finish(case, CaseOutcome.APPROVED, case.decision_reason)
