"""Headless Chromium (Debian's package) driven by Playwright against ``live_server``.

The module skips, saying how to enable it, when there is no Chromium or no Playwright.
The browser never comes from ``playwright install``: it is the system's Chromium.
"""

import os
import pathlib

import pytest

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


def _skip_reason() -> str | None:
    if sync_playwright is None:
        return f"Playwright is not installed: {HOW_TO_ENABLE}"
    if not os.access(CHROMIUM, os.X_OK):
        return f"no Chromium at {CHROMIUM}: {HOW_TO_ENABLE}"
    return None


def pytest_collection_modifyitems(config, items):
    reason = _skip_reason()
    if reason is None:
        return
    here = pathlib.Path(__file__).parent
    for item in items:
        if here in pathlib.Path(item.fspath).parents:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser, live_server):
    """Pages of fresh browser contexts (one per user), in Simplified Chinese."""
    contexts = []

    def make():
        context = browser.new_context(locale="zh-CN", base_url=live_server.url,
                                      viewport={"width": 1280, "height": 900},
                                      extra_http_headers={"Accept-Language": "zh-CN,zh;q=0.9"},
                                      accept_downloads=True)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


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
    page.context.clear_cookies()


def screenshot(page, name: str) -> pathlib.Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# the organization, bureau staff and documents the selection journeys start from
from tests.workflows.conftest import world  # noqa: E402, F401
