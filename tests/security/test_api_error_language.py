"""The API's standard refusals (404, 405, a body it cannot parse, …) speak the caller's
language (``Accept-Language``), as JSON, like every other answer of the API; never Django's
English ("No Engagement matches the given query.") nor an HTML page."""

import pytest
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ZH, EN = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}, {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def api():
    client = APIClient()
    client.force_authenticate(UserFactory())
    return client


# a number that names nothing: the viewsets' get_object_or_404
MISSING_OBJECTS = ["/api/v1/engagements/999999/", "/api/v1/publications/999999/",
                   "/api/v1/engagements/99999999999999999999999/"]
# no route at all under the API
UNROUTED = ["/api/v1/nothing-here/", "/api/v1/engagements/abc/"]


@pytest.mark.parametrize("path", MISSING_OBJECTS + UNROUTED)
def test_a_404_is_json_in_the_callers_language(api, path):
    response = api.get(path, **ZH)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "未找到。"}
    english = api.get(path, **EN)
    assert english.status_code == 404 and english.json() == {"detail": "Not found."}


def test_a_404_with_a_message_of_its_own_keeps_it(api):
    """A view that says what was not found (in the caller's language) is not overwritten."""
    from django.http import Http404
    from rest_framework.test import APIRequestFactory

    from config.api_errors import api_exception_handler

    request = APIRequestFactory().get("/api/v1/documents/1/")
    response = api_exception_handler(Http404("没有这份材料。"), {"request": request})
    assert response.status_code == 404 and response.data == {"detail": "没有这份材料。"}


def test_a_405_is_in_the_callers_language(api):
    response = api.delete("/api/v1/publications/", **ZH)
    assert response.status_code == 405
    assert response.json()["detail"] == "方法 “DELETE” 不被允许。"


def test_a_body_that_is_not_json_is_a_400_in_the_callers_language(api):
    response = api.post("/api/v1/terms/", "{not json", content_type="application/json", **ZH)
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "JSON" in detail and "Expecting" not in detail and "parse error" not in detail
    assert "请求正文" in detail
