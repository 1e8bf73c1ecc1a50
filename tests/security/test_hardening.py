"""Login throttling, two-factor login, CSP, CSRF on every form, sessions, passwords."""

import base64
import datetime
import re

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone

from registry import services as registry_services
from registry.models import Bureau
from registry.roles import Role
from tests.factories import UserFactory
from tests.security.matrix import url_patterns

PASSWORD = "pw-for-tests-1"


def _staff(role, code="360100", **kwargs):
    user = UserFactory(**kwargs)
    registry_services.role_grant(actor=None, user=user, role=role,
                                 target=Bureau.objects.get(jurisdiction__code=code))
    return user


def _login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


# --- login throttling (django-axes) ----------------------------------------------------

@pytest.mark.django_db
def test_five_failed_logins_lock_the_account_even_against_the_right_password(settings):
    user = UserFactory(username="wang")
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = _login(client, "wang", "wrong-password")
        assert response.status_code == 200  # the form again, with its error
    response = _login(client, "wang", "wrong-password")
    assert response.status_code == 429
    # then even the right password is refused, with a translated message
    response = _login(client, "wang", PASSWORD)
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # the address is locked too (for any username); another address is not
    UserFactory(username="li")
    assert _login(Client(), "li", PASSWORD).status_code == 429
    assert _login(Client(REMOTE_ADDR="10.0.0.9"), "li", PASSWORD).status_code == 302
    # and after the cool-off period the owner gets in again
    later = timezone.now() + datetime.timedelta(hours=settings.AXES_COOLOFF_TIME, minutes=1)
    with time_machine.travel(later):
        assert _login(Client(), "wang", PASSWORD).status_code == 302
    assert user.pk


@pytest.mark.django_db
def test_basic_auth_headers_check_no_password_at_all(settings):
    """HTTP Basic is gone: its header never authenticates, and since no password is
    checked, sending wrong ones neither costs a hash nor locks the account."""
    UserFactory(username="zhao")
    client = Client()
    bad = "Basic " + base64.b64encode(b"zhao:nope").decode()
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=bad).status_code == 401
    good = "Basic " + base64.b64encode(f"zhao:{PASSWORD}".encode()).decode()
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=good).status_code == 401
    assert _login(Client(), "zhao", PASSWORD).status_code == 302


# --- two-factor login (django-otp TOTP) -----------------------------------------------

def _current_token(device) -> str:
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


@pytest.mark.django_db
def test_approvers_and_admins_must_pass_two_factor_when_the_setting_says_so(settings):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.REGISTRY_REQUIRE_2FA_FOR = ["approver", "admin"]
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # (throttling after a wrong code is django-otp's)
    approver = _staff(Role.BUREAU_APPROVER)
    clerk = _staff(Role.BUREAU_CLERK)
    client = Client()
    assert _login(client, approver.username, PASSWORD).status_code == 302
    # every page and endpoint sends the approver to the second factor first
    response = client.get("/workspace/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/")
    api = client.get("/api/v1/cases/")
    assert api.status_code == 403 and "两步验证" in api.json()["detail"]
    # first visit: enrolment, with the key to add to an authenticator app
    page = client.get("/accounts/2fa/?next=/workspace/")
    assert page.status_code == 200 and "otpauth://totp/" in page.content.decode()
    device = TOTPDevice.objects.get(user=approver)
    assert not device.confirmed
    # a wrong code is refused with a message
    wrong = client.post("/accounts/2fa/?next=/workspace/", {"token": "000000"
                        if _current_token(device) != "000000" else "111111"})
    assert wrong.status_code == 400 and "验证码错误" in wrong.content.decode()
    # the right one confirms the device and lets the approver in
    done = client.post("/accounts/2fa/?next=/workspace/", {"token": _current_token(device)})
    assert done.status_code == 302 and done["Location"] == "/workspace/"
    assert client.get("/workspace/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    # an open redirect is not followed
    again = Client()
    _login(again, approver.username, PASSWORD)
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=90)):
        hop = again.post("/accounts/2fa/?next=https://evil.example/",
                         {"token": _current_token(device)})
    assert hop.status_code == 302 and hop["Location"] == "/"
    # a clerk is not in the setting: no second factor asked
    other = Client()
    _login(other, clerk.username, PASSWORD)
    assert other.get("/workspace/").status_code == 200


