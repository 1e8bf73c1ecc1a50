"""After approval, with the default settings, through the beat schedule on a shifted clock:
the yearly record re-query on the bureau's date (1 March by default) and its 30-day limit;
the term's 60/30/7-day reminders; the 1+1 renewal."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from registry import services
from registry.models import (
    Approval,
    AuditEvent,
    Engagement,
    RecordQueryConsent,
    RecordRequery,
    ServiceCategory,
    TermReminder,
)
from registry.roles import Role
from registry.services import after_approval
from tests.after.beat import at, beat_day
from tests.factories import UserFactory
from tests.registry.builders import approve, organization
from workflows.models import Notification

pytestmark = pytest.mark.django_db
START = datetime.date(2027, 1, 11)  # a Monday
D = datetime.timedelta


def _told(user) -> list[str]:
    return list(Notification.objects.filter(user=user).values_list("subject", flat=True))


def test_yearly_requery_opens_on_the_bureaus_date_and_overdue_suspends(people, client):
    # nothing before the date
    beat_day(datetime.date(2027, 2, 28))
    assert not RecordRequery.objects.exists()
    # on 1 March every person in service gets a task for the clerk, due in 30 days
    beat_day(datetime.date(2027, 3, 1))
    beat_day(datetime.date(2027, 3, 2))  # a rerun opens nothing twice
    tasks = {r.person.name: r for r in RecordRequery.objects.all()}
    assert set(tasks) == {"willing", "silent"}
    assert {r.due_on for r in tasks.values()} == {datetime.date(2027, 3, 31)}
    assert any("入职查询" in s or "复查" in s or "查询" in s for s in _told(people["clerk"]))
    assert _told(people["silent"]["person"].user)  # asked for the consent
    # the clerk records the willing one's query, on the page
    with at(datetime.date(2027, 3, 5)):
        client.force_login(people["clerk"])
        url = reverse("registry:requery-record", args=[people["bureau"].pk,
                                                       tasks["willing"].pk])
        page = client.post(url, {"query_reference": "CX-2027-001", "query_date": "2027-03-04",
                                 "result": "clear"})
        assert page.status_code == 302 and page.url == reverse(
            "registry:requeries", args=[people["bureau"].pk])
        # the silent one has not consented: refused with the reason, nothing changed
        url = reverse("registry:requery-record", args=[people["bureau"].pk,
                                                       tasks["silent"].pk])
        refused = client.post(url, {"query_reference": "CX-2027-002",
                                    "query_date": "2027-03-04", "result": "clear"})
        assert refused.status_code == 400
        assert "同意" in refused.content.decode()
        listing = client.get(reverse("registry:requeries", args=[people["bureau"].pk]))
        assert listing.status_code == 200
        assert "1 of 2 done" in listing.content.decode() or "已完成 1" in \
            listing.content.decode()
    assert RecordRequery.objects.get(pk=tasks["silent"].pk).status == "open"
    # the day after the deadline the silent one's approval is suspended, with notice
    Notification.objects.all().delete()
    beat_day(datetime.date(2027, 4, 1))
    silent = people["silent"]
    assert Approval.objects.get(pk=silent["approval"].pk).status == "suspended"
    assert Engagement.objects.get(pk=silent["engagement"].pk).status == "suspended"
    assert Approval.objects.get(pk=people["willing"]["approval"].pk).status == "approved"
    assert _told(silent["person"].user)
    assert any("暂停" in s for s in _told(people["school_account"]))
    assert RecordRequery.objects.get(pk=tasks["silent"].pk).status == "overdue"
    # late, with consent given, the query done lifts the suspension it caused
    with at(datetime.date(2027, 4, 2)):
        services.consent_give(actor=silent["person"].user, person=silent["person"],
                              bureau=people["bureau"],
                              purpose=RecordQueryConsent.Purpose.REQUERY)
        services.requery_record(actor=people["clerk"], requery=tasks["silent"],
                                query_reference="CX-2027-002",
                                query_date=datetime.date(2027, 4, 2), result="clear")
    assert Approval.objects.get(pk=silent["approval"].pk).status == "approved"
    # back where it was before the suspension
    assert (Engagement.objects.get(pk=silent["engagement"].pk).status
            == silent["engagement"].status)


def test_requery_through_the_api_refuses_a_second_record(people, client):
    beat_day(datetime.date(2027, 3, 1))
    requery = RecordRequery.objects.get(person=people["willing"]["person"])
    body = {"query_reference": "CX-1", "query_date": "2027-03-02", "result": "clear"}
    with at(datetime.date(2027, 3, 3)):
        client.force_login(people["clerk"])
        listing = client.get("/api/v1/requeries/")
        assert listing.status_code == 200 and listing.json()["count"] == 2
        first = client.post(f"/api/v1/requeries/{requery.pk}/record/", body,
                            content_type="application/json")
        assert first.status_code == 200 and first.json()["status"] == "done"
        events = AuditEvent.objects.count()
        again = client.post(f"/api/v1/requeries/{requery.pk}/record/", body,
                            content_type="application/json")
        # a school user sees none of them
        client.force_login(people["school_account"])
        assert client.get("/api/v1/requeries/").json()["count"] == 0
    assert again.status_code == 400
    assert AuditEvent.objects.count() == events


def test_term_reminders_at_60_30_7_days_once_each(people):
    approval = people["willing"]["approval"]
    end = Approval.objects.get(pk=approval.pk).valid_until
    user = people["willing"]["person"].user
    with at(START):  # the school engages the person for the autumn too, up to the term's end
        autumn = services.school_term_create(
            actor=people["school_account"], school=people["willing"]["engagement"].school,
            name="秋季", starts_on=START + D(200), ends_on=START + D(360), project_count=10)
        services.engagement_create(actor=people["school_account"], school=autumn.school,
                                   term=autumn, person=people["willing"]["person"],
                                   category=ServiceCategory.objects.get(code="reading"),
                                   grade_min=1, grade_max=6,
                                   fee_per_session=Decimal("0"), sessions=20)
    for days_before in (60, 30, 7):
        beat_day(end - D(days_before))
        beat_day(end - D(days_before))  # a second run the same day sends nothing more
    thresholds = sorted(TermReminder.objects.filter(approval=approval)
                        .values_list("threshold_days", flat=True))
    assert thresholds == [7, 30, 60]
    mine = [s for s in _told(user) if "到期" in s or "ends" in s]
    assert len(mine) == 3
    assert len([s for s in _told(people["school_account"]) if "到期" in s]) == 3


def test_renewal_once_then_a_new_selection(people):
    org = organization("南昌弈林围棋培训有限公司", ("少儿围棋启蒙班", "arts", "25"))
    with at(START):
        approval = approve(organization=org, where="360100", categories=("arts",),
                           valid_from=START, valid_until=START + D(364))
        admin = UserFactory()
        services.role_grant(actor=None, user=admin, role=Role.BUREAU_ADMIN,
                            target=people["bureau"])
        renewed = services.approval_renew(actor=admin, approval=approval, reason="考核良好")
    assert renewed.valid_until == START + D(364 + 365)
    assert renewed.renewals == 1
    with at(START), pytest.raises(ValidationError) as refused:
        services.approval_renew(actor=admin, approval=approval, reason="再续")
    assert refused.value.code == "renewed_already"
    assert Approval.objects.get(pk=approval.pk).valid_until == START + D(364 + 365)


class _Overlap:
    """The service module's ``transaction``, with a whole second run of the same job
    (``rerun``) slipped in before the first one's first atomic block: what a second worker
    running the job at the same moment does, between the first one's read and its write."""

    def __init__(self, real, rerun):
        self.real, self.rerun, self.done = real, rerun, False

    def atomic(self, *args, **kwargs):
        if not self.done:
            self.done = True
            self.rerun()
        return self.real.atomic(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.real, name)


