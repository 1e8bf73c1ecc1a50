"""The page of a refusal (403) says it in words for an account without a full name, as
every self-signup account is: viewflow's page fell back to the English "You" ("You
无权访问此页面")."""

import pytest

from tests.workflows.conftest import world  # noqa: F401
from workflows.services import selection

pytestmark = pytest.mark.django_db


@pytest.fixture
def refused(world, client):  # noqa: F811
    """Another bureau's clerk (no full name) on viewflow's page of a case."""
    w = world
    case = selection.selection_apply(actor=w.provider, organization=w.organization,
                                     bureau=w.bureau, offerings=[w.offering])
    assert not w.other_clerk.get_full_name()
    client.force_login(w.other_clerk)
    return client, f"/organizationselection/{case.pk}/", w.other_clerk


def test_the_refusal_reads_in_chinese_without_an_english_you(refused):
    client, path, _user = refused
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 403
    body = response.content.decode()
    assert "无权访问此页面" in body
    assert "You" not in body
    assert "以其他用户身份登录" in body  # the way out, in Chinese too


def test_the_refusal_reads_in_english(refused):
    client, path, user = refused
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    body = response.content.decode()
    assert (f"You are signed in as {user.get_username()} and have no rights to access this "
            "page.") in body
    assert "Log in as another user" in body


def test_a_refusal_with_a_reason_shows_the_reason(client, world):  # noqa: F811
    # a page that says why it refuses keeps saying it
    w = world
    client.force_login(w.other_provider)
    response = client.get(f"/registry/portal/organizations/{w.organization.pk}/",
                          HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 403
    body = response.content.decode()
    assert "您不代表该机构。" in body
    assert "You" not in body and "无权访问此页面" not in body
