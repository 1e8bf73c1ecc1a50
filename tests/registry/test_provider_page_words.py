"""Words on the provider's and the school's pages: a person's name is labelled 姓名 (an
organization's stays 名称), and every provider page names itself in the browser's title."""

import re

import pytest

from registry import services
from registry.identifiers import make_id_number
from registry.roles import Role
from tests.factories import OrganizationFactory, UserFactory
from tests.registry.builders import approve, organization, person, school_user

pytestmark = pytest.mark.django_db


def _label_of(html: str, field: str) -> str:
    found = re.search(rf'<label for="id_{field}"[^>]*>([^<]*)</label>', html)
    assert found, html
    return found.group(1).strip().rstrip(":：")


def _title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1).split("·")[0].strip()


def test_an_individual_and_an_organizations_person_are_asked_their_full_name(client):
    user = UserFactory()
    client.force_login(user)
    assert _label_of(client.get("/registry/portal/individual/").content.decode(),
                     "name") == "姓名"
    org = OrganizationFactory()
    services.role_grant(actor=None, user=user, role=Role.PROVIDER, target=org)
    page = client.get(f"/registry/portal/organizations/{org.pk}/").content.decode()
    assert _label_of(page, "person-name") == "姓名"  # its staff's form


def test_a_persons_own_page_labels_the_name_full_name(client):
    user = UserFactory()
    client.force_login(user)
    registered = client.post("/registry/portal/individual/", {
        "name": "周九", "id_number": make_id_number(42), "kind": "volunteer", "phone": "",
        "personal_data_consent": "on"})
    assert registered.status_code == 302 and "/portal/people/" in registered.url
    page = client.get(registered.url)  # its edit form
    assert 'value="周九"' in page.content.decode()
    assert _label_of(page.content.decode(), "name") == "姓名"


def test_the_schools_people_search_heads_names_full_name_and_organizations_name(client):
    user, _school = school_user("360102")
    approve(person=person("王秀兰", "retiree"), where="360102", categories=("reading",))
    approve(organization=organization("南昌弈林文化有限公司", ("少儿围棋启蒙班", "arts", "25")),
            where="360102", categories=("arts",))
    client.force_login(user)
    people = client.get("/registry/school/search/", {"type": "people", "keyword": "王"})
    assert "王秀兰" in people.content.decode()
    assert re.search(r"<thead><tr><th>姓名</th>", people.content.decode())
    orgs = client.get("/registry/school/search/", {"keyword": "围棋"})
    assert re.search(r"<thead><tr><th>名称</th>", orgs.content.decode())


def test_every_provider_page_names_itself_in_the_browsers_title(client):
    user = UserFactory()
    client.force_login(user)
    assert _title(client.get("/registry/portal/register/").content.decode()) == "注册机构"
    org = OrganizationFactory()
    services.role_grant(actor=None, user=user, role=Role.PROVIDER, target=org)
    page = client.get(f"/registry/portal/organizations/{org.pk}/")
    assert _title(page.content.decode()) == org.name
    approve(organization=org, where="360102", categories=("sport",))
    school_account, _school = school_user("360102")
    client.force_login(school_account)
    profile = client.get(f"/registry/providers/{org.pk}/")
    assert profile.status_code == 200
    assert _title(profile.content.decode()) == org.name
