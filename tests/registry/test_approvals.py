import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from registry import services
from registry.models import Approval, AuditEvent, InvalidTransition
from tests.factories import ApprovalFactory, OrganizationFactory, UserFactory

S = Approval.Status


def _approval_in(status, actor):
    approval = services.approval_create(
        actor=actor, jurisdiction=ApprovalFactory.build().jurisdiction,
        organization=OrganizationFactory(),
    )
    today = timezone.localdate()
    if status == S.PENDING:
        return approval
    approval = services.approval_approve(
        actor=actor, approval=approval, valid_from=today,
        valid_until=today + datetime.timedelta(days=30),
    )
    if status == S.APPROVED:
        return approval
    if status == S.SUSPENDED:
        return services.approval_suspend(actor=actor, approval=approval, reason="证件过期")
    return services.approval_transition(actor=actor, approval=approval, to=status, reason="x")


ALLOWED = {
    (S.PENDING, S.APPROVED), (S.PENDING, S.REVOKED),
    (S.APPROVED, S.SUSPENDED), (S.APPROVED, S.REVOKED), (S.APPROVED, S.EXPIRED),
    (S.SUSPENDED, S.APPROVED), (S.SUSPENDED, S.REVOKED), (S.SUSPENDED, S.EXPIRED),
}


@pytest.mark.django_db
@pytest.mark.parametrize("source", list(S))
@pytest.mark.parametrize("target", list(S))
def test_transition_map_is_enforced_and_audited(source, target):
    # given an approval in `source`
    actor = UserFactory()
    approval = _approval_in(source, actor)
    events_before = AuditEvent.objects.count()

    # when asked to move to `target`
    if (source, target) in ALLOWED:
        services.approval_transition(actor=actor, approval=approval, to=target, reason="测试")
        # then it moved, with exactly one audit event saying from → to
        approval.refresh_from_db()
        assert approval.status == target
        event = AuditEvent.objects.latest("pk")
        assert AuditEvent.objects.count() == events_before + 1
        assert (event.from_state, event.to_state, event.actor) == (source, target, actor)
        assert event.reason == "测试"
    else:
        with pytest.raises(InvalidTransition):
            services.approval_transition(actor=actor, approval=approval, to=target, reason="x")
        # then nothing was written
        approval.refresh_from_db()
        assert approval.status == source
        assert AuditEvent.objects.count() == events_before


@pytest.mark.django_db
def test_forbidden_transition_message_names_both_states():
    actor = UserFactory()
    approval = _approval_in(S.REVOKED, actor)
    with pytest.raises(InvalidTransition) as excinfo:
        services.approval_transition(actor=actor, approval=approval, to=S.APPROVED)
    assert "已撤销" in excinfo.value.messages[0] and "已批准" in excinfo.value.messages[0]


@pytest.mark.django_db
def test_suspension_needs_a_reason():
    actor = UserFactory()
    approval = _approval_in(S.APPROVED, actor)
    with pytest.raises(ValidationError):
        services.approval_suspend(actor=actor, approval=approval, reason="  ")
    approval.refresh_from_db()
    assert approval.status == S.APPROVED


@pytest.mark.django_db
def test_only_one_open_approval_per_subject_and_jurisdiction():
    actor = UserFactory()
    approval = _approval_in(S.APPROVED, actor)
    with pytest.raises(ValidationError):
        services.approval_create(actor=actor, jurisdiction=approval.jurisdiction,
                                 organization=approval.organization)
    # once revoked, a new application may be approved again
    services.approval_revoke(actor=actor, approval=approval, reason="违规")
    services.approval_create(actor=actor, jurisdiction=approval.jurisdiction,
                             organization=approval.organization)


@pytest.mark.django_db
def test_valid_on_is_evaluated_at_query_time():
    actor = UserFactory()
    approval = _approval_in(S.APPROVED, actor)
    today = timezone.localdate()
    assert Approval.objects.valid_on(today).filter(pk=approval.pk).exists()
    assert not Approval.objects.valid_on(today + datetime.timedelta(days=31)).filter(
        pk=approval.pk).exists()
    assert not Approval.objects.valid_on(today - datetime.timedelta(days=1)).filter(
        pk=approval.pk).exists()
    services.approval_suspend(actor=actor, approval=approval, reason="事故调查")
    assert not Approval.objects.valid_on(today).filter(pk=approval.pk).exists()


@pytest.mark.django_db
def test_an_approval_is_for_exactly_one_subject():
    actor = UserFactory()
    with pytest.raises(ValidationError):
        services.approval_create(actor=actor, jurisdiction=ApprovalFactory.build().jurisdiction)
