"""The public's pages in English on a phone (390×844): nothing wider than the screen.

Found by walking the public's journey in English: a visitor's toolbar (Published lists ·
Public notices · Sign in, and the language switch) fits a phone's line in Chinese, but in
English it made every public page 419 px wide. The toolbar's section wrapped onto a line of
its own and kept its whole width there (``flex: 0 0 auto``), so the page scrolled sideways
and the "Switch" button sat past the screen's right edge.
"""

import pytest

from tests.browser.checks import width_problems

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PUBLIC_PAGES = ["/", "/registry/lists/", "/selection/notices/", "/no-such-page/"]


def test_a_visitor_reads_the_public_pages_in_english_on_a_phone(phone_page):
    page = phone_page
    page.goto("/selection/notices/")
    # the visitor switches to English, as a person would
    page.select_option("#portal-language", "en")
    page.locator("header .portal-lang__go").click()
    page.wait_for_function("document.documentElement.lang === 'en'")
    for path in PUBLIC_PAGES:
        page.goto(path)
        assert page.evaluate("document.documentElement.lang") == "en", path
        assert width_problems(page) == [], path
        switch = page.locator("header .portal-lang__go").bounding_box()
        assert switch["x"] + switch["width"] <= 390, (path, switch)
