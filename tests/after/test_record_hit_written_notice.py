"""A record hit about a person with no account of their own and no organization: the
registry can tell nobody, and only the person may ask for the re-check (复查). The bureau's
administrators, who handle the hit on the blacklist proposals page, are asked to tell the
person in writing (书面告知); they print a notice that names the person, the bureau, the
date and the right to a re-check (never the record), and record when and how the person
was told, audited. Through the pages, in Chinese, as the staff would."""

import datetime

import pytest
from django.urls import reverse

from registry import services
from registry.models import AuditEvent, BlacklistProposal, Bureau, RecordRequery
from registry.roles import Role
from tests.after.beat import at, beat_day
from tests.after.test_requery_consent_form import _consent_form
from tests.factories import UserFactory
from workflows.models import Notification

pytestmark = pytest.mark.django_db
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
HIT_DAY = datetime.date(2027, 3, 5)


@pytest.fixture
def lone(people, coach, client):
    """The coach (no account) whose organization link is gone has a record hit in the
    yearly re-query, recorded by the clerk; two administrators serve the bureau."""
    person, bureau = coach["person"], people["bureau"]
    beat_day(datetime.date(2027, 3, 1))
    _consent_form(coach["manager"], person, people["clerk"], datetime.date(2027, 3, 2))
    person.organization = None  # the organization link is gone
    person.save(update_fields=["organization"])
    admins = []
    for _n in range(2):
        admins.append(UserFactory())
        services.role_grant(actor=None, user=admins[-1], role=Role.BUREAU_ADMIN, target=bureau)
    Notification.objects.all().delete()
    with at(HIT_DAY):
        client.force_login(people["clerk"])
        recorded = client.post(reverse("registry:requery-record", args=[
            bureau.pk, RecordRequery.objects.get(person=person).pk]),
            {"query_reference": "CX-2027-777", "query_date": "2027-03-04", "result": "hit"},
            **ZH)
        assert recorded.status_code == 302
    return {**people, "person": person, "admins": admins,
            "hit": BlacklistProposal.objects.get(person=person)}


def test_the_administrators_are_asked_to_tell_the_person_in_writing(lone, client):
    admin, hit = lone["admins"][0], lone["hit"]
    # then each administrator is asked, without the person or the record named
    for user in lone["admins"]:
        [ask] = Notification.objects.filter(user=user, subject__contains="书面告知")
        assert ask.subject == "有一名查询有记录的人员需书面告知"
        assert "既无本人账号，也无所属机构" in ask.body and "复查" in ask.body
        assert lone["person"].name not in ask.subject + ask.body
        assert ask.url == reverse("registry:blacklist-proposals",
                                  args=[lone["bureau"].pk]) + f"#notice-{hit.pk}"
    # and the page they are sent to shows the person to tell, with the notice to print
    with at(HIT_DAY):
        client.force_login(admin)
        page = client.get(reverse("registry:blacklist-proposals", args=[lone["bureau"].pk]),
                          **ZH).content.decode()
    section = page.split(f'id="notice-{hit.pk}"')[1].split("</section>")[0]
    assert "需书面告知" in page and lone["person"].name in section
    assert "尚未登记已告知" in section
    assert reverse("registry:record-hit-notice", args=[lone["bureau"].pk, hit.pk]) in section


def test_the_printed_notice_names_the_right_to_a_recheck_but_not_the_record(lone, client):
    admin, hit, bureau = lone["admins"][0], lone["hit"], lone["bureau"]
    with at(datetime.date(2027, 3, 9)):
        client.force_login(admin)
        notice = client.get(reverse("registry:record-hit-notice", args=[bureau.pk, hit.pk]),
                            **ZH)
    assert notice.status_code == 200
    text = notice.content.decode()
    assert "书面告知书" in text and lone["person"].name in text and bureau.name in text
    assert "2027年3月9日" in text  # the date of the letter
    assert "申请一次复查" in text and "当面办理" in text
    assert "本局尚未确认该限制" in text
    # never the record: not the query's reference, nor the reasons recorded
    assert "CX-2027-777" not in text and hit.reason not in text
    assert lone["person"].id_number not in text


