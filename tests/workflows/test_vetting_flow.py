"""Individual vetting: the record query decides, an approver approves, 12 months at most."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from registry import services as registry_services
from registry.models import Approval, AuditEvent
from registry.roles import Role
from tests.factories import PersonFactory, SchoolFactory, UserFactory
from tests.workflows.conftest import clerk_verifies, open_tasks, upload_all
from workflows import task_actions
from workflows.models import CaseOutcome
from workflows.services import vetting


@pytest.fixture
def retiree(world):
    person = PersonFactory(organization=world.organization, kind="retiree")
    documents = upload_all(world.provider, person)
    return person, documents


def _verify(world, case, documents, result="clear"):
    clerk_verifies(world.clerk, case, documents, result=result)


def test_clear_query_and_approval_last_at_most_twelve_months(world, retiree):
    person, documents = retiree
    case = vetting.vetting_start(actor=world.provider, person=person, bureau=world.bureau)
    assert case.started_by == "organization"
    _verify(world, case, documents)
    [task] = open_tasks(case, "decision")
    # the clerk who checked cannot decide, even with the approver role
    registry_services.role_grant(actor=world.root, user=world.clerk,
                                 role=Role.BUREAU_APPROVER, target=world.bureau)
    with pytest.raises(PermissionDenied):
        task_actions.task_perform(actor=world.clerk, task=task,
                              data={"decision": "approve", "confirm": "yes", "reason": "同意"})
    # approving names what the approval covers: refused, saying so, without it
    with pytest.raises(ValidationError) as refused:
        task_actions.task_perform(actor=world.approver, task=task,
                                  data={"decision": "approve", "confirm": "yes",
                                        "reason": "材料齐全，查询无记录"})
    assert "可任教的类别" in str(refused.value) and "年级" in str(refused.value)
    case.refresh_from_db()
    assert case.outcome == CaseOutcome.OPEN and case.decision == ""
    task_actions.task_perform(actor=world.approver, task=task,
                          data={"decision": "approve", "confirm": "yes",
                                "reason": "材料齐全，查询无记录", "categories": "sport,arts",
                                "grade_min": "1", "grade_max": "3"})
    case.refresh_from_db()
    assert case.outcome == CaseOutcome.APPROVED
    approval = case.approval
    today = timezone.localdate()
    assert approval.status == Approval.Status.APPROVED and approval.valid_from == today
    assert sorted(c.code for c in approval.categories.all()) == ["arts", "sport"]
    assert (approval.grade_min, approval.grade_max) == (1, 3)
    assert approval.valid_until <= today + datetime.timedelta(days=364)
    # the query result is recorded on the case, but never written into the audit trail
    events = AuditEvent.objects.for_object(case)
    assert not any("clear" in str(e.data) or "NC-2026" in str(e.data) for e in events)


def test_a_record_hit_can_never_be_approved(world, retiree):
    person, documents = retiree
    case = vetting.vetting_start(actor=world.provider, person=person, bureau=world.bureau)
    _verify(world, case, documents, result="hit")
    case.refresh_from_db()
    assert case.outcome == CaseOutcome.REJECTED
    assert not open_tasks(case)
    assert not Approval.objects.filter(person=person, status="approved").exists()
    # the person is barred once an administrator other than the clerk confirms it
    from registry.models import BlacklistProposal
    from registry.selectors import is_blacklisted

    assert not is_blacklisted(id_number=person.id_number)
    proposal = BlacklistProposal.objects.get(person=person, status="proposed")
    with pytest.raises(PermissionDenied):
        registry_services.blacklist_confirm(actor=world.clerk, proposal=proposal)
    registry_services.blacklist_confirm(actor=world.admin, proposal=proposal)
    assert is_blacklisted(id_number=person.id_number)
    with pytest.raises(ValidationError):
        vetting.vetting_start(actor=world.provider, person=person, bureau=world.other_bureau)


def test_school_may_start_only_for_a_tied_person_with_consent(world):
    person = PersonFactory(kind="volunteer", user=UserFactory())
    school = SchoolFactory()
    school_user = UserFactory()
    registry_services.role_grant(actor=world.root, user=school_user, role=Role.SCHOOL,
                                 target=school)
    # not tied to the school
    with pytest.raises(PermissionDenied):
        vetting.vetting_start(actor=school_user, person=person, bureau=world.bureau,
                              school=school)
    invitation = registry_services.school_invite(actor=school_user, school=school,
                                                 id_number=person.id_number, name=person.name)
    registry_services.invitation_answer(actor=person.user, invitation=invitation, accept=True)
    # tied, but no consent of the person's own
    with pytest.raises(ValidationError) as excinfo:
        vetting.vetting_start(actor=school_user, person=person, bureau=world.bureau,
                              school=school)
    assert "知情同意" in str(excinfo.value)
    registry_services.consent_give(actor=person.user, person=person, bureau=world.bureau)
    case = vetting.vetting_start(actor=school_user, person=person, bureau=world.bureau,
                                 school=school)
    assert case.started_by == "school"
    # a user who is neither the person, its organization nor the school cannot start it
    with pytest.raises(PermissionDenied):
        vetting.vetting_start(actor=world.other_provider, person=person,
                              bureau=world.other_bureau)


def test_incomplete_individual_is_sent_back(world):
    person = PersonFactory(organization=world.organization, kind="student")
    upload_all(world.provider, person, skip=["health_certificate"])
    case = vetting.vetting_start(actor=world.provider, person=person, bureau=world.bureau)
    case.refresh_from_db()
    assert case.correction_rounds == 0  # counted when the provider submits the round
    assert open_tasks(case, "correction")[0].owner == world.provider


def test_vetting_twice_at_once_is_refused(world, retiree):
    person, _documents = retiree
    vetting.vetting_start(actor=world.provider, person=person, bureau=world.bureau)
    with pytest.raises(ValidationError):
        vetting.vetting_start(actor=world.provider, person=person, bureau=world.bureau)
