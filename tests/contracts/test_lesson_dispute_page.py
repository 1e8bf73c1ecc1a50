"""The school disputes (or confirms) a lesson from the engagement's page: a decision taken
is answered with a redirect to the page (POST/redirect/GET), which then says what was
done, so reloading it sends nothing again; a refused one comes back as the page with the
refusal (400), nothing changed. Through HTTP as the school's user, in zh-hans."""

import pytest

from registry import services
from registry.models import AuditEvent, Lesson
from tests.contracts.conftest import days, engage
from tests.contracts.test_contract import sign_all


@pytest.fixture
def lesson(contract):
    engagement = sign_all(contract, engage(contract))
    services.engagement_activate(actor=contract["user"], engagement=engagement)
    return services.lesson_record(actor=contract["provider"], engagement=engagement,
                                  taught_on=days(-1), period=1,
                                  teacher=contract["coaches"][0], pupils_present=25)


def _decide(client, lesson, **data):
    return client.post(f"/registry/engagements/{lesson.engagement_id}/lessons/{lesson.pk}/"
                       "decide/", data, HTTP_ACCEPT_LANGUAGE="zh-hans")


def _disputes(lesson) -> int:
    return AuditEvent.objects.for_object(lesson).filter(action="lesson.dispute").count()


@pytest.mark.django_db
def test_a_dispute_redirects_to_the_page_which_says_it_was_recorded(contract, client, lesson):
    client.force_login(contract["user"])
    # when the school disputes the lesson, with its reason
    response = _decide(client, lesson, decision="dispute", reason="当天未到校")
    # then it is sent to the page by a redirect: reloading what follows asks nothing again
    page = f"/registry/engagements/{lesson.engagement_id}/"
    assert (response.status_code, response["Location"]) == (302, f"{page}#lessons")
    followed = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = followed.content.decode()
    assert "已对该课次提出异议" in html and "当天未到校" in html
    assert Lesson.objects.get(pk=lesson.pk).status == Lesson.Status.DISPUTED
    assert _disputes(lesson) == 1
    # reading the page again (a reload) changes nothing
    assert client.get(page).status_code == 200
    assert _disputes(lesson) == 1


@pytest.mark.django_db
def test_a_confirmation_redirects_and_says_so(contract, client, lesson):
    client.force_login(contract["user"])
    response = _decide(client, lesson, decision="confirm")
    assert response.status_code == 302
    html = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "课次已确认" in html
    assert Lesson.objects.get(pk=lesson.pk).status == Lesson.Status.CONFIRMED


@pytest.mark.django_db
def test_a_refused_dispute_comes_back_with_the_reason_and_changes_nothing(contract, client,
                                                                         lesson):
    client.force_login(contract["user"])
    # no reason: refused, said on the page, nothing written
    refused = _decide(client, lesson, decision="dispute", reason=" ")
    assert refused.status_code == 400
    assert "请说明对该课次提出异议的理由" in refused.content.decode()
    assert Lesson.objects.get(pk=lesson.pk).status == Lesson.Status.RECORDED
    assert _disputes(lesson) == 0
    # the same dispute sent twice (the form re-sent): the second is refused, one recorded
    assert _decide(client, lesson, decision="dispute", reason="当天未到校").status_code == 302
    again = _decide(client, lesson, decision="dispute", reason="当天未到校")
    assert again.status_code == 400 and _disputes(lesson) == 1
