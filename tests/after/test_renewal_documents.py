"""Issue 20 (4): a 1+1 renewal never runs past a document the approval rests on.

Decided from the domain (DOMAIN.md: "nobody expired may appear as available; an expiring
credential is known before it expires") and the rule the approval itself follows when
granted (``approval_end``: the term, but never past the earliest expiry of a required
document): the renewal stops on the day the document expires and tells the provider which
document to renew; a document that expires before the current term even ends leaves
nothing to renew, and the renewal is refused with a clear message naming it. Default
settings, through the beat schedule and the annual review's task on a shifted clock."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from documents.selectors import document_types_for
from documents.services import document_upload
from registry import services
from registry.models import Approval, AuditEvent, Bureau
from registry.roles import Role
from tests.after.beat import at, beat_day
from tests.factories import UserFactory
from tests.registry.builders import approve, organization
from tests.workflows.conftest import pdf
from workflows.models import AnnualReviewProcess, Notification

pytestmark = pytest.mark.django_db
START = datetime.date(2027, 1, 11)
REVIEW = datetime.date(2027, 6, 1)  # the bureau's annual review date (default)
D = datetime.timedelta


def _provider_with_documents(short_lived_until: datetime.date):
    """An approved organization whose documents expire late, but one, on the given day."""
    with at(START):
        admin = UserFactory()
        services.role_grant(actor=None, user=admin, role=Role.BUREAU_ADMIN,
                            target=Bureau.objects.get(jurisdiction__code="360100"))
        org = organization("南昌弈林围棋培训有限公司", ("少儿围棋启蒙班", "arts", "25"))
        owner = UserFactory()
        services.role_grant(actor=None, user=owner, role=Role.PROVIDER, target=org)
        expiring = [kind for kind in document_types_for(org) if kind.expires]
        for kind in expiring:
            document_upload(actor=owner, subject=org, document_type=kind,
                            file=pdf(f"{kind.code}.pdf"), filename=f"{kind.code}.pdf",
                            issued_on=START - D(30),
                            expires_on=short_lived_until if kind == expiring[0]
                            else START + D(900))
        approval = approve(organization=org, where="360100", categories=("arts",),
                           valid_from=START, valid_until=START + D(364))
    return admin, owner, approval, expiring[0]


def _renew(client, admin, approval):
    beat_day(REVIEW)
    case = AnnualReviewProcess.objects.get(approval=approval, period_end=REVIEW)
    task = Task.objects.get(process_id=case.pk, status=STATUS.NEW, flow_task_type="HUMAN")
    with at(REVIEW, 10):
        client.force_login(admin)
        return client.post(f"/api/v1/tasks/{task.pk}/act/",
                           {"data": {"decision": "renew", "reason": "满意度良好，无事故",
                                     "confirm": True}},
                           content_type="application/json")


def test_the_renewal_stops_on_the_day_a_document_expires_and_says_which(client):
    admin, owner, approval, kind = _provider_with_documents(START + D(500))
    done = _renew(client, admin, approval)
    assert done.status_code == 200, done.content
    approval.refresh_from_db()
    # one more term would run to START + 729; the document ends it on START + 500
    assert approval.valid_until == START + D(500) and approval.renewals == 1
    event = AuditEvent.objects.get(action="approval.renew")
    assert event.data["limited_by"] == kind.name
    assert event.data["term_until"] == (START + D(729)).isoformat()
    told = Notification.objects.filter(user=owner, subject__contains="续").values_list(
        "body", flat=True)
    assert any(kind.name in body and "2028年5月25日" in body for body in told), list(told)


def test_a_document_expiring_within_the_current_term_refuses_the_renewal_naming_it(client):
    admin, _owner, approval, kind = _provider_with_documents(START + D(300))
    events = AuditEvent.objects.filter(action="approval.renew").count()
    refused = _renew(client, admin, approval)
    assert refused.status_code == 400, refused.content
    message = str(refused.json())
    assert kind.name in message and "2027年11月7日" in message
    approval.refresh_from_db()
    assert approval.valid_until == START + D(364) and approval.renewals == 0
    assert AuditEvent.objects.filter(action="approval.renew").count() == events
    assert Approval.objects.get(pk=approval.pk).status == "approved"


def test_the_service_refuses_with_its_code_and_no_document_means_the_full_term():
    with at(START):
        org = organization("南昌市黑白围棋培训中心", ("围棋", "arts", "20"))
        approval = approve(organization=org, where="360100", categories=("arts",),
                           valid_from=START, valid_until=START + D(364))
    with at(REVIEW):
        renewed = services.approval_renew(actor=None, approval=approval, reason="良好")
    assert renewed.valid_until == START + D(729)
    _admin, _owner, other, _kind = _provider_with_documents(START + D(100))
    with at(REVIEW), pytest.raises(ValidationError) as refused:
        services.approval_renew(actor=None, approval=other, reason="良好")
    assert refused.value.code == "document_expires"
    assert Approval.objects.get(pk=other.pk).renewals == 0
