"""Sessions (config/sessions): in the database, read by one fixed statement; kept in the
cache as well only when every server process shares that cache (Redis in production), so
that a sign-out in one process ends the session in all of them.

With sessions in a shared cache a signed-in request reads no session row; a sign-out, an
expiry or a deleted row still ends the session wherever the next request arrives."""

import datetime
import os
import runpy
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.registry.builders import school_user

pytestmark = pytest.mark.django_db

SEARCH = "/api/v1/search/organizations/"
SETTINGS = Path(django_settings.BASE_DIR) / "config" / "settings.py"


@pytest.mark.parametrize(("variables", "engine"), [
    ({}, "config.sessions"),
    ({"CACHE_URL": "locmemcache://"}, "config.sessions"),
    ({"CACHE_URL": "filecache:///tmp/registry-cache"}, "config.sessions"),
    ({"CACHE_URL": "dbcache://registry_cache"}, "config.sessions"),
    ({"REDIS_URL": "redis://127.0.0.1:6379/0"}, "config.sessions.cached"),
    ({"REDIS_URL": "rediss://cache.internal:6380/2"}, "config.sessions.cached"),
    ({"CACHE_URL": "redis://127.0.0.1:6379/1"}, "config.sessions.cached"),
    ({"CACHE_URL": "pymemcache://127.0.0.1:11211"}, "config.sessions.cached"),
])
def test_sessions_are_kept_in_the_cache_only_when_every_process_shares_it(
        monkeypatch, variables, engine):
    """A per-process cache (the embedded default) would go on answering a session that
    another process signed out: there, sessions are read from the database alone."""
    for name in ("CACHE_URL", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    assert runpy.run_path(str(SETTINGS))["SESSION_ENGINE"] == engine


def test_a_redis_cache_keeps_one_client_per_connection_pool(monkeypatch):
    """Django's Redis cache makes a new client (and its 170 response callbacks) for every
    operation: about 0.15 ms a session read or throttle count; config.cache keeps one."""
    monkeypatch.delenv("CACHE_URL", raising=False)
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/13")
    configured = runpy.run_path(str(SETTINGS))["CACHES"]["default"]
    assert configured["BACKEND"] == "config.cache.RedisCache"
    from django.core.cache.backends.redis import RedisCacheClient
    from django.utils.module_loading import import_string

    cache = import_string(configured["BACKEND"])(configured["LOCATION"], {})
    client = cache._cache.get_client("a")
    assert client is cache._cache.get_client("b", write=True)
    assert isinstance(cache._cache, RedisCacheClient)  # everything else is Django's


@pytest.fixture
def shared_cache(settings):
    """Sessions in a cache every process shares: Redis (a database of its own) when the
    suite runs on Redis, else the process's memory, which the clients below share as the
    server processes share Redis."""
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if broker.startswith("redis://"):
        import redis

        location = broker.rsplit("/", 1)[0] + "/13"
        redis.Redis.from_url(location).flushdb()
        cache = {"BACKEND": "config.cache.RedisCache", "LOCATION": location}
    else:
        cache = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                 "LOCATION": "shared-sessions"}
    settings.CACHES = {**settings.CACHES, "sessions": cache}
    settings.SESSION_CACHE_ALIAS = "sessions"
    settings.SESSION_ENGINE = "config.sessions.cached"
    yield
    from django.core.cache import caches

    caches["sessions"].clear()


def _session_statements(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if "django_session" in q["sql"]]


def _signed_in_pair():
    """Two clients holding one session: two requests of one browser, answered by two server
    processes."""
    user, _school = school_user("360102")
    first = Client()
    first.force_login(user)
    second = Client()
    second.cookies = first.cookies
    return first, second


def test_a_signed_in_request_reads_its_session_from_the_shared_cache(shared_cache):
    first, second = _signed_in_pair()
    assert first.get(SEARCH).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert second.get(SEARCH).status_code == 200
    assert _session_statements(captured) == []


def test_a_sign_out_in_one_process_ends_the_session_in_the_others(shared_cache):
    first, second = _signed_in_pair()
    cookie = first.cookies[django_settings.SESSION_COOKIE_NAME].value
    assert second.get(SEARCH).status_code == 200  # now in the cache
    first.logout()
    second.cookies[django_settings.SESSION_COOKIE_NAME] = cookie  # the old cookie, kept
    assert second.get(SEARCH).status_code == 401
    assert not Session.objects.filter(session_key=cookie).exists()


def test_a_session_read_from_the_database_is_read_once_and_checked_for_expiry(settings):
    """Without a shared cache: one statement, and a row past its expiry (or gone) is no
    session, as Django's own engine answers. The engine is named here: settings choose the
    cached one when the environment names Redis (REDIS_URL), which reads no row at all."""
    settings.SESSION_ENGINE = "config.sessions"
    first, _second = _signed_in_pair()
    cookie = first.cookies[django_settings.SESSION_COOKIE_NAME].value
    assert first.get(SEARCH).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert first.get(SEARCH).status_code == 200
    assert len(_session_statements(captured)) == 1
    Session.objects.filter(session_key=cookie).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1))
    assert first.get(SEARCH).status_code == 401
    first.cookies[django_settings.SESSION_COOKIE_NAME] = cookie
    Session.objects.filter(session_key=cookie).delete()
    assert first.get(SEARCH).status_code == 401


def _signed_in_with_the_shared_cache_up(settings):
    """A client signed in while the sessions' shared cache answers (its first request
    answered, its session in the cache)."""
    settings.CACHES = {**settings.CACHES, "sessions": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "up"}}
    settings.SESSION_CACHE_ALIAS = "sessions"
    settings.SESSION_ENGINE = "config.sessions.cached"
    first, _second = _signed_in_pair()
    assert first.get(SEARCH).status_code == 200
    return first


def cache_down(settings, alias: str = "sessions"):
    """Cache ``alias`` unreachable from here on: Redis where nothing listens (port 1). Also
    the set-up of the Redis outage tests of tests/security/test_cache_outage.py."""
    settings.CACHES = {**settings.CACHES, alias: {
        "BACKEND": "config.cache.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}}


def test_a_signed_in_request_is_answered_while_the_shared_cache_is_down(settings):
    """Redis unreachable: the session is read from the database, as without a cache
    (Django's cached_db answered every signed-in request with a server error)."""
    first = _signed_in_with_the_shared_cache_up(settings)
    cache_down(settings)
    assert first.get(SEARCH).status_code == 200
    cookie = first.cookies[django_settings.SESSION_COOKIE_NAME].value
    Session.objects.filter(session_key=cookie).delete()  # signed out: the database answers
    assert first.get(SEARCH).status_code == 401


def test_a_sign_out_while_the_shared_cache_is_down_signs_out(settings):
    """Redis unreachable when the user signs out: the session's row is deleted and the user
    is signed out, as without a cache, not answered with a server error (Django's cached_db
    deleted the row, then failed on the cache's copy)."""
    first = _signed_in_with_the_shared_cache_up(settings)
    cookie = first.cookies[django_settings.SESSION_COOKIE_NAME].value
    cache_down(settings)
    response = first.post("/accounts/logout/")
    assert response.status_code == 302
    assert not Session.objects.filter(session_key=cookie).exists()
    assert first.get(SEARCH).status_code == 401
