"""The password reset, as someone who forgot their password meets it: the site's own pages
in Chinese at desktop and phone width (they were the Django admin's)."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_reset_page_is_the_sites_own_at_both_widths(page, phone_page):
    for name, each in (("desktop", page), ("phone", phone_page)):
        each.goto("/accounts/password_reset/")
        expect(each.get_by_role("heading", name="重置密码")).to_be_visible()
        expect(each.get_by_role("button", name="发送链接")).to_be_visible()
        screenshot(each, f"password-reset-{name}")


def test_the_sent_and_the_spent_link_pages_on_a_phone(phone_page):
    UserFactory(email="li.na@example.cn")
    page = phone_page
    page.goto("/accounts/password_reset/")
    page.fill("input[name=email]", "li.na@example.cn")
    page.get_by_role("button", name="发送链接").click()
    expect(page.locator("main")).to_contain_text("如有账户使用该地址")
    screenshot(page, "password-reset-sent-phone")
    page.goto("/accounts/reset/MQ/set-password-abc/")
    expect(page.get_by_role("alert")).to_contain_text("此链接已失效")
    expect(page.get_by_role("link", name="重新申请链接")).to_be_visible()
    screenshot(page, "password-reset-spent-phone")
