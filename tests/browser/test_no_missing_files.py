"""A page loads every file it asks for: the password-reset page (Django's admin-styled one,
which links no icon) logged a 404 for the browser's own request of /favicon.ico."""

import pytest

from tests.browser.conftest import login
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PUBLIC = ["/accounts/password_reset/", "/accounts/login/", "/", "/admin/login/"]


# The icon a browser asks for: the page's own <link rel=icon>, else /favicon.ico. Headless
# Chromium fetches no icon at all, so the test asks for it as a desktop browser does.
ICON_JS = """() => {
  const link = document.querySelector('link[rel~="icon"]');
  return link ? link.href : new URL('/favicon.ico', location.href).href;
}"""


def _missing(page, url: str) -> list[str]:
    """The 404s of loading ``url``: the document itself, its files, and its icon."""
    missing = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    page.goto(url)
    page.wait_for_load_state("networkidle")
    icon = page.evaluate(ICON_JS)
    if page.request.get(icon).status == 404:
        missing.append(icon)
    return missing


@pytest.mark.parametrize("url", PUBLIC)
def test_a_public_page_asks_for_no_missing_file(new_page, url):
    assert _missing(new_page(), url) == []


def test_a_signed_in_page_asks_for_no_missing_file(new_page):
    page = login(new_page(), UserFactory())
    assert _missing(page, "/accounts/password_change/") == []


def test_the_browsers_own_icon_request_finds_the_icon(new_page):
    page = new_page()
    response = page.goto("/favicon.ico")
    assert response.status == 200
    assert response.headers["content-type"].startswith("image/")
