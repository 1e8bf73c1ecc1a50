"""What an anonymous client may cost: sign-in locked per address and per account,
every endpoint the public reaches throttled per address, objection bodies bounded before a
byte of them is read. Everything goes through HTTP, as an attacker would."""

import pytest
from django.core.cache import cache
from django.test import Client

from tests.factories import UserFactory
from tests.security.matrix import url_patterns

PASSWORD = "pw-for-tests-1"
# the throttle scopes of config/limits.py, each with its rate in REGISTRY_THROTTLE_RATES
SCOPES = ("anon", "sign-in", "objection", "export", "health")
MB = 1024 * 1024
LOCKED_ZH = "登录失败次数过多"
LOCKED_EN = "Too many failed sign-in attempts"

pytestmark = pytest.mark.usefixtures("empty_cache")


def _login(username, password, address, path="/accounts/login/", **extra):
    return Client(REMOTE_ADDR=address).post(path, {"username": username,
                                                  "password": password}, **extra)


def _assert_locked(response, text=LOCKED_ZH):
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert text in response.content.decode()


# --- sign-in lockout (django-axes) -----------------------------------------------------

@pytest.mark.django_db
def test_one_address_trying_many_usernames_is_locked_out(settings):
    UserFactory(username="victim")
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        response = _login(f"guess{n}", "wrong-password", "10.9.0.1")
        assert response.status_code == 200  # the form again: each username failed once
    # the last failure allowed locks the address, even for a real account's right password
    _assert_locked(_login("guess-last", "wrong-password", "10.9.0.1"))
    _assert_locked(_login("victim", PASSWORD, "10.9.0.1"))
    _assert_locked(_login("victim", PASSWORD, "10.9.0.1", HTTP_ACCEPT_LANGUAGE="en"), LOCKED_EN)
    # the admin's sign-in page is the same door
    _assert_locked(_login("victim", PASSWORD, "10.9.0.1", path="/admin/login/"))
    # the account itself is not locked: its owner signs in from elsewhere
    assert _login("victim", PASSWORD, "10.9.0.2").status_code == 302


@pytest.mark.django_db
def test_one_account_tried_from_many_addresses_is_locked_out(settings):
    UserFactory(username="victim")
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login("victim", "wrong-password", f"10.8.0.{n + 1}").status_code == 200
    # the last failure allowed locks the account, from any address, even with the right
    # password
    _assert_locked(_login("victim", "wrong-password", "10.8.0.99"))
    _assert_locked(_login("victim", PASSWORD, "10.8.1.1"))
    _assert_locked(_login("victim", PASSWORD, "10.8.1.2", HTTP_ACCEPT_LANGUAGE="en"),
                   LOCKED_EN)
    # another account from one of those addresses is not
    UserFactory(username="bystander")
    assert _login("bystander", PASSWORD, "10.8.0.1").status_code == 302


# --- anonymous throttles ---------------------------------------------------------------

def _path(route) -> str:
    from tests.security.test_hardening import _dummy

    return _dummy(route.pattern)


def _ask(client, path):
    response = client.get(path)
    if response.status_code == 405:
        response = client.post(path, {})
    return response


@pytest.mark.django_db
def test_every_endpoint_the_public_reaches_is_throttled_per_address(settings):
    """Walks the URL resolver, so a new public page or endpoint is covered the moment it
    is routed: each one that answers an anonymous client is asked until refused."""
    limit = 3
    settings.REGISTRY_THROTTLE_RATES = dict.fromkeys(SCOPES, f"{limit}/min")
    client = Client(raise_request_exception=False)
    public, unthrottled = [], []
    for route in url_patterns():
        path = _path(route)
        cache.clear()
        first = _ask(client, path)
        location = first.get("Location", "")
        if first.status_code in (401, 403) or "/login/" in location:
            continue  # not reachable without signing in
        assert first.status_code < 500, (path, first.status_code)
        public.append(path)
        for _ in range(limit - 1):
            _ask(client, path)
        over = _ask(client, path)
        if over.status_code != 429 or not int(over.get("Retry-After", 0)) > 0:
            unthrottled.append(f"{path} → {over.status_code}")
    assert len(public) >= 25, public  # lists, exports, notices, objections, policy, sign-in…
    assert unthrottled == [], unthrottled