@pytest.mark.django_db
def test_without_the_setting_two_factor_is_optional(settings):
    settings.REGISTRY_REQUIRE_2FA_FOR = []
    approver = _staff(Role.BUREAU_APPROVER)
    client = Client()
    client.force_login(approver)
    assert client.get("/workspace/").status_code == 200
    assert client.get("/accounts/2fa/").status_code == 200  # may enrol voluntarily


# --- headers, CSRF, sessions, passwords --------------------------------------------------

@pytest.mark.django_db
def test_pages_carry_a_content_security_policy_without_inline_scripts(client):
    user = UserFactory()
    client.force_login(user)
    for path in ("/workspace/", "/registry/lists/", "/api/docs/", "/accounts/login/"):
        response = client.get(path)
        assert response.status_code == 200, path
        policy = response["Content-Security-Policy"]
        script = re.search(r"script-src ([^;]*)", policy).group(1)
        assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script
        assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
        # and no page of ours carries an inline <script> that the policy would block
        body = response.content.decode()
        inline = [m for m in re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", body)]
        assert not inline, (path, inline)
    docs = client.get("/api/docs/").content.decode()
    script_url = re.search(r'<script src="([^"]*\?script[^"]*)"', docs)
    assert script_url, "Swagger UI's initialiser is served as a file"


def _dummy(pattern: str) -> str:
    def value(match):
        key = match.group(1) or match.group(2)
        alternatives = match.group(3)
        if alternatives and "|" in alternatives:
            return alternatives.split("|")[0]
        return {"fmt": "csv", "uidb64": "MQ", "token": "x", "kind": "organization",
                "code": "360100", "format": "json"}.get(key, "1")

    path = re.sub(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>([^)]*)\)", value, pattern)
    return "/" + path.replace("^", "").replace("\\.", ".").replace("/?$", "").replace("$", "")


@pytest.mark.django_db
def test_no_url_accepts_a_post_without_a_csrf_token():
    user = UserFactory(is_superuser=True, is_staff=True)
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.force_login(user)
    accepted = []
    for route in url_patterns():
        path = _dummy(route.pattern)
        response = client.post(path, {"x": "1"})
        if response.status_code != 403:
            accepted.append(f"{path} → {response.status_code}")
    assert accepted == [], accepted


@pytest.mark.django_db
def test_sessions_expire(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get("/workspace/").status_code == 200
    later = timezone.now() + datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE + 60)
    with time_machine.travel(later):
        response = client.get("/workspace/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize("weak", ["12345678", "password123", "short1", "wang-laoshi"])
def test_weak_passwords_are_refused_with_a_message(client, weak):
    user = UserFactory(username="wang-laoshi")
    client.force_login(user)
    response = client.post("/accounts/password_change/", {
        "old_password": PASSWORD, "new_password1": weak, "new_password2": weak})
    assert response.status_code == 200  # the form again, with the reason
    assert "密码" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_security_settings():
    assert settings.SESSION_COOKIE_HTTPONLY and settings.X_FRAME_OPTIONS == "DENY"
    assert settings.SESSION_COOKIE_AGE <= 12 * 60 * 60
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"


@pytest.mark.django_db
# (UTF-8 arrives in a WSGI header as its bytes read as Latin-1, as the third one here)
@pytest.mark.parametrize("token", ["asr_abc\x00def", "a" * 5000,
                                   "令牌".encode().decode("latin-1"), "a b"])
def test_a_malformed_token_is_a_401_not_a_500(token):
    response = Client(raise_request_exception=False).get(
        "/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 401
