"""The API's list of an engagement's entry permits says, for each person, the permit's
standing as the gate's check would answer today (a stable code) and why it lets nobody in,
in the request's language; one whose own individual approval lapsed is not listed as if
they could come in. Its queries do not grow with the roster. Through HTTP as the school's
user; the setting is built by services."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registry import services
from registry.models import Approval
from tests.contracts.conftest import engage
from tests.contracts.test_contract import sign_all
from tests.registry.builders import approve, person


def _active(contract):
    engagement = sign_all(contract, engage(contract))
    services.engagement_activate(actor=contract["user"], engagement=engagement)
    return engagement


def _lapse(approval: Approval, how: str) -> None:
    {"suspended": services.approval_suspend, "revoked": services.approval_revoke,
     "expired": services.approval_expire}[how](actor=None, approval=approval, reason="测试")


def _permits(client, engagement, language: str = "zh-hans") -> dict[str, dict]:
    response = client.get(f"/api/v1/engagements/{engagement.pk}/permits/",
                          HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, response.content
    return {permit["masked_name"]: permit for permit in response.json()}


@pytest.mark.django_db
@pytest.mark.parametrize(("how", "words"), [
    ("suspended", "本人的个人准入已暂停。"),
    ("revoked", "本人的个人准入已撤销。"),
    ("expired", "本人的个人准入已过期。"),
])
def test_a_person_whose_approval_lapsed_has_its_standing_and_reason(contract, client, how,
                                                                     words):
    # given an active engagement with two coaches, one coach's own approval lapsed
    engagement = _active(contract)
    _lapse(Approval.objects.get(person=contract["coaches"][0]), how)
    client.force_login(contract["user"])
    # when the school asks the API for the permits
    permits = _permits(client, engagement)
    # then the lapsed coach's permit carries the gate's answer and the reason in Chinese
    assert permits["张*华"]["standing"] == how
    assert permits["张*华"]["reason"] == words
    assert permits["张*华"]["lapsed"] is True
    # and the other coach's permit is valid, with no reason
    assert permits["李*"]["standing"] == "valid"
    assert permits["李*"]["reason"] == "" and permits["李*"]["lapsed"] is False


@pytest.mark.django_db
def test_the_reason_is_in_the_requests_language(contract, client):
    engagement = _active(contract)
    _lapse(Approval.objects.get(person=contract["coaches"][0]), "suspended")
    client.force_login(contract["user"])
    permits = _permits(client, engagement, "en")
    assert permits["张*华"]["standing"] == "suspended"
    assert permits["张*华"]["reason"] == "Their own individual approval is suspended."


@pytest.mark.django_db
def test_the_provider_suspended_makes_every_permit_suspended(contract, client):
    engagement = _active(contract)
    services.approval_suspend(actor=None, approval=contract["org_approval"], reason="检查")
    client.force_login(contract["user"])
    permits = _permits(client, engagement)
    assert {p["standing"] for p in permits.values()} == {"suspended"}
    assert {p["reason"] for p in permits.values()} == {"服务提供方的准入已暂停。"}
    assert {p["lapsed"] for p in permits.values()} == {False}


@pytest.mark.django_db
def test_the_list_reads_the_same_number_of_queries_whatever_the_roster(contract, client):
    engagement = _active(contract)
    client.force_login(contract["user"])
    url = f"/api/v1/engagements/{engagement.pk}/permits/"
    client.get(url)  # (the session's first reads)
    with CaptureQueriesContext(connection) as two:
        assert client.get(url).status_code == 200
    # four more people, two of whom lapse: six on the roster
    for n, name in enumerate(("赵一", "钱二", "孙三", "周四")):
        coach = person(name)
        approval = approve(person=coach, where="360100", categories=("sport",))
        services.engagement_roster_add(actor=contract["user"], engagement=engagement,
                                       person=coach)
        if n < 2:
            _lapse(approval, "revoked")
    with CaptureQueriesContext(connection) as six:
        permits = _permits(client, engagement)
    assert len(permits) == 6
    assert sum(p["standing"] == "revoked" for p in permits.values()) == 2
    assert len(six) == len(two), [q["sql"] for q in six.captured_queries]
