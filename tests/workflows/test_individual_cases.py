"""An individual with their own account (a retired teacher who signed up alone) finds their
way: the menu leads to their own page and to applying for vetting (资格审查), not to an
organization's selection they cannot apply for; 我的申请 lists their vetting cases with their
state, each linking to the case page, and nobody else's."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registry.identifiers import make_id_number
from registry.models import Person
from tests.factories import PersonFactory, UserFactory
from workflows.models import VettingProcess
from workflows.services import selection, vetting

pytestmark = pytest.mark.django_db


def _menu(client, path="/selection/notifications/") -> dict[str, str]:
    """The signed-in user's menu on a page: {label: address}."""
    page = client.get(path)
    assert page.status_code == 200
    html = page.content.decode()
    nav = html[html.index("<vf-page-menu-navigation"):html.index("</vf-page-menu-navigation>")]
    links = re.findall(r'href="([^"]*)"[^>]*>.*?<span class="mdc-list-item__content">([^<]*)'
                       r"</span>", nav, flags=re.S)
    return {label.strip(): url for url, label in links}


def _individual(client, serial: int, name: str):
    """An account signs up alone and registers itself as a person, as on the web."""
    user = UserFactory()
    client.force_login(user)
    response = client.post("/registry/portal/individual/", {
        "name": name, "id_number": make_id_number(serial), "kind": "retiree", "phone": "",
        "personal_data_consent": "on"})
    assert response.status_code == 302
    return user, Person.objects.get(user=user)


def _apply_for_vetting(client, bureau) -> VettingProcess:
    response = client.post("/selection/vetting/apply/", {"bureau": bureau.pk, "consent": "on"})
    case = VettingProcess.objects.latest("pk")
    # the application ends on the case's own page, as an organization's does
    assert (response.status_code, response.url) == (302, f"/selection/cases/vetting/{case.pk}/")
    return case


def test_an_individual_finds_their_vetting_case_in_my_applications(world, client):
    # given a retired teacher who registered herself and applied for vetting
    user, person = _individual(client, 61, "周秀兰")
    case = _apply_for_vetting(client, world.bureau)
    assert case.person == person
    # (her own page leads there too)
    own_page = client.get(f"/registry/portal/people/{person.pk}/").content.decode()
    assert 'secondary" href="/selection/cases/">我的申请</a>' in own_page
    # when she opens 我的申请
    page = client.get("/selection/cases/")
    # then her case is there: its kind, her name, the bureau, its state, and its page
    assert page.status_code == 200
    body = page.content.decode()
    assert f'href="/selection/cases/vetting/{case.pk}/"' in body
    assert "外聘人员资格审查申请" in body and "周秀兰" in body and world.bureau.name in body
    assert '<span class="portal-badge portal-badge--info">办理中</span>' in body
    assert "暂无申请" not in body
    # and the page the row links to opens for her
    assert client.get(f"/selection/cases/vetting/{case.pk}/").status_code == 200


def test_another_individual_sees_none_of_it(world, client):
    # given one individual's vetting case, in her list
    _individual(client, 62, "周秀兰")
    case = _apply_for_vetting(client, world.bureau)
    assert f"/selection/cases/vetting/{case.pk}/" in client.get(
        "/selection/cases/").content.decode()
    # when another individual opens 我的申请
    _individual(client, 63, "李明")
    body = client.get("/selection/cases/").content.decode()
    # then the first one's case is neither listed nor reachable
    assert f"/selection/cases/vetting/{case.pk}/" not in body and "周秀兰" not in body
    assert "暂无申请" in body
    assert client.get(f"/selection/cases/vetting/{case.pk}/").status_code == 404
    # nor does an organization's account see a case of a person not on its roster
    client.force_login(world.provider)
    assert f"/selection/cases/vetting/{case.pk}/" not in client.get(
        "/selection/cases/").content.decode()


def test_an_organization_lists_its_selection_cases_and_its_staffs_vetting(world, client):
    # given the organization's application and the vetting of a person on its roster
    selection_case = selection.selection_apply(actor=world.provider,
                                               organization=world.organization,
                                               bureau=world.bureau, offerings=[world.offering])
    staff_case = vetting.vetting_start(actor=world.provider, person=world.person,
                                       bureau=world.bureau)
    client.force_login(world.provider)
    body = client.get("/selection/cases/").content.decode()
    assert f'href="/selection/cases/{selection_case.pk}/"' in body
    assert "机构遴选申请" in body and world.organization.name in body
    assert f'href="/selection/cases/vetting/{staff_case.pk}/"' in body
    # another organization sees neither
    client.force_login(world.other_provider)
    body = client.get("/selection/cases/").content.decode()
    assert f"/selection/cases/{selection_case.pk}/" not in body
    assert f"/selection/cases/vetting/{staff_case.pk}/" not in body


def test_my_applications_cost_the_same_few_queries_however_many_cases(world, client):
    client.force_login(world.provider)

    def listing() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/selection/cases/")
        assert response.status_code == 200
        rows = VettingProcess.objects.filter(person__organization=world.organization)
        body = response.content.decode()
        assert all(f"/selection/cases/vetting/{pk}/" in body
                   for pk in rows.values_list("pk", flat=True))
        return len(queries)

    selection.selection_apply(actor=world.provider, organization=world.organization,
                              bureau=world.bureau, offerings=[world.offering])
    vetting.vetting_start(actor=world.provider, person=world.person, bureau=world.bureau)
    listing()  # (the session and reference data, read once)
    few = listing()
    selection.selection_apply(actor=world.provider, organization=world.organization,
                              bureau=world.other_bureau, offerings=[world.offering])
    for _ in range(3):
        staff = PersonFactory(organization=world.organization)
        vetting.vetting_start(actor=world.provider, person=staff, bureau=world.bureau)
    many = listing()
    assert few == many <= 15, (few, many)


def test_the_menu_leads_an_individual_to_their_page_and_to_vetting(client):
    # given an account that registered itself as a person (no organization)
    _user, person = _individual(client, 64, "周秀兰")
    menu = _menu(client)
    # then the menu leads to her own page and to applying for vetting
    assert menu["我的个人主页：周秀兰"] == f"/registry/portal/people/{person.pk}/"
    assert menu["申请资格审查"] == "/selection/vetting/apply/"
    assert menu["我的申请"] == "/selection/cases/"
    assert menu["我的个人信息与同意"] == "/registry/me/privacy/"
    # and not to an organization's selection, which she cannot apply for
    assert "/selection/apply/" not in menu.values()
    assert "/registry/portal/register/" not in menu.values()
    assert not any(label.startswith("我的机构") for label in menu)


def test_the_menu_of_an_organizations_user_is_unchanged(world, client):
    client.force_login(world.provider)
    menu = _menu(client)
    assert menu[f"我的机构：{world.organization.name}"] == (
        f"/registry/portal/organizations/{world.organization.pk}/")
    assert menu["申请遴选"] == "/selection/apply/"
    assert menu["注册机构"] == "/registry/portal/register/"
    assert menu["我的申请"] == "/selection/cases/"
    assert "/selection/vetting/apply/" not in menu.values()
    assert not any(label.startswith("我的个人主页") for label in menu)


def test_an_account_with_no_role_yet_may_register_itself_or_an_organization(client):
    client.force_login(UserFactory())
    menu = _menu(client)
    assert menu["注册机构"] == "/registry/portal/register/"
    assert menu["个人注册"] == "/registry/portal/individual/"
