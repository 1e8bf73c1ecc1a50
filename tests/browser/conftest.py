"""Headless Chromium (Debian's package) driven by Playwright against ``live_server``.

The module skips, saying how to enable it, when there is no Chromium or no Playwright; under
``CI=true`` (.ci/run) the same absence FAILS every browser test instead: CI must not pass by
running none of them. The browser never comes from ``playwright install``: it is the
system's Chromium.
"""

import os
import pathlib

import pytest
from django.core.management import call_command
from django.db import connection

from tests.browser.checks import check_page

# Playwright's sync API runs an event loop in the test thread; Django would otherwise
# refuse the ORM calls the tests make between browser steps.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = pathlib.Path(__file__).resolve().parents[2] / "var" / "screenshots"
PASSWORD = "Browser@2026"
HOW_TO_ENABLE = ("browser tests need Playwright (pip install -e '.[dev]') and Debian's "
                 "Chromium (apt-get install chromium fonts-wqy-microhei), or CHROMIUM_PATH "
                 "set to a Chromium binary")

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None
try:
    import axe_playwright_python
except ImportError:  # pragma: no cover - depends on the machine
    axe_playwright_python = None

ON_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _skip_reason() -> str | None:
    if sync_playwright is None or axe_playwright_python is None:
        return f"Playwright or axe-playwright-python is not installed: {HOW_TO_ENABLE}"
    if not os.access(CHROMIUM, os.X_OK):
        return f"no Chromium at {CHROMIUM}: {HOW_TO_ENABLE}"
    return None


def pytest_collection_modifyitems(config, items):
    reason = _skip_reason()
    if reason is None:
        return
    here = pathlib.Path(__file__).parent
    if ON_CI:  # the browser fixture fails each test, saying why
        return
    for item in items:
        if here in pathlib.Path(item.fspath).parents:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def _reference_data_copy(django_db_setup, django_db_blocker):
    """The reference data the migrations loaded, kept before Playwright starts.

    A transactional test's flush removes it and ``serialized_rollback`` puts it back
    from a copy Django keeps on the connection object. Once Playwright's event loop
    runs in the test thread, that object is not always the one the next test gets
    (seen after other modules' tests ran first): the next test then started with
    no bureaus. So the browser tests keep their own copy and restore it themselves.
    """
    with django_db_blocker.unblock():
        contents = getattr(connection, "_test_serialized_contents", None)
        if contents is None:
            contents = connection.creation.serialize_db_to_string()
    return contents


@pytest.fixture(autouse=True)
def _reference_data(request, _reference_data_copy):
    if "django_db" not in {m.name for m in request.node.iter_markers()}:
        return
    request.getfixturevalue("_django_db_helper")
    connection._test_serialized_contents = _reference_data_copy
    from registry.models import Bureau

    if not Bureau.objects.exists():
        call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)
        connection.creation.deserialize_db_from_string(_reference_data_copy)


@pytest.fixture(autouse=True)
def _worker_runs_at_once():
    """The Celery worker's part, done in the server as each page's action commits: the
    background steps after a check or a decision (workflows.nodes.Background) have run by
    the time the next user opens a page, as the worker does within a second. No worker
    process runs beside the browser journeys."""
    from config.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@pytest.fixture(scope="session")
def browser(_reference_data_copy):
    reason = _skip_reason()
    if reason is not None:  # only under CI=true: elsewhere these tests were skipped
        pytest.fail(f"CI=true and the browser tests cannot run: {reason}", pytrace=False)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        yield chromium
        chromium.close()


DESKTOP = {"viewport": {"width": 1280, "height": 900}, "accept_downloads": True}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 1}


def _page_maker(browser, live_server, size: dict):
    """``(make, close)``: ``make()`` opens a page in a fresh browser context (one per user)
    of ``size``, in Simplified Chinese; ``close()`` closes every context made."""
    contexts = []

    def make():
        context = browser.new_context(locale="zh-CN", reduced_motion="reduce",
                                      base_url=live_server.url,
                                      extra_http_headers={"Accept-Language": "zh-CN,zh;q=0.9"},
                                      **size)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return watched(context.new_page())

    def close():
        for context in contexts:
            context.close()

    return make, close


@pytest.fixture
def new_page(browser, live_server):
    """Pages of fresh browser contexts (one per user), at a desktop's size, in Chinese."""
    make, close = _page_maker(browser, live_server, DESKTOP)
    yield make
    close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def new_phone_page(browser, live_server):
    """Pages of fresh phone-sized contexts (390×844, touch), one per user, in Chinese."""
    make, close = _page_maker(browser, live_server, PHONE)
    yield make
    close()


@pytest.fixture
def phone_page(new_phone_page):
    """A page at a phone's size (390×844, touch), in Simplified Chinese."""
    return new_phone_page()


def watched(page):
    """``page``, keeping what its own scripts throw in ``page.script_errors`` (check_page
    fails on any): a script that stops leaves its widgets dead without a visible error, as
    the menu once was."""
    page.script_errors = []
    page.on("pageerror", lambda error: page.script_errors.append(str(error)))
    return page


def login(page, user):
    """Sign in through the sign-in page, as a person would."""
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    page.goto("/accounts/login/")
    page.fill("input[name=username]", user.get_username())
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit], form input[type=submit]").first.click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    return page


def logout(page):
    """Forget the session (the tests that sign out through the menu are in test_roles)."""
    page.context.clear_cookies()


def screenshot(page, name: str) -> pathlib.Path:
    """A full-page screenshot of a page that first passed ``check_page`` (axe, the width at
    a phone's size, no leaked English): what a journey shows must also be right."""
    check_page(page)
    path = SCREENSHOTS / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path


# the organization, bureau staff and documents the selection journeys start from
from tests.workflows.conftest import world  # noqa: E402, F401
