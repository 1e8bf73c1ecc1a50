"""The sanction form on a bureau's page, as an administrator fills it in: what the page
offers is what the server asks for, and a wrong number is an error on its field."""

import re

import pytest

from registry import services
from registry.models import Approval, ReviewRequest
from tests.registry.builders import approve, bureau_admin, organization, person


def _form_fields(html: str) -> set[str]:
    """The names of the fields of the page's sanction form (the one that posts to itself)."""
    form = re.search(r'<form method="post" action="[^"]*#sanction">(.*?)</form>', html,
                     re.S).group(1)
    return set(re.findall(r'name="([a-z_]+)"', form))


@pytest.mark.django_db
def test_an_administrator_suspends_through_the_form_the_page_shows(client):
    admin, bureau = bureau_admin("360100")
    org = organization("南昌晨光体育培训有限公司", ("少儿篮球", "sport", "40"))
    approval = approve(organization=org, where="360100", categories=("sport",))
    client.force_login(admin)
    url = f"/registry/bureau/{bureau.pk}/"
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    # the confirmation the server requires is on the page
    assert {"action", "organization", "person", "reason", "confirm"} <= _form_fields(page)
    assert "我确认" in page

    # without ticking it: refused, saying so, and nothing changes
    data = {"action": "suspend", "organization": org.pk, "reason": "安全检查不合格"}
    refused = client.post(url, data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert refused.status_code == 400 and "请勾选确认" in refused.content.decode()
    approval.refresh_from_db()
    assert approval.status == Approval.Status.APPROVED

    # a number that names no organization within reach: an error on its field, not a page
    # not found (one outside the bureau's reach reads the same)
    wrong = client.post(url, {**data, "organization": 999999, "confirm": "yes"},
                        HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert wrong.status_code == 400
    assert "本辖区内没有持有准入、且编号与此相符的机构" in wrong.content.decode()

    done = client.post(url, {**data, "confirm": "yes"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert done.status_code == 302
    approval.refresh_from_db()
    assert approval.status == Approval.Status.SUSPENDED


@pytest.mark.django_db
def test_the_page_names_the_provider_by_its_link_its_code_or_its_id_number(client):
    admin, bureau = bureau_admin("360100")
    org = organization("南昌晨光体育培训有限公司", ("少儿篮球", "sport", "40"))
    approval = approve(organization=org, where="360100", categories=("sport",))
    coach = person("张建华")
    coach_approval = approve(person=coach, where="360100", categories=("sport",))
    # a provider approved only under another city's bureau is outside this one's reach
    elsewhere = organization("景德镇远方培训有限公司", ("少儿围棋", "arts", "30"))
    approve(organization=elsewhere, where="360200", categories=("arts",))
    services.review_request_open(actor=None, bureau=bureau, organization=org,
                                 trigger=ReviewRequest.Trigger.LOW_SATISFACTION)
    client.force_login(admin)
    url = f"/registry/bureau/{bureau.pk}/"

    # the provider of a review request has its number and a link filling the form in
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f"编号 {org.pk}" in page and f'href="?organization={org.pk}#sanction"' in page
    named = client.get(f"{url}?organization={org.pk}",
                       HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f"服务提供方：{org.name}（编号 {org.pk}）" in named
    assert f'value="{org.pk}"' in named

    # the code on a complaint names the organization; the refused form says whom it named
    data = {"action": "suspend", "organization": org.uscc.lower(), "reason": "安全检查不合格"}
    refused = client.post(url, data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert refused.status_code == 400
    assert f"服务提供方：{org.name}（编号 {org.pk}）" in refused.content.decode()
    done = client.post(url, {**data, "confirm": "on"})
    assert done.status_code == 302
    approval.refresh_from_db()
    assert approval.status == Approval.Status.SUSPENDED

    # a person by their ID number
    done = client.post(url, {"action": "suspend", "person": coach.id_number,
                             "reason": "投诉调查", "confirm": "on"})
    assert done.status_code == 302
    coach_approval.refresh_from_db()
    assert coach_approval.status == Approval.Status.SUSPENDED

    # outside its reach and unregistered read the same: the bureau learns nothing
    client.get(url)  # (the messages of the sanctions above are read)
    answers = []
    for code in (elsewhere.uscc, "91360100MA35ABCD1X"):
        wrong = client.post(url, {**data, "organization": code, "confirm": "on"},
                            HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert wrong.status_code == 400
        html = wrong.content.decode()
        assert "本辖区内没有持有准入" in html and elsewhere.name not in html
        answers.append(re.sub(r'value="[A-Za-z0-9]{64}"', "", html.replace(code, "")))
    assert answers[0] == answers[1]
