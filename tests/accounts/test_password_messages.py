"""A password the validators refuse is refused in the reader's language: Django 5.2 changed
the minimum length's message (its ``%d`` msgids), and the zh_Hans catalogue Django ships
lacks them; the project's catalogue (config/locale) carries them."""

import pytest
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SHORT = "Kh-2026x"  # 8 characters: neither common, nor digits only, nor like the address
TOO_SHORT = "密码长度太短。密码必须包含至少 10 个字符。"
ENGLISH = "This password is too short"


def test_signing_up_with_a_short_password_says_so_in_chinese(client):
    response = client.post("/accounts/signup/", {"email": "wang.li@example.cn",
                                                 "password": SHORT},
                           HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    body = response.content.decode()
    assert TOO_SHORT in body
    assert ENGLISH not in body


def test_signing_up_through_the_api_with_a_short_password_says_so_in_chinese():
    response = APIClient().post("/api/v1/signup/", {"email": "wang.li@example.cn",
                                                    "password": SHORT},
                                format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    assert response.json() == {"password": [TOO_SHORT]}


def test_changing_to_a_short_password_says_so_in_chinese_and_the_rules_too(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post("/accounts/password_change/", {
        "old_password": "pw-for-tests-1", "new_password1": SHORT, "new_password2": SHORT},
        HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200  # the form again, with the reason
    body = response.content.decode()
    assert TOO_SHORT in body
    assert ENGLISH not in body
    # the validators' rules, listed under the field, are in Chinese as well
    assert "你的密码必须包含至少 10 个字符。" in body and "Your password" not in body
    user.refresh_from_db()
    assert user.check_password("pw-for-tests-1")


def test_in_english_the_message_stays_english(client):
    response = client.post("/accounts/signup/", {"email": "wang.li@example.cn",
                                                 "password": SHORT},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert ("This password is too short. It must contain at least 10 characters."
            in response.content.decode())
