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