def test_the_english_notice_says_who_links_the_account_and_who_decides(lone, client):
    admin, hit, bureau = lone["admins"][0], lone["hit"], lone["bureau"]
    with at(datetime.date(2027, 3, 9)):
        client.force_login(admin)
        notice = client.get(reverse("registry:record-hit-notice", args=[bureau.pk, hit.pk]),
                            HTTP_ACCEPT_LANGUAGE="en")
    text = " ".join(notice.content.decode().split())
    assert ("bringing your identity document and this notice. Staff there will link an "
            "account of your own to your record and help you make the request.") in text
    assert ("It is decided by staff who took no part in the original result, and you will "
            "be told the outcome.") in text


def test_recording_that_the_person_was_told_is_audited_and_shown(lone, client):
    admin, hit, bureau = lone["admins"][1], lone["hit"], lone["bureau"]
    told = reverse("registry:record-hit-told", args=[bureau.pk, hit.pk])
    with at(datetime.date(2027, 3, 10)):
        client.force_login(admin)
        # a date in the future is refused, in words
        future = client.post(told, {"told_on": "2027-03-11", "way": "post"}, **ZH)
        assert future.status_code == 400
        assert "告知日期不能晚于今天" in future.content.decode()
        # "another way" must say which
        other = client.post(told, {"told_on": "2027-03-09", "way": "other"}, **ZH)
        assert other.status_code == 400
        assert not AuditEvent.objects.filter(action="blacklist.record_hit_told").exists()
        done = client.post(told, {"told_on": "2027-03-09", "way": "post",
                                  "note": "挂号信 XA123"}, **ZH)
        assert done.status_code == 302
        page = client.get(done.url, **ZH).content.decode()
    [event] = AuditEvent.objects.filter(action="blacklist.record_hit_told")
    assert event.actor == admin and event.target_id == str(hit.pk)
    assert event.data["told_on"] == "2027-03-09" and event.data["way"] == "post"
    section = page.split(f'id="notice-{hit.pk}"')[1].split("</section>")[0]
    assert "已于 2027年3月9日 告知（以挂号信邮寄）" in section and "挂号信 XA123" in section
    assert "已书面告知" in page  # the success message


def test_only_the_hits_bureau_administrators_may_print_or_record(lone, client):
    hit, bureau = lone["hit"], lone["bureau"]
    other_bureau = Bureau.objects.exclude(pk=bureau.pk).first()
    outsider = UserFactory()
    services.role_grant(actor=None, user=outsider, role=Role.BUREAU_ADMIN, target=other_bureau)
    urls = {"notice": reverse("registry:record-hit-notice", args=[bureau.pk, hit.pk]),
            "told": reverse("registry:record-hit-told", args=[bureau.pk, hit.pk]),
            "own_notice": reverse("registry:record-hit-notice", args=[other_bureau.pk, hit.pk]),
            "own_told": reverse("registry:record-hit-told", args=[other_bureau.pk, hit.pk])}
    form = {"told_on": "2027-03-05", "way": "in_person"}
    with at(HIT_DAY):
        # the clerk (not an administrator) and another bureau's administrator are refused
        for user in (lone["clerk"], outsider):
            client.force_login(user)
            assert client.get(urls["notice"], **ZH).status_code == 403
            assert client.post(urls["told"], form, **ZH).status_code == 403
        # under their own bureau, another bureau's hit does not exist for them
        assert client.get(urls["own_notice"], **ZH).status_code == 404
        assert client.post(urls["own_told"], form, **ZH).status_code == 404
    assert not AuditEvent.objects.filter(action="blacklist.record_hit_told").exists()


def test_a_person_with_an_account_is_not_listed_for_a_written_notice(people, client):
    # ``willing`` has an account: the registry tells them, the bureau need not write
    admin = UserFactory()
    services.role_grant(actor=None, user=admin, role=Role.BUREAU_ADMIN, target=people["bureau"])
    beat_day(datetime.date(2027, 3, 1))
    requery = RecordRequery.objects.get(person=people["willing"]["person"])
    with at(HIT_DAY):
        services.requery_record(actor=people["clerk"], requery=requery,
                                query_reference="CX-1", query_date=datetime.date(2027, 3, 4),
                                result="hit")
        client.force_login(admin)
        page = client.get(reverse("registry:blacklist-proposals", args=[people["bureau"].pk]),
                          **ZH).content.decode()
    assert "需书面告知" not in page
    assert not Notification.objects.filter(subject__contains="书面告知").exists()