@pytest.mark.django_db
def test_over_the_limit_is_a_429_with_retry_after_and_a_translated_message(settings):
    settings.REGISTRY_THROTTLE_RATES = {**dict.fromkeys(SCOPES, "100/min"), "anon": "2/min"}
    for path in ("/registry/lists/", "/api/v1/publications/"):
        cache.clear()
        client = Client(REMOTE_ADDR="10.7.0.1")
        assert client.get(path).status_code == 200
        assert client.get(path).status_code == 200
        zh = client.get(path)
        assert zh.status_code == 429 and 0 < int(zh["Retry-After"]) <= 60
        assert "请求过于频繁" in zh.content.decode()
        en = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
        assert en.status_code == 429 and "Too many requests" in en.content.decode()
        # per address: another address is not affected
        assert Client(REMOTE_ADDR="10.7.0.2").get(path).status_code == 200


@pytest.mark.django_db
def test_a_refused_client_is_held_before_its_answer(settings, monkeypatch):
    """A client that waits for each answer (a script hammering sign-in) then costs the
    server a few requests a second; the wait is a sleep, not CPU (the bench measures it)."""
    from config import limits

    slept = []
    monkeypatch.setattr(limits.time, "sleep", slept.append)
    settings.REGISTRY_REFUSAL_DELAY = 1.0
    settings.REGISTRY_THROTTLE_RATES = {**dict.fromkeys(SCOPES, "100/min"), "anon": "1/min"}
    for path in ("/registry/lists/", "/api/v1/publications/"):
        cache.clear()
        client = Client()
        assert client.get(path).status_code == 200 and slept == []
        assert client.get(path).status_code == 429
        assert slept == [1.0]
        slept.clear()
    # and a locked sign-in too
    UserFactory(username="victim")
    for n in range(settings.AXES_FAILURE_LIMIT):
        _login("victim", "wrong-password", f"10.6.0.{n + 1}")
    assert slept and all(s == 1.0 for s in slept)


