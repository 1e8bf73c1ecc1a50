"""An invitation's link opened while signed in to another account than the one invited.

An invitation is for an email address (``ProviderInvitation.email``): whoever signs in with
that address may accept it. Someone signed in with another address is told so at once, with
the invited address masked, and offered to sign out (a POST, as the menu's) and sign in with
the right account, coming back to the link; there is no Accept to press in vain.
"""

import html
import re
from urllib.parse import unquote

import pytest
from django.test import Client

from registry.models import Organization, ProviderInvitation
from tests.factories import UserFactory
from tests.registry.signup_helpers import last_link, path_of, worker  # noqa: F401
from tests.registry.test_self_service import _org_data

pytestmark = pytest.mark.django_db

INVITED = "zhaoliu@example.cn"
ACCEPT_BUTTON = re.compile(r"<button[^>]*>\s*(接受|Accept)\s*</button>")


@pytest.fixture
def link(client, donghu, worker):  # noqa: F811
    admin = UserFactory(email="admin@example.cn")
    client.force_login(admin)
    client.post("/registry/portal/register/", _org_data(donghu))
    venue = Organization.objects.get()
    worker(client.post, f"/registry/portal/organizations/{venue.pk}/invite/", {"email": INVITED})
    return path_of(last_link(INVITED))


@pytest.fixture
def other():
    """A browser of its own (not the administrator's, whose page said where it was sent),
    signed in to an account of another address."""
    browser = Client()
    browser.force_login(UserFactory(email="someone.else@example.cn"))
    return browser


def _sign_out_next(page: str) -> str:
    """Where the page's own sign-out form (a POST to the sign-out view, with a CSRF token:
    not the menu's) leads: its ``next``, decoded."""
    forms = re.findall(r'<form method="post" action="/accounts/logout/">(.*?)</form>', page,
                       re.S)
    ours = [form for form in forms if 'name="next"' in form]
    assert len(ours) == 1, "no sign-out form of the page's own"
    assert "csrfmiddlewaretoken" in ours[0]
    return unquote(html.unescape(re.search(r'name="next" value="([^"]*)"', ours[0]).group(1)))


def test_another_account_is_told_at_once_with_the_address_masked(other, link):
    # when
    response = other.get(link)
    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert not ACCEPT_BUTTON.search(page)
    assert "这份邀请是发给另一个账号的" in page
    assert "z***@example.cn" in page
    assert INVITED not in page
    assert _sign_out_next(page) == f"/accounts/login/?next={link}"


def test_in_english_too(other, link):
    page = other.get(link, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "This invitation was sent to another account (z***@example.cn)" in page
    assert "Sign out and sign in with the invited account" in page
    assert not ACCEPT_BUTTON.search(page)


def test_the_sign_out_leads_to_sign_in_and_back_to_the_link(other, link):
    # an Accept sent anyway (an old tab) is refused, with the same page, and changes nothing
    refused = other.post(link)
    assert refused.status_code == 403 and "z***@example.cn" in refused.content.decode()
    assert ProviderInvitation.objects.get().accepted_at is None
    # when: the page's sign-out button
    response = other.post("/accounts/logout/", {"next": f"/accounts/login/?next={link}"})
    # then: signed out, at the sign-in page that comes back to the link
    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={link}"
    assert "_auth_user_id" not in other.session
    # and the invited account (its address written in capitals) sees Accept and accepts
    other.force_login(UserFactory(email=INVITED.upper()))
    page = other.get(link).content.decode()
    assert ACCEPT_BUTTON.search(page) and "另一个账号" not in page
    assert other.post(link).status_code == 302
    assert ProviderInvitation.objects.get().accepted_at is not None
