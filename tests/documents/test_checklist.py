import datetime

import pytest
from django.utils import translation

from documents import selectors, services
from documents.models import DocumentType
from registry.models import Organization
from tests.documents.conftest import upload
from tests.factories import OrganizationFactory, PersonFactory

ON = datetime.date(2026, 6, 1)
# a private training organization's (the default kind): with fire safety, the
# signed application form and commitment letter, and a recent credit record
ORG_CODES = {"business_licence", "operating_licence", "safety_plan", "liability_insurance",
             "fee_schedule", "venue_proof", "fire_safety", "application_form",
             "commitment_letter", "credit_report"}


def _add(actor, subject, code, *, issued_on=datetime.date(2026, 1, 1), expires_on=None):
    return services.document_upload(
        actor=actor, subject=subject, document_type=DocumentType.objects.get(code=code),
        file=upload(), filename=f"{code}.pdf", issued_on=issued_on, expires_on=expires_on,
    )


def _complete(provider, clerk, organization, expires_on=datetime.date(2027, 12, 31)):
    documents = {}
    for code in sorted(ORG_CODES):
        kind = DocumentType.objects.get(code=code)
        documents[code] = _add(provider, organization, code,
                               expires_on=expires_on if kind.expires else None)
        services.document_verify(actor=clerk, document=documents[code])
    return documents


@pytest.mark.django_db
def test_applicable_types_follow_registration_and_person_kind():
    company = OrganizationFactory(registration_kind=Organization.RegistrationKind.COMPANY)
    nonprofit = OrganizationFactory(registration_kind=Organization.RegistrationKind.NON_PROFIT)
    company_codes = {t.code for t in selectors.document_types_for(company)}
    nonprofit_codes = {t.code for t in selectors.document_types_for(nonprofit)}
    assert company_codes == ORG_CODES
    assert nonprofit_codes == ORG_CODES - {"business_licence"} | {"nonprofit_registration"}

    student = PersonFactory(kind="student")
    codes = {t.code for t in selectors.document_types_for(student)}
    assert codes == {"id_card", "no_criminal_record", "offence_query", "health_certificate",
                     "query_consent", "student_card", "university_recommendation",
                     "person_application_form", "person_commitment_letter",
                     # offered to every person; required only of one teaching a high-risk
                     # sport (test_course_plan_and_high_risk.py)
                     "high_risk_sports_qualification"}


@pytest.mark.django_db
def test_empty_subject_is_all_missing(organization):
    checklist = selectors.requirement_checklist(organization, on=ON)
    assert not checklist.is_complete
    assert {i.document_type.code for i in checklist.missing} == ORG_CODES
    assert checklist.earliest_expiry is None


@pytest.mark.django_db
def test_complete_when_all_verified(provider, clerk, organization, django_assert_max_num_queries):
    _complete(provider, clerk, organization)
    with django_assert_max_num_queries(3):
        checklist = selectors.requirement_checklist(organization, on=ON)
        states = {i.document_type.code: i.state for i in checklist.items}
    assert set(states.values()) == {"verified"}
    assert checklist.is_complete and not checklist.problems
    assert checklist.earliest_expiry == datetime.date(2027, 12, 31)