def test_no_more_than_the_allowed_threads_are_held_at_once(settings):
    """A flood of connections cannot take every thread of a worker: beyond
    REGISTRY_REFUSAL_HOLDERS held at once, a refusal is answered without waiting."""
    import threading
    import time

    from config import limits

    settings.REGISTRY_REFUSAL_DELAY = 0.5
    settings.REGISTRY_REFUSAL_HOLDERS = 2
    took = []

    def refuse():
        start = time.monotonic()
        limits.refusal_delay(60)
        took.append(time.monotonic() - start)

    threads = [threading.Thread(target=refuse) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    held = [t for t in took if t >= 0.4]
    assert len(held) == 2 and len(took) == 6
    assert all(t < 0.1 for t in took if t < 0.4)


@pytest.mark.django_db
def test_signed_in_users_are_not_counted_as_the_public(settings):
    settings.REGISTRY_THROTTLE_RATES = {**dict.fromkeys(SCOPES, "100/min"), "anon": "1/min"}
    client = Client()
    client.force_login(UserFactory())
    for _ in range(3):
        assert client.get("/registry/lists/").status_code == 200
        assert client.get("/api/v1/publications/").status_code == 200


# --- objection bodies --------------------------------------------------------------------

class _Unreadable:
    """A request body that fails the test if anything reads it."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


def _objection_paths(case):
    return [f"/selection/notices/{case.pk}/object/", f"/api/v1/notices/{case.pk}/objections/"]


def _stored_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()]


@pytest.mark.django_db
def test_an_oversized_objection_is_refused_before_its_body_is_read(
        notice, settings, _private_document_storage):
    from workflows.models import Objection

    settings.OBJECTION_MAX_BODY_BYTES = 31 * MB
    stored = _stored_files(_private_document_storage)
    too_big = settings.OBJECTION_MAX_BODY_BYTES + 1
    for path in _objection_paths(notice):
        response = Client().generic(
            "POST", path, b"", content_type="multipart/form-data; boundary=x",
            CONTENT_LENGTH=str(too_big), **{"wsgi.input": _Unreadable()})
        assert response.status_code == 413, path
        assert "过大" in response.content.decode()
        english = Client().generic(
            "POST", path, b"", content_type="multipart/form-data; boundary=x",
            CONTENT_LENGTH=str(too_big), HTTP_ACCEPT_LANGUAGE="en",
            **{"wsgi.input": _Unreadable()})
        assert english.status_code == 413 and "too large" in english.content.decode()
        # a body without a usable length is refused the same way, unread
        for length in ("", "abc", "-1"):
            response = Client().generic(
                "POST", path, b"", content_type="multipart/form-data; boundary=x",
                CONTENT_LENGTH=length, **{"wsgi.input": _Unreadable()})
            assert response.status_code == 411, (path, length)
        response = Client().generic(
            "POST", path, b"", content_type="multipart/form-data; boundary=x",
            HTTP_TRANSFER_ENCODING="chunked", **{"wsgi.input": _Unreadable()})
        assert response.status_code == 411, path
    assert Objection.objects.count() == 0
    assert _stored_files(_private_document_storage) == stored


@pytest.mark.django_db
def test_a_fourth_evidence_file_is_refused_and_nothing_is_stored(
        notice, settings, _private_document_storage):
    from tests.workflows.conftest import pdf
    from workflows.models import Objection

    settings.OBJECTION_MAX_FILES = 3
    stored = _stored_files(_private_document_storage)
    form = {"real_name": "王小明", "contact": "13900000000", "reason": "该机构曾多收费用"}
    for path in _objection_paths(notice):
        response = Client().post(path, {**form, "evidence": [pdf(f"{n}.pdf") for n in range(4)]})
        assert response.status_code in (400, 413), (path, response.status_code)
        assert "最多 3 个" in response.content.decode()
    assert Objection.objects.count() == 0
    assert _stored_files(_private_document_storage) == stored


@pytest.mark.django_db
def test_an_evidence_file_over_its_limit_is_refused_and_nothing_is_stored(
        notice, settings, _private_document_storage):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.workflows.conftest import PDF
    from workflows.models import Objection

    settings.OBJECTION_MAX_FILE_BYTES = 10 * MB
    stored = _stored_files(_private_document_storage)
    big = PDF + b"0" * (settings.OBJECTION_MAX_FILE_BYTES + 1 - len(PDF))
    form = {"real_name": "王小明", "contact": "13900000000", "reason": "该机构曾多收费用"}
    for path in _objection_paths(notice):
        evidence = SimpleUploadedFile("big.pdf", big, content_type="application/pdf")
        response = Client().post(path, {**form, "evidence": evidence})
        assert response.status_code == 413, (path, response.status_code)
        assert "10 MB" in response.content.decode()  # the limit, as config.limits writes it
    assert Objection.objects.count() == 0
    assert _stored_files(_private_document_storage) == stored


@pytest.mark.django_db
def test_an_objection_within_the_limits_is_still_received(notice):
    from tests.workflows.conftest import pdf
    from workflows.models import Objection

    form = {"real_name": "王小明", "contact": "13900000000", "reason": "该机构曾多收费用"}
    web, api = _objection_paths(notice)
    assert Client().post(web, {**form, "evidence": pdf()}).status_code == 302
    assert Client().post(api, {**form, "evidence": pdf()}).status_code == 201
    assert Objection.objects.count() == 2
    # three files, each kept (through the page and the API)
    three = [pdf(f"证据{n}.pdf") for n in range(3)]
    assert Client().post(web, {**form, "evidence": three}).status_code == 302
    three = [pdf(f"证据{n}.pdf") for n in range(3)]
    assert Client().post(api, {**form, "evidence": three}).status_code == 201
    for objection in Objection.objects.order_by("-pk")[:2]:
        assert sorted(f.original_name for f in objection.evidence_files.all()) == [
            "证据0.pdf", "证据1.pdf", "证据2.pdf"]
