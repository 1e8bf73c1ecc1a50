"""In the English interface, the bureau's dashboard lists (approvals with their areas,
schools without an engagement in a category with their counties) and a case's page (its
offerings' categories, its bureau) name categories and areas in English where the
registry holds an English name; the Chinese interface keeps the Chinese names. Through
HTTP; the setting is built by services."""

import pytest
from django.urls import reverse

from registry.models import ServiceCategory
from tests.factories import SchoolFactory, jurisdiction
from tests.registry.builders import approve
from workflows.services import selection

pytestmark = pytest.mark.django_db


def _get(client, url, language) -> str:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, url
    html = response.content.decode()
    return html[html.index("<h1"):]  # the page's own content, not the menu


def test_the_dashboards_list_of_approvals_names_areas_in_english(world, client):
    w = world
    approve(organization=w.organization, where="360100", categories=("sport",))
    client.force_login(w.clerk)
    url = f"/selection/dashboard/{w.bureau.pk}/approvals/?status=approved"
    html = _get(client, url, "en")
    assert "<td>Nanchang</td>" in html and "南昌市" not in html
    assert "<td>南昌市</td>" in _get(client, url, "zh-hans")


def test_the_dashboards_list_of_schools_without_a_category_in_english(world, client):
    w = world
    SchoolFactory(name="南昌市第一小学", county=jurisdiction("360102"))
    client.force_login(w.clerk)
    url = f"/selection/dashboard/{w.bureau.pk}/gap/?category=sport"
    html = _get(client, url, "en")
    assert "<td>Donghu District</td>" in html and "Sport" in html
    assert "东湖区" not in html and "体育" not in html
    html = _get(client, url, "zh-hans")
    assert "<td>东湖区</td>" in html and "体育" in html


def test_a_cases_page_names_its_offerings_category_in_english(world, client):
    w = world
    assert ServiceCategory.objects.get(code="sport").name_en == "Sport"
    case = selection.selection_apply(actor=w.provider, organization=w.organization,
                                     bureau=w.bureau, offerings=[w.offering])
    client.force_login(w.provider)
    url = reverse("workflows:case", args=[case.pk])
    html = _get(client, url, "en")
    assert "少儿围棋启蒙班 · Sport · " in html
    assert "体育" not in html and w.bureau.name not in html
    html = _get(client, url, "zh-hans")
    assert "少儿围棋启蒙班 · 体育 · " in html and w.bureau.name in html
