"""The sanction form on a bureau's page, as an administrator fills it in: what the page
offers is what the server asks for, and a wrong number is an error on its field."""

import re

import pytest

from registry.models import Approval
from tests.registry.builders import approve, bureau_admin, organization


def _form_fields(html: str) -> set[str]:
    """The names of the fields of the page's sanction form (the one that posts to itself)."""
    form = re.search(r'<form method="post">(.*?)</form>', html, re.S).group(1)
    return set(re.findall(r'name="([a-z_]+)"', form))


@pytest.mark.django_db
def test_an_administrator_suspends_through_the_form_the_page_shows(client):
    admin, bureau = bureau_admin("360100")
    org = organization("南昌晨光体育培训有限公司", ("少儿篮球", "sport", "40"))
    approval = approve(organization=org, where="360100", categories=("sport",))
    client.force_login(admin)
    url = f"/registry/bureau/{bureau.pk}/"
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    # the confirmation the server requires is on the page
    assert {"action", "organization", "person", "reason", "confirm"} <= _form_fields(page)
    assert "我确认" in page

    # without ticking it: refused, saying so, and nothing changes
    data = {"action": "suspend", "organization": org.pk, "reason": "安全检查不合格"}
    refused = client.post(url, data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert refused.status_code == 400 and "请勾选确认" in refused.content.decode()
    approval.refresh_from_db()
    assert approval.status == Approval.Status.APPROVED

    # a number that names no organization: an error on its field, not a page not found
    wrong = client.post(url, {**data, "organization": 999999, "confirm": "yes"},
                        HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert wrong.status_code == 400 and "没有编号为 999999 的机构" in wrong.content.decode()

    done = client.post(url, {**data, "confirm": "yes"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert done.status_code == 302
    approval.refresh_from_db()
    assert approval.status == Approval.Status.SUSPENDED
