"""An invitation's emailed link, opened by someone not signed in: the page says what is
offered and leads to sign in or to sign up (the invited address already filled in); either
way the invitee comes back to the invitation and accepts it with one more click."""

import datetime
import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone

from registry import mail as registry_mail
from registry import services
from registry.models import ProviderInvitation
from registry.roles import Role
from tests.factories import OrganizationFactory, UserFactory
from tests.registry.signup_helpers import PASSWORD, last_link, path_of, worker  # noqa: F401

pytestmark = pytest.mark.django_db

INVITED = "colleague@example.cn"


@pytest.fixture
def invitation_link(client, worker):  # noqa: F811
    """The path of the link an organization's administrator emailed to ``INVITED``."""
    admin = UserFactory(email="admin@example.cn")
    venue = OrganizationFactory(administrator=admin)
    services.role_grant(actor=None, user=admin, role=Role.PROVIDER, target=venue)
    client.force_login(admin)
    response = worker(client.post, f"/registry/portal/organizations/{venue.pk}/invite/",
                      {"email": INVITED})
    assert response.status_code == 302
    return path_of(last_link(INVITED))


def _links(response) -> dict[str, str]:
    """The page's links by their text."""
    body = response.content.decode()
    return {re.sub(r"<[^>]+>", "", text).strip(): html.unescape(href)
            for href, text in re.findall(r'<a [^>]*href="([^"]+)"[^>]*>(.*?)</a>', body)}


def _venue_of(link: str):
    return ProviderInvitation.objects.get().organization


def test_an_invitee_without_an_account_signs_up_and_comes_back_to_accept(invitation_link,
                                                                         worker):  # noqa: F811
    invitee = Client()
    # given: the emailed link, opened by someone not signed in
    page = invitee.get(invitation_link)
    # then: the invitation itself, with both ways in
    assert page.status_code == 200
    body = page.content.decode()
    venue = _venue_of(invitation_link)
    assert venue.name in body and f"如需接受邀请，请用 {INVITED} 登录" in body
    links = _links(page)
    assert "注册" in links and "登录" in links
    sign_up = links["注册"]
    assert parse_qs(urlsplit(sign_up).query)["next"] == [invitation_link]
    assert parse_qs(urlsplit(links["登录"]).query)["next"] == [invitation_link]
    # the sign-up form has the invited address already
    form = invitee.get(sign_up)
    assert form.status_code == 200
    assert f'value="{INVITED}"' in form.content.decode()
    # when: they sign up (the form posts back where it came from, with its next)
    sent = worker(invitee.post, sign_up, {"email": INVITED, "password": PASSWORD,
                                          "next": invitation_link})
    assert sent.status_code == 201 and "该链接会带您回到开始注册的页面" in sent.content.decode()
    confirm = path_of(last_link(INVITED))
    assert invitee.get(confirm).status_code == 200
    confirmed = invitee.post(confirm)
    # then: confirmed and signed in, they are back at the invitation, one click from accepting
    assert confirmed.status_code == 302 and confirmed.url == invitation_link
    again = invitee.get(confirmed.url)
    assert again.status_code == 200 and "接受" in again.content.decode()
    accepted = invitee.post(invitation_link)
    assert accepted.status_code == 302
    assert accepted.url == f"/registry/portal/organizations/{venue.pk}/"
    user = ProviderInvitation.objects.get().accepted_by
    assert user.email == INVITED and user.has_perm("registry.act_for_organization", venue)


def test_an_invitee_with_an_account_signs_in_and_comes_back_to_accept(invitation_link):
    UserFactory(username="colleague", email=INVITED, password=PASSWORD)
    invitee = Client()
    sign_in = _links(invitee.get(invitation_link))["登录"]
    response = invitee.post(sign_in, {"username": "colleague", "password": PASSWORD})
    assert response.status_code == 302 and response.url == invitation_link
    assert "接受" in invitee.get(invitation_link).content.decode()
    assert invitee.post(invitation_link).status_code == 302
    assert ProviderInvitation.objects.get().accepted_at is not None


def test_nobody_accepts_without_signing_in(invitation_link):
    response = Client().post(invitation_link)
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    assert ProviderInvitation.objects.get().accepted_at is None


def test_a_next_to_another_site_is_not_followed(worker):  # noqa: F811
    invitee = Client()
    worker(invitee.post, "/accounts/signup/?next=//evil.example/",
           {"email": "x@example.cn", "password": PASSWORD, "next": "https://evil.example/"})
    confirm = path_of(last_link("x@example.cn"))
    assert "evil" not in confirm
    # nor one added to the emailed link by hand
    response = invitee.post(confirm.split("?")[0] + "?next=https://evil.example/")
    assert response.status_code == 302 and response.url == "/accounts/signup/next/"
    assert len(mail.outbox) == 1


def test_the_sign_in_page_offers_to_sign_up_and_keeps_where_the_user_was_going(client):
    page = client.get("/accounts/login/", {"next": "/registry/portal/"},
                      HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    link = page[page.index('id="login-signup"'):][:400]
    assert "还没有账号？" in link and "注册" in link
    assert 'href="/accounts/signup/?next=/registry/portal/"' in link


def test_a_spent_invitation_says_so_before_anyone_signs_in_or_up(client):
    admin = UserFactory(email="admin@example.cn")
    organization = OrganizationFactory(administrator=admin)
    services.role_grant(actor=None, user=admin, role=Role.PROVIDER, target=organization)
    invitation = services.provider_invitation_create(
        actor=admin, organization=organization, email="late@example.cn",
        base_url="http://testserver")
    link = f"/registry/portal/invitations/{registry_mail.invitation_token(invitation)}/"
    with time_machine.travel(timezone.now() + datetime.timedelta(days=30), tick=False):
        page = client.get(link, HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = page.content.decode()
    assert page.status_code == 400 and "过期" in html
    assert "注册" not in html[html.index("<h1>"):]  # no sign-up offered for nothing
