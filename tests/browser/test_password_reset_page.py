"""The password reset, as someone who forgot their password meets it: the site's own page
in Chinese at desktop and phone width (it was the Django admin's)."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_reset_page_is_the_sites_own_at_both_widths(page, phone_page):
    for name, each in (("desktop", page), ("phone", phone_page)):
        each.goto("/accounts/password_reset/")
        expect(each.get_by_role("heading", name="重置密码")).to_be_visible()
        expect(each.get_by_role("button", name="发送链接")).to_be_visible()
        screenshot(each, f"password-reset-{name}")
