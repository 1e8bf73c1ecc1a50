"""Sign-up: email and password, a signed expiring confirmation link sent by the
worker, nothing but confirming before it, never a bureau role."""

import datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail, signing
from django.core.cache import cache
from django.utils import timezone

from accounts.models import SignUp
from registry.models import AuditEvent
from tests.registry.signup_helpers import PASSWORD, last_link, path_of, worker  # noqa: F401

pytestmark = pytest.mark.django_db
User = get_user_model()


def _sign_up(client, worker, email="wang.li@example.cn", password=PASSWORD):  # noqa: F811
    return worker(client.post, "/accounts/signup/", {"email": email, "password": password})


def test_sign_up_confirm_by_the_emailed_link_then_choose(client, worker):  # noqa: F811
    # when
    response = _sign_up(client, worker)
    # then: an inactive account, no role, and the email in the outbox
    assert response.status_code == 201
    assert "wang.li@example.cn" in response.content.decode()
    user = User.objects.get(email="wang.li@example.cn")
    assert not user.is_active and not user.groups.exists()
    assert not user.user_permissions.exists()
    link = last_link("wang.li@example.cn")
    # an unconfirmed account cannot sign in
    refused = client.post("/accounts/login/", {"username": "wang.li@example.cn",
                                               "password": PASSWORD})
    assert refused.status_code == 200 and "_auth_user_id" not in client.session
    # the link shows a button; posting it confirms and signs in
    assert client.get(path_of(link)).status_code == 200
    response = client.post(path_of(link))
    assert response.status_code == 302 and response.url == "/accounts/signup/next/"
    page = client.get("/accounts/signup/next/")
    assert "我代表一个机构" in page.content.decode()
    user.refresh_from_db()
    assert user.is_active and SignUp.objects.get(user=user).confirmed_at is not None
    assert not user.groups.exists()  # never a bureau role (nor any) by signing up
    assert list(AuditEvent.objects.filter(target_id=str(user.pk))
                .values_list("action", flat=True).order_by("pk")) == [
        "account.signup", "account.confirm"]
    # the link works once
    again = client.post(path_of(link))
    assert again.status_code == 400 and "已确认" in again.content.decode()


def test_a_weak_password_or_bad_email_is_refused_and_nothing_is_made(client, worker):  # noqa: F811
    response = _sign_up(client, worker, password="12345678")
    assert response.status_code == 400
    assert "密码" in response.content.decode()
    response = _sign_up(client, worker, email="not-an-address")
    assert response.status_code == 400
    assert not User.objects.exists() and not mail.outbox


def test_an_address_with_a_confirmed_account_is_refused(client, worker, django_user_model):  # noqa: F811
    django_user_model.objects.create_user("li@example.cn", "li@example.cn", PASSWORD)
    response = _sign_up(client, worker, email="LI@example.cn")
    assert response.status_code == 400
    assert "已存在" in response.content.decode()
    assert User.objects.count() == 1 and not mail.outbox


def test_a_tampered_link_is_refused(client, worker):  # noqa: F811
    _sign_up(client, worker)
    path = path_of(last_link("wang.li@example.cn"))
    token = path.rstrip("/").rsplit("/", 1)[1]
    forged = signing.dumps({"u": User.objects.get().pk + 1, "e": "x@example.cn"}, salt="other")
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), forged):
        response = client.post(f"/accounts/signup/confirm/{bad}/")
        assert response.status_code == 400
        body = response.content.decode()
        # said once, above the sheet, with the ways on: not again inside it
        assert "无效" in body and body.count('class="errorlist"') == 1
        assert "重新注册" in body
    assert not User.objects.get().is_active
    assert not AuditEvent.objects.filter(action="account.confirm").exists()


def test_an_expired_link_is_refused(client, worker, settings):  # noqa: F811
    _sign_up(client, worker)
    path = path_of(last_link("wang.li@example.cn"))
    settings.SIGNUP_CONFIRM_MAX_AGE = 60
    later = timezone.now() + datetime.timedelta(seconds=120)
    with time_machine.travel(later, tick=False):
        response = client.post(path)
    assert response.status_code == 400
    assert "过期" in response.content.decode()
    assert not User.objects.get().is_active


def test_signing_up_again_before_confirming_sends_a_new_link(client, worker):  # noqa: F811
    _sign_up(client, worker)
    _sign_up(client, worker, password=PASSWORD + "x")
    assert User.objects.count() == 1 and len(mail.outbox) == 2


def test_sign_up_is_throttled_like_sign_in(client, worker, settings):  # noqa: F811
    settings.REGISTRY_THROTTLE_RATES = {**settings.REGISTRY_THROTTLE_RATES, "sign-in": "2/day"}
    cache.clear()  # the other tests' requests from the same address
    for n in range(2):
        assert _sign_up(client, worker, email=f"u{n}@example.cn").status_code == 201
    response = _sign_up(client, worker, email="u9@example.cn")
    assert response.status_code == 429
    assert not User.objects.filter(email="u9@example.cn").exists()
