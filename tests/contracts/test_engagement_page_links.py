"""The engagement's page leads the school on: to report an incident, to rate the provider
once the engagement may be rated (as the rating page decides), and back to its list of
engagements. The provider's side is led back to its own list, never to the school's
actions. Through HTTP, in zh-hans; the setting is built by services."""

import re

import pytest

from registry import services
from tests.contracts.conftest import engage
from tests.contracts.test_contract import sign_all
from tests.registry.builders import rubric

INCIDENT = "报告问题"
RATE = "评价服务提供方"
BACK = "返回引进项目"


def _page(client, user, engagement) -> str:
    client.force_login(user)
    response = client.get(f"/registry/engagements/{engagement.pk}/",
                          HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    return response.content.decode()


def _link(html: str, element_id: str) -> tuple[str, str] | None:
    """(href, text) of the link with ``element_id``, or None."""
    found = re.search(rf'<a href="([^"]*)" id="{element_id}"[^>]*>(.*?)</a>', html, re.S)
    return (found.group(1).replace("&amp;", "&"), found.group(2)) if found else None


@pytest.mark.django_db
def test_a_draft_offers_the_incident_report_and_the_way_back_but_no_rating(contract, client):
    # given a draft engagement, its term running
    engagement = engage(contract)
    # when the school opens its page
    html = _page(client, contract["user"], engagement)
    # then it may report an incident and go back to the school's engagements
    assert _link(html, "engagement-incident") == (
        f"/registry/school/engagements/{engagement.pk}/incident/", INCIDENT)
    assert _link(html, "engagements-back") == (
        f"/registry/school/engagements/?school={contract['school'].pk}#engagement-"
        f"{engagement.pk}", BACK)
    # and nothing to rate yet: an engagement is rated at its end
    assert _link(html, "engagement-rate") is None and RATE not in html
    # the links lead to pages the school may open
    assert client.get(_link(html, "engagement-incident")[0]).status_code == 200
    assert client.get(_link(html, "engagements-back")[0]).status_code == 200


@pytest.mark.django_db
def test_an_ended_engagement_offers_its_rating_then_shows_it(contract, client):
    # given an engagement that was active and that the school has ended
    engagement = sign_all(contract, engage(contract))
    services.engagement_activate(actor=contract["user"], engagement=engagement)
    services.engagement_end(actor=contract["user"], engagement=engagement, reason="学期结束")
    # when the school opens its page: the rating is offered, where the rating page takes it
    html = _page(client, contract["user"], engagement)
    rating_page = f"/registry/school/terms/{contract['term'].pk}/ratings/"
    assert _link(html, "engagement-rate") == (f"{rating_page}#rating-{engagement.pk}", RATE)
    assert f'id="rate-{engagement.pk}"' in client.get(rating_page).content.decode()
    assert _link(html, "engagement-incident") is not None
    # once rated, the page shows the rating instead of asking for it again
    services.engagement_evaluate(actor=contract["user"], engagement=engagement,
                                 scores=rubric(4))
    html = _page(client, contract["user"], engagement)
    assert _link(html, "engagement-rate") is None and RATE not in html
    href, text = _link(html, "engagement-rating")
    assert href == f"{rating_page}#rating-{engagement.pk}" and "80.0%" in text


@pytest.mark.django_db
def test_the_provider_is_led_back_to_its_own_engagements_only(contract, client):
    engagement = sign_all(contract, engage(contract))
    services.engagement_activate(actor=contract["user"], engagement=engagement)
    services.engagement_end(actor=contract["user"], engagement=engagement)
    html = _page(client, contract["provider"], engagement)
    assert _link(html, "engagements-back") == ("/registry/provider/engagements/", BACK)
    assert _link(html, "engagement-incident") is None and INCIDENT not in html
    assert _link(html, "engagement-rate") is None and RATE not in html
