"""Someone who forgot their password resets it on the site's own pages, in their language:
the reset pages were the Django admin's ("Django 站点管理员"), in its look, with no way back
to the site."""

import re

import pytest
from django.core import mail

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ADMIN_LOOK = "站点管理员"


def _page(response) -> str:
    body = response.content.decode()
    assert ADMIN_LOOK not in body and 'id="site-name"' not in body  # the admin's header
    assert 'class="portal-sheet"' in body  # the site's frame
    return body


def test_a_forgotten_password_is_reset_on_the_sites_own_pages(client):
    # given an account, signed out
    user = UserFactory(email="li.na@example.cn")
    # when they ask for a link
    body = _page(client.get("/accounts/password_reset/"))
    assert "重置密码" in body and "发送链接" in body
    response = client.post("/accounts/password_reset/", {"email": "li.na@example.cn"},
                           follow=True)
    # then the next page says what happens, in the same words for any address
    assert "如有账户使用该地址" in _page(response)
    [message] = mail.outbox
    link = re.search(r"https?://[^\s]+/accounts/reset/[^\s]+/", message.body).group(0)
    # and the link opens a form to choose the new password, then says it is set
    form = client.get(link, follow=True)
    assert "设置新密码" in _page(form)
    done = client.post(form.request["PATH_INFO"], {"new_password1": "Qz-8841-walnut",
                                                   "new_password2": "Qz-8841-walnut"},
                       follow=True)
    assert "新密码已设置" in _page(done)
    user.refresh_from_db()
    assert user.check_password("Qz-8841-walnut")


def test_an_unknown_address_reads_the_same_and_sends_nothing(client):
    UserFactory(email="li.na@example.cn")
    known = client.post("/accounts/password_reset/", {"email": "li.na@example.cn"},
                        follow=True)
    unknown = client.post("/accounts/password_reset/", {"email": "nobody@example.cn"},
                          follow=True)
    def main(response):  # the page's own text, without the form's CSRF token
        return _page(response).split('id="main"')[1]

    assert main(known) == main(unknown)
    assert len(mail.outbox) == 1


def test_a_spent_link_says_so_and_offers_a_new_one(client):
    body = _page(client.get("/accounts/reset/MQ/set-password-abc/", follow=True))
    assert "此链接已失效" in body and "/accounts/password_reset/" in body
