"""One suspension, several causes: answering one cause never puts back in force an approval
another cause still holds (registry.models.holds), through the pages the bureau uses."""

import datetime

import pytest
from django.urls import reverse

from registry import services
from registry.models import (
    Approval,
    ApprovalHold,
    AuditEvent,
    BlacklistProposal,
    Engagement,
    RecordRequery,
)
from registry.roles import Role
from tests.after.beat import at, beat_day
from tests.factories import UserFactory
from workflows.models import Notification

pytestmark = pytest.mark.django_db
MARCH_5, APRIL_2 = datetime.date(2027, 3, 5), datetime.date(2027, 4, 2)


@pytest.fixture
def silent(people, client):
    """The person who gave no consent, suspended by the bureau's administrator on 5 March
    (an incident), whose yearly re-query then goes overdue on 1 April."""
    admin = UserFactory()
    services.role_grant(actor=None, user=admin, role=Role.BUREAU_ADMIN,
                        target=people["bureau"])
    beat_day(datetime.date(2027, 3, 1))
    with at(MARCH_5):
        client.force_login(admin)
        page = client.post(reverse("registry:bureau", args=[people["bureau"].pk]), {
            "action": "suspend", "person": people["silent"]["person"].pk,
            "reason": "家长投诉，调查中", "confirm": "yes"})
    assert page.status_code == 302
    beat_day(datetime.date(2027, 4, 1))
    found = people["silent"]
    requery = RecordRequery.objects.get(approval=found["approval"])
    assert requery.status == RecordRequery.Status.OVERDUE
    # held for both causes, each with its audit event
    assert set(ApprovalHold.objects.filter(approval=found["approval"], lifted_at=None)
               .values_list("cause", flat=True)) == {"sanction", "requery"}
    return {**found, "admin": admin, "requery": requery}


def _status(row) -> str:
    return type(row).objects.get(pk=row.pk).status


def _record(people, silent, client, result="clear"):
    """The person consents late and the clerk records the re-query, on the page."""
    with at(APRIL_2):
        services.consent_give(actor=silent["person"].user, person=silent["person"],
                              bureau=people["bureau"], purpose="requery")
        client.force_login(people["clerk"])
        page = client.post(reverse("registry:requery-record",
                                   args=[people["bureau"].pk, silent["requery"].pk]),
                           {"query_reference": "CX-2027-002", "query_date": "2027-04-02",
                            "result": result})
    assert page.status_code == 302
    assert _status(silent["requery"]) == (RecordRequery.Status.DONE if result == "clear"
                                          else RecordRequery.Status.HIT)


def _reinstate(people, silent, client):
    with at(APRIL_2):
        client.force_login(silent["admin"])
        return client.post(reverse("registry:bureau", args=[people["bureau"].pk]), {
            "action": "reinstate", "person": silent["person"].pk, "reason": "调查结束，无责任"},
            follow=True)


def test_a_late_requery_does_not_lift_the_bureaus_sanction(people, silent, client):
    Notification.objects.all().delete()
    # when the re-query is done, late
    _record(people, silent, client)
    # then the person stays suspended: the bureau's sanction still holds them, and the
    # school hears of no lifting
    assert _status(silent["approval"]) == Approval.Status.SUSPENDED
    assert _status(silent["engagement"]) == Engagement.Status.SUSPENDED
    assert not Notification.objects.filter(user=people["school_account"]).exists()
    # until the administrator lifts the sanction: then back in force, and the school told
    page = _reinstate(people, silent, client)
    assert page.status_code == 200
    assert _status(silent["approval"]) == Approval.Status.APPROVED
    assert _status(silent["engagement"]) == silent["engagement"].status
    assert Notification.objects.filter(user=people["school_account"]).exists()


