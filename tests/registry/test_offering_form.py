"""An offering whose lowest grade is above its highest (最低年级 6, 最高年级 2) is refused, in
every place an offering is added or edited, with a message in words next to the grade (and
the input kept), never with the name of the database constraint."""

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from registry import services
from registry.models import Offering, ServiceCategory
from registry.roles import Role
from tests.factories import OfferingFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

MESSAGE = "最高年级不能低于最低年级。"
CONSTRAINT = "offering_grade_range_valid"


@pytest.fixture
def provider():
    organization = OrganizationFactory()
    user = UserFactory()
    services.role_grant(actor=None, user=user, role=Role.PROVIDER, target=organization)
    return user, organization


def _form(prefix="", **overrides) -> dict:
    data = {"category": ServiceCategory.objects.get(code="sport").pk, "title": "少儿篮球",
            "description": "基础运球", "grade_min": "6", "grade_max": "2",
            "fee_per_session": "20", "capacity": "30", "weekdays": ["1", "4"], **overrides}
    return {f"{prefix}{k}": v for k, v in data.items()}


def _field_errors(body: str, field_id: str) -> str:
    """The error list rendered beside the field (registry/_field.html), or ""."""
    start = body.find(f'id="{field_id}_errors"')
    return body[start:body.find("</ul>", start)] if start >= 0 else ""


def test_a_new_offering_with_the_grades_reversed_is_refused_beside_the_grade(client,
                                                                             provider):
    # given the provider on its organization's page
    user, organization = provider
    client.force_login(user)
    # when it adds an offering for grades 6 to 2
    response = client.post(f"/registry/portal/organizations/{organization.pk}/",
                           _form("offering-"),
                           HTTP_ACCEPT_LANGUAGE="zh-hans")
    # then the form comes back with the message beside the grade, the input kept
    assert response.status_code == 400
    body = response.content.decode()
    assert MESSAGE in _field_errors(body, "id_offering-grade_max")
    assert CONSTRAINT not in body and "约束" not in body
    assert 'name="offering-grade_min" value="6"' in body
    assert 'name="offering-grade_max" value="2"' in body
    assert not organization.offerings.exists()


def test_an_offering_edited_to_reversed_grades_is_refused_beside_the_grade(client, provider):
    user, organization = provider
    offering = OfferingFactory(organization=organization, grade_min=1, grade_max=6)
    client.force_login(user)
    response = client.post(f"/registry/portal/offerings/{offering.pk}/edit/",
                           _form(is_active="on"),
                           HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    body = response.content.decode()
    assert MESSAGE in _field_errors(body, "id_grade_max")
    assert CONSTRAINT not in body and "约束" not in body
    assert 'name="grade_min" value="6"' in body and 'name="grade_max" value="2"' in body
    offering.refresh_from_db()
    assert (offering.grade_min, offering.grade_max) == (1, 6)


def test_the_form_says_it_in_english_too(client, provider):
    user, organization = provider
    client.force_login(user)
    response = client.post(f"/registry/portal/organizations/{organization.pk}/",
                           _form("offering-"),
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "The highest grade must not be below the lowest." in _field_errors(
        response.content.decode(), "id_offering-grade_max")


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_api_refuses_reversed_grades_with_a_400_on_the_grade(provider):
    user, organization = provider
    response = _api(user).post("/api/v1/offerings/", {
        "organization": organization.pk, "category": "sport", "title": "少儿篮球",
        "description": "", "grade_min": 6, "grade_max": 2, "fee_per_session": "20.00",
        "capacity": 30, "weekdays": [1, 4]}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400, response.content
    assert response.json() == {"grade_max": [MESSAGE]}
    assert not Offering.objects.exists()


def test_the_api_refuses_an_edit_to_reversed_grades_with_a_400_on_the_grade(provider):
    user, organization = provider
    offering = OfferingFactory(organization=organization, grade_min=1, grade_max=6)
    response = _api(user).patch(f"/api/v1/offerings/{offering.pk}/", {"grade_min": 6,
                                                                       "grade_max": 2},
                                format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400, response.content
    assert response.json() == {"grade_max": [MESSAGE]}
    # one side only, against the other as stored
    response = _api(user).patch(f"/api/v1/offerings/{offering.pk}/", {"grade_min": 7},
                                format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400, response.content
    assert response.json() == {"grade_max": [MESSAGE]}
    offering.refresh_from_db()
    assert (offering.grade_min, offering.grade_max) == (1, 6)


def test_the_api_refuses_more_free_places_than_the_capacity_on_the_field(provider):
    # the same order of checks as the grades': the rule's message, not the constraint's name
    user, organization = provider
    offering = OfferingFactory(organization=organization, capacity=30)
    response = _api(user).patch(f"/api/v1/offerings/{offering.pk}/",
                                {"free_places_per_term": 31}, format="json",
                                HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400, response.content
    assert response.json() == {"free_places_per_term": ["免费名额不能多于容量。"]}
    offering.refresh_from_db()
    assert offering.free_places_per_term == 0


def test_the_admin_names_the_rule_not_the_constraint(client):
    root = get_user_model().objects.create_superuser("root", "root@example.invalid", "x")
    client.force_login(root)
    offering = OfferingFactory(grade_min=1, grade_max=6)
    response = client.post(f"/admin/registry/offering/{offering.pk}/change/", {
        "organization": offering.organization_id, "category": offering.category_id,
        "title": offering.title, "description": "", "grade_min": "6", "grade_max": "2",
        "fee_per_session": "20.00", "capacity": "30", "free_places_per_term": "0",
        "weekdays": "5", "is_active": "on"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200  # the form again
    body = response.content.decode()
    assert "年级为 1 至 9，先填最低年级。" in body
    assert CONSTRAINT not in body and "约束" not in body
    offering.refresh_from_db()
    assert (offering.grade_min, offering.grade_max) == (1, 6)
