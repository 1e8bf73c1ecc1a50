"""A record hit about a person with no account of their own (staff their organization
registered): nobody could read the news or ask for the re-check (复查) it allows. Their
organization's administrator is asked to invite them to claim their record, without
being told what the news is."""

import datetime

import pytest
from django.urls import reverse

from registry import services
from registry.models import RecordRequery
from tests.after.beat import at, beat_day
from tests.after.test_requery_consent_form import _consent_form
from workflows.models import Notification

pytestmark = pytest.mark.django_db


def test_the_employer_is_asked_to_invite_a_person_without_an_account(people, coach, client):
    # given a coach without an account, whose organization's administrator is ``manager``
    manager, person = coach["manager"], coach["person"]
    employer = person.organization
    employer.administrator = manager
    employer.save(update_fields=["administrator"])
    beat_day(datetime.date(2027, 3, 1))
    _consent_form(manager, person, people["clerk"], datetime.date(2027, 3, 2))
    requery = RecordRequery.objects.get(person=person)
    Notification.objects.all().delete()
    # when the clerk records that the yearly re-query found a record
    with at(datetime.date(2027, 3, 5)):
        client.force_login(people["clerk"])
        recorded = client.post(reverse("registry:requery-record", args=[
            people["bureau"].pk, requery.pk]), {"query_reference": "CX-2027-009",
                                                "query_date": "2027-03-04", "result": "hit"},
            HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert recorded.status_code == 302
    # then the administrator is asked to invite the coach, on the page where that is done
    [news] = Notification.objects.filter(user=manager, subject__contains="教育局有给")
    assert news.subject == "教育局有给 无账号教练 的消息"
    assert "请由贵机构管理员邀请其用本人账号认领自己的人员信息" in news.body
    assert news.url == reverse("registry:portal-invite", args=[employer.pk])
    client.force_login(manager)
    assert client.get(news.url, HTTP_ACCEPT_LANGUAGE="zh-hans").status_code == 200
    # and not told what the news is
    assert not any(word in news.subject + news.body for word in ("记录", "查询", "复查", "黑名单"))


def test_a_person_with_an_account_is_told_themselves_not_through_the_employer(people):
    # ``willing`` has an account: the news is theirs, nobody is asked to invite them
    beat_day(datetime.date(2027, 3, 1))
    requery = RecordRequery.objects.get(person=people["willing"]["person"])
    with at(datetime.date(2027, 3, 5)):
        services.requery_record(actor=people["clerk"], requery=requery,
                                query_reference="CX-1", query_date=datetime.date(2027, 3, 4),
                                result="hit")
    assert Notification.objects.filter(user=people["willing"]["person"].user,
                                       url=reverse("registry:my-sanctions")).exists()
    assert not Notification.objects.filter(subject__contains="教育局有给").exists()