def test_lifting_the_sanction_does_not_forget_the_requery_not_done(people, silent, client):
    Notification.objects.all().delete()
    # when the administrator lifts the sanction before the re-query is done
    page = _reinstate(people, silent, client)
    # then the person stays suspended, and the page says why, in Chinese
    assert _status(silent["approval"]) == Approval.Status.SUSPENDED
    assert _status(silent["engagement"]) == Engagement.Status.SUSPENDED
    body = page.content.decode()
    assert "暂停将持续" in body and "年度" in body
    assert not Notification.objects.filter(user=people["school_account"]).exists()
    # and when the re-query is done, the person is back in force and the school told
    _record(people, silent, client)
    assert _status(silent["approval"]) == Approval.Status.APPROVED
    assert _status(silent["engagement"]) == silent["engagement"].status
    assert Notification.objects.filter(user=people["school_account"]).exists()
    assert not ApprovalHold.objects.filter(approval=silent["approval"],
                                           lifted_at=None).exists()
    # each step in the audit trail: the sanction lifted while held, then back in force
    events = AuditEvent.objects.for_object(silent["approval"]).order_by("pk")
    held = events.get(action="approval.hold_lift")
    assert held.data == {"lifted": ["sanction"], "remaining": ["requery"]}
    assert events.filter(action="approval.approved").last().data == {"lifted": ["requery"]}


def test_the_api_names_what_still_holds_a_reinstated_approval(people, silent, client):
    with at(APRIL_2):
        client.force_login(silent["admin"])
        response = client.post("/api/v1/sanctions/", {
            "bureau": people["bureau"].pk, "action": "reinstate",
            "person": silent["person"].pk, "reason": "调查结束"})
    assert response.status_code == 201, response.content
    assert response.json()["approvals"] == [
        {"id": silent["approval"].pk, "status": "suspended", "held_by": ["requery"]}]


def test_a_late_requery_that_finds_a_record_holds_the_person_for_the_hit(people, silent,
                                                                         client):
    # when the late re-query finds a record
    _record(people, silent, client, result="hit")
    # then the re-query no longer holds the person, the hit does (and the sanction)
    assert services.approval_held_by(silent["approval"]) == ["sanction", "record_hit"]
    # when the bar is refused, the hit no longer holds them: the sanction still does
    [proposal] = BlacklistProposal.objects.filter(person=silent["person"])
    with at(APRIL_2):
        services.blacklist_refuse(actor=silent["admin"], proposal=proposal,
                                  reason="查询结果系同名误报")
    assert services.approval_held_by(silent["approval"]) == ["sanction"]
    assert _status(silent["approval"]) == Approval.Status.SUSPENDED
    # and when the bureau lifts its suspension too, back in force
    page = _reinstate(people, silent, client)
    assert page.status_code == 200
    assert _status(silent["approval"]) == Approval.Status.APPROVED


def test_a_record_hit_the_bureau_refuses_to_confirm_puts_the_person_back(people, client):
    # given the willing person, whose yearly re-query finds a record
    beat_day(datetime.date(2027, 3, 1))
    willing = people["willing"]
    requery = RecordRequery.objects.get(approval=willing["approval"])
    with at(MARCH_5):
        client.force_login(people["clerk"])
        page = client.post(reverse("registry:requery-record",
                                   args=[people["bureau"].pk, requery.pk]),
                           {"query_reference": "CX-2027-001", "query_date": "2027-03-04",
                            "result": "hit"})
    assert page.status_code == 302
    assert _status(willing["approval"]) == Approval.Status.SUSPENDED
    assert _status(willing["engagement"]) == Engagement.Status.SUSPENDED
    # when an administrator refuses the bar (the record was someone else's)
    admin = UserFactory()
    services.role_grant(actor=None, user=admin, role=Role.BUREAU_ADMIN,
                        target=people["bureau"])
    Notification.objects.all().delete()
    [proposal] = BlacklistProposal.objects.filter(person=willing["person"])
    with at(MARCH_5):
        client.force_login(admin)
        page = client.post(reverse("registry:blacklist-refuse",
                                   args=[people["bureau"].pk, proposal.pk]),
                           {"reason": "查询结果系同名误报"})
    assert page.status_code == 302, page.content
    # then the person is back in force, and the school is told
    assert _status(willing["approval"]) == Approval.Status.APPROVED
    assert _status(willing["engagement"]) == willing["engagement"].status
    assert Notification.objects.filter(user=people["school_account"]).exists()