@pytest.mark.django_db
def test_each_problem_state(provider, clerk, organization):
    docs = _complete(provider, clerk, organization)
    # pending: a new version supersedes the verified one and waits for review
    _add(provider, organization, "safety_plan")
    # rejected
    services.document_reject(actor=clerk, document=docs["fee_schedule"], reason="不清晰")
    # expiring within 30 days, and expired
    expiring = _add(provider, organization, "liability_insurance",
                    expires_on=ON + datetime.timedelta(days=10))
    services.document_verify(actor=clerk, document=expiring)
    expired = _add(provider, organization, "operating_licence",
                   expires_on=ON - datetime.timedelta(days=1))
    services.document_verify(actor=clerk, document=expired)

    checklist = selectors.requirement_checklist(organization, on=ON, within_days=30)
    states = {i.document_type.code: i.state for i in checklist.items}
    assert states == {
        "business_licence": "verified", "venue_proof": "verified", "safety_plan": "pending",
        "fee_schedule": "rejected", "liability_insurance": "expiring",
        "operating_licence": "expired", "fire_safety": "verified",
        "application_form": "verified", "commitment_letter": "verified",
        "credit_report": "verified",
    }
    assert not checklist.is_complete
    # The safety plan's new version waits for review, but the verified one still holds.
    assert {i.document_type.code for i in checklist.problems} == {
        "fee_schedule", "liability_insurance", "operating_licence"}
    assert checklist.earliest_expiry == ON - datetime.timedelta(days=1)
    with translation.override("zh-hans"):
        messages = {i.document_type.code: i.message for i in checklist.problems}
    assert messages["fee_schedule"] == "收费标准被退回：不清晰"
    with translation.override("en"):
        messages = {i.document_type.code: i.message for i in checklist.problems}
    assert messages["fee_schedule"] == "Fee schedule was rejected: 不清晰"
    assert messages["operating_licence"] == "School operating licence expired on May 31, 2026."

    # Without a look-ahead window the insurance is still fine today.
    today_only = selectors.requirement_checklist(organization, on=ON)
    assert {i.document_type.code: i.state for i in today_only.items}[
        "liability_insurance"] == "verified"


@pytest.mark.django_db
def test_document_valid_through_its_expiry_day(provider, clerk, organization):
    _complete(provider, clerk, organization, expires_on=ON)
    assert selectors.requirement_checklist(organization, on=ON).is_complete
    assert not selectors.requirement_checklist(organization, on=ON,
                                               within_days=1).is_complete
    assert not selectors.requirement_checklist(
        organization, on=ON + datetime.timedelta(days=1)).is_complete


@pytest.mark.django_db
def test_renewal_uploaded_early_does_not_undo_the_verified_version(provider, clerk,
                                                                   organization):
    _complete(provider, clerk, organization)
    old = _add(provider, organization, "liability_insurance",
               expires_on=ON + datetime.timedelta(days=10))
    services.document_verify(actor=clerk, document=old)
    renewal = _add(provider, organization, "liability_insurance",
                   issued_on=ON - datetime.timedelta(days=1),
                   expires_on=ON + datetime.timedelta(days=400))

    checklist = selectors.requirement_checklist(organization, on=ON)
    item = next(i for i in checklist.items if i.document_type.code == "liability_insurance")
    assert item.state == "pending" and item.document == renewal and item.in_force == old
    assert checklist.is_complete
    # Approvals may not run past what is verified.
    assert checklist.earliest_expiry == ON + datetime.timedelta(days=10)

    # Looking a month ahead, the old one will have lapsed: the pending renewal is a problem.
    ahead = selectors.requirement_checklist(organization, on=ON, within_days=30)
    assert [i.document_type.code for i in ahead.problems] == ["liability_insurance"]
    later = selectors.requirement_checklist(organization, on=ON + datetime.timedelta(days=11))
    assert not later.is_complete

    services.document_verify(actor=clerk, document=renewal)
    renewed = selectors.requirement_checklist(organization, on=ON, within_days=30)
    assert renewed.is_complete
    assert renewed.earliest_expiry == ON + datetime.timedelta(days=400)


@pytest.mark.django_db
def test_a_credit_record_older_than_30_days_is_stale_at_submission(provider, clerk,
                                                                   organization):
    # given every document verified, the credit report issued on 1 January
    _complete(provider, clerk, organization)
    # then: in force for the reminders, but stale for an application submitted on 1 June
    assert selectors.requirement_checklist(organization, on=ON).is_complete
    checklist = selectors.requirement_checklist(organization, on=ON, submission=True)
    assert [(i.document_type.code, i.state) for i in checklist.problems] == [
        ("credit_report", "stale")]
    with translation.override("zh-hans"):
        assert "30" in checklist.problems[0].message
    # a report issued 30 days before the submission is recent enough
    recent = _add(provider, organization, "credit_report",
                  issued_on=ON - datetime.timedelta(days=30))
    services.document_verify(actor=clerk, document=recent)
    assert selectors.requirement_checklist(organization, on=ON, submission=True).is_complete
