"""In the English interface, the provider's own pages name categories and areas in English
where the registry holds an English name: its organization's page (its county, its
approvals' areas and categories, its offerings' categories), a person's page (the
approvals' areas and categories) and "my record checks" (the area of a suspended
approval). The Chinese interface keeps the Chinese names. Through HTTP; the setting is
built by services."""

import pytest

from registry import services
from registry.roles import Role
from tests.factories import PersonFactory, UserFactory
from tests.registry.builders import approve, organization

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider():
    org = organization("南昌飞跃篮球有限公司", ("少儿篮球班", "sport", "40"))
    approve(organization=org, where="360100", categories=("sport",))
    user = UserFactory()
    services.role_grant(actor=None, user=user, role=Role.PROVIDER, target=org)
    coach = PersonFactory(name="张建华", organization=org)
    approve(person=coach, where="360100", categories=("sport",))
    return {"user": user, "org": org, "coach": coach}


def _get(client, url, language) -> str:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, url
    return response.content.decode()


def _main(html: str) -> str:
    """The page's own content (the menu and the frame left out)."""
    return html[html.index("<h1"):]


def test_the_organizations_page_in_english(client, provider):
    client.force_login(provider["user"])
    url = f"/registry/portal/organizations/{provider['org'].pk}/"
    html = _main(_get(client, url, "en"))
    assert "Donghu District" in html and "Nanchang" in html
    assert "<td>少儿篮球班</td><td>Sport</td>" in html
    assert "体育" not in html and "东湖区" not in html and "南昌市" not in html
    html = _main(_get(client, url, "zh-hans"))
    assert "<td>少儿篮球班</td><td>体育</td>" in html and "东湖区" in html


def test_a_persons_page_in_english(client, provider):
    client.force_login(provider["user"])
    url = f"/registry/portal/people/{provider['coach'].pk}/"
    html = _main(_get(client, url, "en"))
    assert "<td>Nanchang</td>" in html and "Sport" in html
    assert "体育" not in html and "南昌市" not in html
    html = _main(_get(client, url, "zh-hans"))
    assert "<td>南昌市</td>" in html and "体育" in html


def test_my_record_checks_name_the_suspended_approvals_area_in_english(client):
    user = UserFactory()
    me = PersonFactory(name="李明", user=user)
    approve(person=me, where="360100", categories=("sport",), status="suspended")
    client.force_login(user)
    html = _main(_get(client, "/registry/me/sanctions/", "en"))
    assert "<td>Nanchang</td>" in html
    assert "南昌市" not in html
    html = _main(_get(client, "/registry/me/sanctions/", "zh-hans"))
    assert "<td>南昌市</td>" in html
