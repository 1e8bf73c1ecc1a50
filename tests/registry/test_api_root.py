"""The API's root (``/api/v1/``) lists the endpoints of every app, not only the first
app's: a caller exploring the API from its root finds cases, tasks, documents and tokens
beside the registry's organizations."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_root_lists_every_apps_list_endpoints():
    api = APIClient()
    api.force_authenticate(UserFactory())
    response = api.get("/api/v1/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    listed = response.json()
    # one app each: the registry, documents, workflows, accounts
    for prefix, name in [("organizations", "organization-list"),
                         ("documents", "documents-api:document-list"),
                         ("cases", "case-list"), ("tokens", "token-list")]:
        assert listed[prefix] == "http://testserver" + reverse(name), prefix


def test_every_listed_endpoint_answers_from_the_root():
    """What the root links to is routed (a link to nowhere would be a 404 to the caller);
    a list may still refuse the caller, or ask for a filter (documents: whose)."""
    api = APIClient()
    api.force_authenticate(UserFactory())
    listed = api.get("/api/v1/", HTTP_ACCEPT="application/json").json()
    assert len(listed) >= 25
    for prefix, link in listed.items():
        answer = api.get(link, HTTP_ACCEPT="application/json")
        assert answer.status_code in (200, 400, 403), (prefix, answer.status_code)


@pytest.mark.parametrize(("language", "name", "description"), [
    ("zh-hans", "接口目录", "本系统接口的全部列表端点"),
    ("en", "API root", "Every list endpoint of the registry"),
])
def test_the_browsable_root_names_itself_in_the_callers_language(language, name, description):
    """Not DRF's "The default basic root view for DefaultRouter": there is no such router."""
    api = APIClient()
    api.force_authenticate(UserFactory())
    page = api.get("/api/v1/", HTTP_ACCEPT="text/html", HTTP_ACCEPT_LANGUAGE=language)
    text = page.content.decode()
    assert page.status_code == 200
    assert name in text and description in text and "DefaultRouter" not in text


def test_the_browsable_pages_fit_a_phone_and_name_the_product():
    """A browsable API page declares the device's width (without it a phone drew the page
    at a desktop's width, zoomed out) and names the product, not DRF."""
    api = APIClient()
    api.force_authenticate(UserFactory())
    for path in ("/api/v1/", "/api/v1/tokens/"):
        page = api.get(path, HTTP_ACCEPT="text/html").content.decode()
        assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
        assert 'name="robots"' in page  # DRF's own meta kept
        assert "课后服务外聘机构与人员遴选登记系统</a>" in page
        assert "Django REST framework" not in page