def test_overlapping_runs_open_the_requeries_and_tell_everyone_once(people, monkeypatch):
    day = datetime.date(2027, 3, 1)
    monkeypatch.setattr(after_approval, "transaction", _Overlap(
        after_approval.transaction, lambda: after_approval.requeries_open(today=day)))
    with at(day, 2):
        after_approval.requeries_open(today=day)
    assert RecordRequery.objects.count() == 2
    assert AuditEvent.objects.filter(action="requery.open").count() == 1
    assert len(_told(people["clerk"])) == 1
    # once (the other notice is the engagement the school recorded with the person)
    assert len([s for s in _told(people["silent"]["person"].user) if "引进项目" not in s]) == 1


def test_overlapping_runs_ask_the_school_to_rate_its_term_once(people, monkeypatch):
    school_account = people["school_account"]
    Engagement.objects.filter(pk__in=[people[n]["engagement"].pk for n in ("willing", "silent")]
                              ).update(status=Engagement.Status.ENDED)
    day = START + D(151)  # the day after the term ended
    monkeypatch.setattr(after_approval, "transaction", _Overlap(
        after_approval.transaction,
        lambda: after_approval.term_evaluations_request(today=day)))
    before = len(_told(school_account))
    with at(day, 2):
        after_approval.term_evaluations_request(today=day)
    assert len(_told(school_account)) == before + 1


def test_a_staff_member_without_an_account_is_reached_through_the_employer(people, coach):
    # given a coach employed by an organization, with no account of their own, approved
    # as an individual, and the organization's provider user
    manager, approval, coach = coach["manager"], coach["approval"], coach["person"]
    # when the term's 60-day reminder comes, then the employer is told
    beat_day(approval.valid_until - D(60))
    assert any("无账号教练" in s for s in _told(manager))
    # and when the bureau suspends the coach, the employer is told too
    admin = UserFactory()
    services.role_grant(actor=None, user=admin, role=Role.BUREAU_ADMIN,
                        target=people["bureau"])
    Notification.objects.all().delete()
    services.provider_suspend(actor=admin, bureau=people["bureau"], person=coach,
                              reason="投诉核查")
    assert any("无账号教练" in s for s in _told(manager))
