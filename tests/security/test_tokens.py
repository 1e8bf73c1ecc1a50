"""API clients authenticate with tokens, never with a password in each request.

HTTP Basic authentication hashed a password on every API request, so a few anonymous
clients sending wrong passwords took the CPU. Tokens are random secrets stored as their
SHA-256: a wrong one costs one hash and one indexed lookup. Everything here goes through
HTTP, as a client (or an attacker) would.
"""

import base64
import datetime
import hashlib
import re

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from registry import services as registry_services
from registry.models import Bureau
from registry.roles import Role
from tests.factories import UserFactory

PASSWORD = "pw-for-tests-1"
TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_\-]{40,}$")


def _basic(username, password=PASSWORD) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def _session(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def _create(user, name="导出脚本", **extra) -> dict:
    response = _session(user).post("/api/v1/tokens/", {"name": name, **extra}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def _bearer(token: str, path="/api/v1/me/", **extra):
    return Client().get(path, HTTP_AUTHORIZATION=f"Bearer {token}", **extra)


@pytest.mark.django_db
def test_basic_auth_with_the_right_password_no_longer_authenticates():
    user = UserFactory(username="wang")
    response = Client().get("/api/v1/me/", HTTP_AUTHORIZATION=_basic(user.username))
    assert response.status_code == 401
    # the challenge names the scheme that works now
    assert response["WWW-Authenticate"].startswith("Bearer")
    # and a POST with Basic credentials is refused the same way
    response = Client().post("/api/v1/cases/", {}, HTTP_AUTHORIZATION=_basic(user.username))
    assert response.status_code == 401


@pytest.mark.django_db
def test_a_token_is_shown_once_stored_hashed_and_never_listed():
    user = UserFactory()
    created = _create(user, days=30)
    secret = created["token"]
    assert TOKEN_SHAPE.match(secret)
    assert secret.startswith(created["prefix"])
    # it authenticates, by Bearer and by Token
    me = _bearer(secret)
    assert me.status_code == 200 and me.json()["username"] == user.username
    assert Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {secret}").status_code == 200
    # the database holds its SHA-256, not the secret: no column of its row contains it
    from accounts.models import ApiToken

    table = ApiToken._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - the model's own table name
        rows = cursor.fetchall()
    assert len(rows) == 1
    assert not any(secret in str(value) for value in rows[0])
    assert any(str(value) == hashlib.sha256(secret.encode()).hexdigest() for value in rows[0])
    # the list shows the prefix, the name, the expiry and the last use, never the secret
    listing = _session(user).get("/api/v1/tokens/")
    assert listing.status_code == 200
    assert secret not in listing.content.decode()
    [row] = listing.json()["results"]
    assert row["prefix"] == created["prefix"] and row["name"] == "导出脚本"
    assert row["last_used_at"] is not None and row["expires_at"]
    assert "token" not in row
    detail = _session(user).get(f"/api/v1/tokens/{created['id']}/")
    assert detail.status_code == 200 and secret not in detail.content.decode()


@pytest.mark.django_db
def test_the_profile_page_creates_shows_once_lists_and_revokes():
    user = UserFactory()
    client = Client()
    client.force_login(user)
    page = client.get("/accounts/tokens/")
    assert page.status_code == 200 and "API 令牌" in page.content.decode()
    created = client.post("/accounts/tokens/", {"name": "夜间同步", "days": "7"})
    assert created.status_code == 201
    secret = re.search(r'data-token="([^"]+)"', created.content.decode()).group(1)
    assert _bearer(secret).status_code == 200
    # shown once: the page never shows it again
    again = client.get("/accounts/tokens/").content.decode()
    assert secret not in again and "夜间同步" in again and secret[:12] in again
    from accounts.models import ApiToken

    token = ApiToken.objects.get(user=user)
    revoked = client.post("/accounts/tokens/", {"revoke": token.pk})
    assert revoked.status_code == 302
    response = _bearer(secret)
    assert response.status_code == 401 and "已撤销" in response.json()["detail"]


@pytest.mark.django_db
def test_revoked_and_expired_tokens_are_refused_with_a_translated_401(settings):
    user = UserFactory()
    first, second = _create(user, name="a"), _create(user, name="b", days=10)
    assert _session(user).delete(f"/api/v1/tokens/{first['id']}/").status_code == 204
    response = _bearer(first["token"])
    assert response.status_code == 401 and "已撤销" in response.json()["detail"]
    english = _bearer(first["token"], HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 401 and "revoked" in english.json()["detail"]
    # the revoked one is gone from the list
    assert [t["name"] for t in _session(user).get("/api/v1/tokens/").json()["results"]] == ["b"]
    # a token lives its days and no longer
    with time_machine.travel(timezone.now() + datetime.timedelta(days=11)):
        response = _bearer(second["token"])
    assert response.status_code == 401 and "已过期" in response.json()["detail"]
    # an unknown token is a 401 too
    assert _bearer("x" * 43).status_code == 401


@pytest.mark.django_db
def test_a_token_lifetime_has_a_default_and_a_maximum(settings):
    settings.API_TOKEN_DEFAULT_DAYS, settings.API_TOKEN_MAX_DAYS = 90, 180
    user = UserFactory()
    now = timezone.now()
    default = _create(user)
    expires = datetime.datetime.fromisoformat(default["expires_at"])
    assert abs((expires - now) - datetime.timedelta(days=90)) < datetime.timedelta(minutes=5)
    too_long = _session(user).post("/api/v1/tokens/", {"name": "n", "days": 181},
                                   format="json")
    assert too_long.status_code == 400 and "days" in too_long.json()


@pytest.mark.django_db
def test_another_users_token_cannot_be_seen_or_revoked():
    owner, other = UserFactory(), UserFactory()
    created = _create(owner)
    assert _session(other).get(f"/api/v1/tokens/{created['id']}/").status_code == 404
    assert _session(other).delete(f"/api/v1/tokens/{created['id']}/").status_code == 404
    assert _session(other).get("/api/v1/tokens/").json()["results"] == []
    # nor through the web page
    client = Client()
    client.force_login(other)
    assert client.post("/accounts/tokens/", {"revoke": created["id"]}).status_code == 404
    assert _bearer(created["token"]).status_code == 200  # still valid


@pytest.mark.django_db
def test_a_token_cannot_mint_tokens_and_the_public_gets_nothing():
    user = UserFactory()
    secret = _create(user)["token"]
    response = Client().post("/api/v1/tokens/", {"name": "more"}, content_type="application/json",
                             HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 403
    assert Client().get("/api/v1/tokens/").status_code == 401
    assert Client().get("/accounts/tokens/").status_code == 302  # to the sign-in page


@pytest.mark.django_db
def test_staff_who_must_use_two_factor_create_tokens_only_after_passing_it(settings):
    settings.REGISTRY_REQUIRE_2FA_FOR = ["admin"]
    admin = UserFactory()
    registry_services.role_grant(actor=None, user=admin, role=Role.BUREAU_ADMIN,
                                 target=Bureau.objects.get(jurisdiction__code="360100"))
    client = APIClient()
    assert client.post("/accounts/login/", {"username": admin.username,
                                            "password": PASSWORD}).status_code == 302
    response = client.post("/api/v1/tokens/", {"name": "x"}, format="json")
    assert response.status_code == 403 and "两步验证" in response.json()["detail"]
    # a token made before the role required it does not stand in for the second factor
    settings.REGISTRY_REQUIRE_2FA_FOR = []
    secret = _create(admin)["token"]
    settings.REGISTRY_REQUIRE_2FA_FOR = ["admin"]
    response = _bearer(secret)
    assert response.status_code == 401 and "两步验证" in response.json()["detail"]


@pytest.mark.django_db
def test_the_schema_documents_bearer_tokens_and_the_token_endpoints():
    schema = Client().get("/api/schema/?format=json").json()
    schemes = schema["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"}.items() <= next(
        s for s in schemes.values() if s.get("scheme") == "bearer").items()
    assert not any(s.get("scheme") == "basic" for s in schemes.values())
    assert "/api/v1/tokens/" in schema["paths"]
    assert "/api/v1/tokens/{id}/" in schema["paths"]
