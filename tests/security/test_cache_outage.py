"""Redis down: production's one cache (the public's throttle counts, the sessions' copies, the
published lists' page bodies) cannot be reached. The public still reads the published lists,
people still sign in and out, and the sign-in lockout still holds (django-axes counts
failures in the database); nothing answers a server error. The throttles let the request
through and say so in the log."""

import logging
import socket
import threading
import time

import environ
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


class _SilentRedis:
    """A server that takes connections and never answers: a Redis host that hangs (not one
    that refuses, which fails at once). Counts the connections made to it."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.held: list[socket.socket] = []
        threading.Thread(target=self._take, daemon=True).start()

    def _take(self):
        while True:
            try:
                connection, _address = self.server.accept()
            except OSError:  # closed
                return
            self.held.append(connection)

    def close(self):
        self.server.close()
        for connection in self.held:
            connection.close()


@pytest.fixture
def silent_redis(settings):
    silent = _SilentRedis()
    settings.SESSION_ENGINE = "config.sessions.cached"
    settings.SESSION_CACHE_ALIAS = "default"
    settings.CACHES = {**settings.CACHES, "default": {
        "BACKEND": "config.cache.RedisCache", "LOCATION": f"redis://127.0.0.1:{silent.port}/0"}}
    yield silent
    silent.close()


def test_a_redis_that_hangs_is_asked_once_not_on_every_operation(silent_redis, settings):
    """Redis stops answering: the first cache operation waits (a short wait: the socket's
    timeout is a second unless the URL names another) and fails; for
    ``CACHE_UNREACHABLE_PAUSE`` seconds after it, the process does not ask that Redis again,
    so the public's pages are answered without waiting on it at each throttle count and page
    body (each waited 5 s: a list page three times, every request)."""
    settings.CACHE_UNREACHABLE_PAUSE = 600  # (the whole test)
    data = published_list()
    client = Client()
    for _ in range(3):
        response = client.get(data["url"])
        assert response.status_code == 200
        assert "南昌弈林围棋培训有限公司" in response.content.decode()
    assert len(silent_redis.held) == 1


def test_after_the_pause_the_cache_is_asked_again(silent_redis, settings):
    """With no pause the process asks Redis again at each operation: each meets the hung
    server afresh (what the pause spares, and how a Redis that comes back is used again)."""
    settings.CACHE_UNREACHABLE_PAUSE = 0
    data = published_list()
    assert Client().get(data["url"]).status_code == 200
    assert len(silent_redis.held) >= 2  # the throttle count, the page body, …


def test_the_waits_are_short_unless_the_url_says_otherwise():
    from django.core.cache.backends.redis import RedisCache as DjangoRedisCache

    from config.cache import RedisCache

    def timeouts(cache_class, url):
        configured = environ.Env.cache_url_config(url)
        pool = cache_class(configured["LOCATION"], configured)._cache._get_connection_pool(True)
        return (pool.connection_kwargs.get("socket_connect_timeout"),
                pool.connection_kwargs.get("socket_timeout"))

    assert timeouts(RedisCache, "redis://127.0.0.1:6379/0") == (1.0, 1.0)
    assert timeouts(RedisCache, "redis://127.0.0.1:6379/0?socket_timeout=2") == (1.0, 2)
    # (Django's own: redis-py's 5 s each)
    assert timeouts(DjangoRedisCache, "redis://127.0.0.1:6379/0") == (None, None)
