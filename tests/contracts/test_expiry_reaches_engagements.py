"""A credential that expires suspends the approval in the nightly sweep, and the
suspension reaches the school as any other does: the engagement is suspended, the school
and the provider are told, and the public after-school page stops listing it; the verified
renewal restores the engagement and tells the school again."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from documents.models import Document, DocumentType
from documents.services import document_upload
from registry import services
from registry.models import Approval, AuditEvent, Engagement
from tests.contracts.conftest import engage
from tests.contracts.test_contract import sign_all
from tests.registry.builders import bureau_admin
from tests.workflows.conftest import pdf, upload_all
from workflows.models import Notification, RecertificationProcess
from workflows.services import recertification, sweep

INSURANCE = "liability_insurance"


def _listed(client, school) -> list[str]:
    response = client.get(f"/api/v1/schools/{school.pk}/after-school/")
    assert response.status_code == 200
    return [activity["provider"] for activity in response.json()["activities"]]


def _told(user) -> list[str]:
    return list(Notification.objects.filter(user=user).values_list("subject", flat=True))


def _active_with_expired_insurance(contract) -> Engagement:
    """An active engagement of the organization, whose liability insurance expired
    yesterday."""
    engagement = sign_all(contract, engage(contract))
    services.engagement_activate(actor=contract["user"], engagement=engagement)
    upload_all(contract["provider"], contract["org"])
    today = timezone.localdate()
    Document.objects.filter(organization=contract["org"], superseded_at__isnull=True,
                            document_type__code=INSURANCE).update(
        issued_on=today - datetime.timedelta(days=300),
        expires_on=today - datetime.timedelta(days=1))
    return engagement


@pytest.mark.django_db
def test_an_expired_credential_suspends_the_engagement_until_the_renewal(contract, client):
    # given an active engagement of an organization whose liability insurance expired
    # yesterday
    org, school, school_user = contract["org"], contract["school"], contract["user"]
    engagement = _active_with_expired_insurance(contract)
    today = timezone.localdate()
    assert org.name in _listed(client, school)
    Notification.objects.all().delete()

    # when the nightly sweep runs
    assert sweep.credential_sweep(today=today).suspended == 1

    # then the engagement is suspended with its audit event, the school and the provider
    # are told, and the parents' page no longer lists the provider
    approval = Approval.objects.get(pk=contract["org_approval"].pk)
    assert approval.status == Approval.Status.SUSPENDED
    engagement.refresh_from_db()
    assert engagement.status == Engagement.Status.SUSPENDED
    assert AuditEvent.objects.filter(action="engagement.suspend",
                                     target_id=str(engagement.pk)).exists()
    assert any(org.name in subject for subject in _told(school_user))
    assert any(org.name in subject for subject in _told(contract["provider"]))
    assert org.name not in _listed(client, school)

    # when the renewed insurance is uploaded and verified
    document_upload(actor=contract["provider"], subject=org,
                    document_type=DocumentType.objects.get(code=INSURANCE),
                    file=pdf("保险.pdf"), filename="保险.pdf",
                    issued_on=today, expires_on=today + datetime.timedelta(days=365))
    Notification.objects.all().delete()
    recertification.recertification_restore(
        case=RecertificationProcess.objects.get(approval=approval))

    # then the engagement is back, the school is told, and the page lists it again
    engagement.refresh_from_db()
    assert engagement.status == Engagement.Status.ACTIVE
    assert any(org.name in subject for subject in _told(school_user))
    assert org.name in _listed(client, school)


@pytest.mark.django_db
def test_without_renewal_the_engagement_ends_and_the_school_is_told_why(contract, client,
                                                                       settings):
    # given an engagement suspended by the sweep for the organization's expired insurance
    org, school, school_user = contract["org"], contract["school"], contract["user"]
    engagement = _active_with_expired_insurance(contract)
    today = timezone.localdate()
    assert sweep.credential_sweep(today=today).suspended == 1
    Notification.objects.all().delete()

    # when the grace period passes without a renewal
    after_grace = today + datetime.timedelta(days=settings.RECERT_GRACE_DAYS + 1)
    assert sweep.credential_sweep(today=after_grace).expired_after_grace == 1

    # then the approval has expired, the engagement is terminated with its audit event, and
    # the school and the provider are told it expired (not that it was revoked)
    assert Approval.objects.get(pk=contract["org_approval"].pk).status == \
        Approval.Status.EXPIRED
    engagement.refresh_from_db()
    assert engagement.status == Engagement.Status.TERMINATED
    assert AuditEvent.objects.filter(action="engagement.terminate",
                                     target_id=str(engagement.pk)).exists()
    for user in (school_user, contract["provider"]):
        told = _told(user)
        assert f"{org.name} 的准入资格已到期失效" in told, told
        assert not any("撤销" in subject for subject in told)
    assert org.name not in _listed(client, school)


@pytest.mark.django_db
def test_the_bureau_cannot_restore_one_engagement_while_its_provider_is_suspended(contract):
    engagement = _active_with_expired_insurance(contract)
    assert sweep.credential_sweep(today=timezone.localdate()).suspended == 1
    admin, bureau = bureau_admin("360100")
    with pytest.raises(ValidationError) as refused:
        services.engagement_restore(actor=admin, bureau=bureau, engagement=engagement,
                                    reason="学校申请恢复")
    assert refused.value.code == "approval_not_in_force"
    engagement.refresh_from_db()
    assert engagement.status == Engagement.Status.SUSPENDED


@pytest.mark.django_db
def test_an_engagement_past_the_end_of_its_approval_ends_with_it(contract, client):
    # given an active engagement whose approval now ends before it (a renewal that
    # stopped early at a document's expiry)
    org, school = contract["org"], contract["school"]
    engagement = sign_all(contract, engage(contract))
    services.engagement_activate(actor=contract["user"], engagement=engagement)
    today = timezone.localdate()
    Approval.objects.filter(pk=contract["org_approval"].pk).update(
        valid_until=today - datetime.timedelta(days=1))
    Notification.objects.all().delete()

    # when the sweep expires the approval
    assert sweep.credential_sweep(today=today).expired_term == 1

    # then the engagement ends and the school is told the approval expired
    engagement.refresh_from_db()
    assert engagement.status == Engagement.Status.TERMINATED
    assert f"{org.name} 的准入资格已到期失效" in _told(contract["user"])
    assert org.name not in _listed(client, school)
