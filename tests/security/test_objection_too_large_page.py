"""An objection sent through the web form with a whole body over the limit.

The server refuses it from its Content-Length, unread (so the form cannot come back with
what was typed); the visitor gets a page in their language that says why and sends them back
to the form, where the browser kept what they typed. The API's answer stays its JSON error.
"""

import json

import pytest
from django.test import Client

from tests.factories import UserFactory
from tests.security.test_throttling import _Unreadable

MB = 1024 * 1024

pytestmark = pytest.mark.usefixtures("empty_cache")


def _send_too_large(client, path, settings, **extra):
    settings.OBJECTION_MAX_BODY_BYTES = 2 * MB
    return client.generic("POST", path, b"", content_type="multipart/form-data; boundary=x",
                          CONTENT_LENGTH=str(2 * MB + 1), **{"wsgi.input": _Unreadable()},
                          **extra)


@pytest.mark.django_db
def test_the_web_form_gets_a_page_that_says_why_and_leads_back_to_the_form(notice, settings):
    from workflows.models import Objection

    form = f"/selection/notices/{notice.pk}/object/"
    # when
    response = _send_too_large(Client(), form, settings)
    # then
    page = response.content.decode()
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")
    assert response["Cache-Control"] == "no-store"
    assert '<html lang="zh-hans"' in page
    assert "异议未能提交" in page
    assert "异议内容过大：连同证据文件合计不得超过 2 MB。" in page
    assert "请用浏览器的“后退”按钮回到表单：您填写的内容仍在那里" in page
    assert f'href="{form}" data-objection-back>返回异议表单</a>' in page
    assert not Objection.objects.exists()


@pytest.mark.django_db
def test_in_english_and_signed_in_too(notice, settings):
    form = f"/selection/notices/{notice.pk}/object/"
    client = Client()
    client.force_login(UserFactory())
    response = _send_too_large(client, form, settings, HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert response.status_code == 413
    assert "The objection was not sent" in page
    assert "The objection is too large: at most 2 MB in all, evidence included." in page
    assert "Go back to the form with your browser's Back button" in page
    assert "Back to the objection form" in page


@pytest.mark.django_db
def test_the_api_still_answers_its_json_error(notice, settings):
    response = _send_too_large(Client(), f"/api/v1/notices/{notice.pk}/objections/", settings)
    assert response.status_code == 413
    assert "过大" in json.loads(response.content)["detail"]
