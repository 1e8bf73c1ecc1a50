"""The yearly re-query of a person without an account of their own: their organization is
told, and the consent form they signed for this year's query (知情同意书), once a clerk has
verified it, is their consent, as it is at the first vetting."""

import datetime
import re

import pytest
from django.urls import reverse

from documents.services import document_upload, document_verify
from registry import services
from registry.models import Approval, RecordRequery
from tests.after.beat import at, beat_day
from tests.workflows.conftest import pdf
from workflows.models import Notification

pytestmark = pytest.mark.django_db
D = datetime.timedelta


def _consent_form(manager, coach, clerk, signed_on):
    with at(signed_on + D(1)):
        form = document_upload(actor=manager, subject=coach, document_type="query_consent",
                               file=pdf("consent.pdf"), filename="知情同意书.pdf",
                               issued_on=signed_on, expires_on=None)
        return document_verify(actor=clerk, document=form)


def _consent_shown(response, requery) -> str:
    """What the bureau's re-query page says of ``requery``'s consent."""
    section = response.content.decode().split(f'id="requery-{requery.pk}"')[1]
    line = section.split('class="requery-consent">')[1].split("</p>")[0]
    return re.sub(r"<[^>]+>", "", line).split("：", 1)[1].strip()


def test_people_who_consented_in_their_account_are_shown_so(people, client):
    beat_day(datetime.date(2027, 3, 1))
    willing, silent = (RecordRequery.objects.get(person=people[name]["person"])
                       for name in ("willing", "silent"))
    with at(datetime.date(2027, 3, 2)):
        client.force_login(people["clerk"])
        page = client.get(reverse("registry:requeries", args=[people["bureau"].pk]))
    assert _consent_shown(page, willing) == "本人已在其账户中作出同意"
    assert _consent_shown(page, silent) == "尚未同意：暂不能查询"


def test_staff_without_an_account_consent_by_a_verified_form_signed_for_the_year(
        people, coach, client):
    # given a coach employed by an organization, with no account of their own, approved
    # as an individual, and the organization's provider user
    manager, approval, coach = coach["manager"], coach["approval"], coach["person"]
    # and the consent form the coach signed for last year's vetting, verified
    clerk = people["clerk"]
    _consent_form(manager, coach, clerk, datetime.date(2026, 11, 20))

    # when the yearly re-query opens on 1 March, the employer is told what to upload
    beat_day(datetime.date(2027, 3, 1))
    [notice] = Notification.objects.filter(user=manager, subject__contains="无账号教练")
    assert notice.subject == "无账号教练的年度入职查询即将到期"
    assert "知情同意书" in notice.body and "签署日期不早于 2026年12月31日" in notice.body
    requery = RecordRequery.objects.get(person=coach)
    url = reverse("registry:requery-record", args=[people["bureau"].pk, requery.pk])
    record = {"query_reference": "CX-2027-101", "query_date": "2027-03-20", "result": "clear"}

    # then last year's form does not count for this year's query: the clerk's page says
    # so, and recording the query is refused, saying why
    page = reverse("registry:requeries", args=[people["bureau"].pk])
    with at(datetime.date(2027, 3, 20)):
        client.force_login(clerk)  # (on the day: a session made before it has expired)
        assert _consent_shown(client.get(page), requery) == "尚未同意：暂不能查询"
        refused = client.post(url, record)
    assert refused.status_code == 400
    assert "知情同意书" in refused.content.decode()
    assert RecordRequery.objects.get(pk=requery.pk).status == RecordRequery.Status.OPEN

    # once the form signed for this year's query is uploaded and verified, it is recorded
    _consent_form(manager, coach, clerk, datetime.date(2027, 3, 10))
    with at(datetime.date(2027, 3, 20)):
        client.force_login(clerk)
        assert _consent_shown(client.get(page), requery) == "已签署的知情同意书，已核验"
        done = client.post(url, record)
    assert done.status_code == 302
    assert RecordRequery.objects.get(pk=requery.pk).status == RecordRequery.Status.DONE
    # and the coach stays in service after the due date
    beat_day(datetime.date(2027, 4, 1))
    assert Approval.objects.get(pk=approval.pk).status == Approval.Status.APPROVED


def test_a_form_not_yet_verified_is_no_consent(people, coach):
    manager, coach = coach["manager"], coach["person"]
    beat_day(datetime.date(2027, 3, 1))
    with at(datetime.date(2027, 3, 11)):
        document_upload(actor=manager, subject=coach, document_type="query_consent",
                        file=pdf("consent.pdf"), filename="知情同意书.pdf",
                        issued_on=datetime.date(2027, 3, 10), expires_on=None)
    requery = RecordRequery.objects.get(person=coach)
    with at(datetime.date(2027, 3, 20)):
        assert not services.requery_consent_on_record(requery)
