"""Redis down: production's one cache (the public's throttle counts, the sessions' copies, the
published lists' page bodies) cannot be reached. The public still reads the published lists,
people still sign in and out, and the sign-in lockout still holds (django-axes counts
failures in the database); nothing answers a server error. The throttles let the request
through and say so in the log."""

import logging
import time

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.test import Client

from tests.factories import UserFactory
from tests.registry.builders import published_list
from tests.security.test_sessions import cache_down

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-1"  # UserFactory's


def _redis_down(settings):
    """As in production (sessions and throttle counts in the one Redis cache), with that
    Redis unreachable from here on."""
    settings.SESSION_ENGINE = "config.sessions.cached"
    settings.SESSION_CACHE_ALIAS = "default"
    cache_down(settings, "default")


def _throttle_warnings(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "config.limits"]


def test_the_public_reads_published_lists_while_redis_is_down(settings, caplog):
    data = published_list()
    title = str(data["publication"])
    _redis_down(settings)
    client = Client()
    for url, shown in (("/registry/lists/", "南昌市"), ("/registry/lists/360100/", title),
                       (data["url"], "南昌弈林围棋培训有限公司"),
                       (f"{data['url']}export.csv", "南昌弈林围棋培训有限公司"),
                       ("/api/v1/publications/", title)):
        response = client.get(url)
        assert response.status_code == 200, url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert shown in body.decode("utf-8-sig"), url
    # each of the five requests was let through uncounted, and the log says so once each,
    # naming the request's scope
    warnings = _throttle_warnings(caplog)
    assert [r.levelno for r in warnings] == [logging.WARNING] * 5
    assert [r.getMessage().split()[1] for r in warnings] == [
        "anon", "anon", "anon", "export", "anon"]


def test_people_sign_in_and_out_while_redis_is_down(settings, caplog):
    UserFactory(username="teacher")
    _redis_down(settings)
    client = Client()
    assert client.get("/accounts/login/").status_code == 200
    response = client.post("/accounts/login/", {"username": "teacher", "password": PASSWORD})
    assert response.status_code == 302  # signed in, sent on
    assert client.get(response["Location"], follow=True).status_code == 200
    assert client.get("/api/v1/me/").json()["username"] == "teacher"
    assert [r.getMessage().count("sign-in") for r in _throttle_warnings(caplog)] == [0, 1]
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/api/v1/me/").status_code == 401


def test_the_sign_in_lockout_holds_while_redis_is_down(settings):
    """django-axes keeps its failures in the database (its default handler), not in the
    cache: wrong passwords past the limit still lock the account out, even with the right
    password afterwards."""
    assert settings.AXES_HANDLER == "axes.handlers.database.AxesDatabaseHandler"
    UserFactory(username="victim")
    _redis_down(settings)
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        response = Client(REMOTE_ADDR=f"10.7.0.{n + 1}").post(
            "/accounts/login/", {"username": "victim", "password": "wrong-password"})
        assert response.status_code == 200  # the form again
    for password in ("wrong-password", PASSWORD):
        response = Client(REMOTE_ADDR="10.7.1.1").post(
            "/accounts/login/", {"username": "victim", "password": password})
        assert response.status_code == 429
        assert "登录失败次数过多" in response.content.decode()
    assert AccessAttempt.objects.filter(username="victim").exists()


def test_a_cache_error_that_is_not_an_outage_is_not_let_through(settings):
    """Only the cache's connection errors open the throttle: a count that is not a number
    (a bug, not an outage) is still a server error, not a request let through uncounted."""
    cache.clear()
    window = int(time.time() // 60)
    settings.REGISTRY_THROTTLE_RATES = {**settings.REGISTRY_THROTTLE_RATES, "anon": "5/min"}
    for n in (window, window + 1):  # (whichever minute the request falls in)
        cache.set(f"throttle:anon:127.0.0.1:{n}", "not a number", 120)
    try:
        with pytest.raises(TypeError):
            Client().get("/registry/lists/")
    finally:
        cache.clear()
