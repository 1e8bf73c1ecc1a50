"""A provider the bureau suspends is told the reasons are on its page, and whom to answer:
the page must show them (the organization's page; a person's own record-check page), to
the provider's own users only."""

import pytest
from django.urls import reverse

from registry import services
from registry.models import Bureau
from registry.roles import Role
from tests.factories import UserFactory
from tests.registry.builders import approve, bureau_admin, organization, person, school_user
from workflows.models import Notification

pytestmark = pytest.mark.django_db
REASON = "家长投诉：课堂无人看护，正在调查"


def _provider_user(subject):
    user = UserFactory()
    services.role_grant(actor=None, user=user, role=Role.PROVIDER, target=subject)
    return user


def test_a_suspended_organization_reads_the_reason_and_whom_to_answer_on_its_page(client):
    # given an approved organization and its user, and the bureau's contact details
    org = organization("南昌飞跃体育培训有限公司", ("少儿篮球", "sport", "50"))
    approve(organization=org, where="360100", categories=("sport",))
    user = _provider_user(org)
    Bureau.objects.filter(jurisdiction__code="360100").update(phone="0791-86765432")
    admin, bureau = bureau_admin("360100")
    # when the bureau suspends it
    services.provider_suspend(actor=admin, bureau=bureau, organization=org, reason=REASON)
    # then the notice points to the page, and the page has the reason and the bureau
    notice = Notification.objects.get(user=user)
    assert notice.url == reverse("registry:portal-organization", args=[org.pk])
    client.force_login(user)
    html = client.get(notice.url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    card = html[html.index('id="suspension"'):]
    assert REASON in card and bureau.name in card and "0791-86765432" in card
    assert "教育局作出的暂停决定" in card  # the cause, as the provider reads it
    assert "陈述申辩或咨询，请联系" in card

    # another provider's user reads nothing of it
    other = organization("南昌另一家培训有限公司", ("少儿围棋", "arts", "30"))
    client.force_login(_provider_user(other))
    assert client.get(notice.url).status_code in (403, 404)
    html = client.get(reverse("registry:portal-organization", args=[other.pk])).content.decode()
    assert REASON not in html and 'id="suspension"' not in html


def test_a_suspended_person_reads_the_reason_on_their_own_page(client):
    coach = person("张建华")
    coach.user = UserFactory()
    coach.save(update_fields=["user"])
    approve(person=coach, where="360100", categories=("sport",))
    admin, bureau = bureau_admin("360100")
    services.provider_suspend(actor=admin, bureau=bureau, person=coach, reason=REASON)
    notice = Notification.objects.get(user=coach.user)
    client.force_login(coach.user)
    html = client.get(notice.url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert REASON in html[html.index('id="suspension"'):]
    assert "入职查询未发现关于您的记录" not in html

    # someone else's page does not show it
    client.force_login(UserFactory())
    assert REASON not in client.get(notice.url).content.decode()


def test_a_school_following_a_link_to_a_provider_suspended_since_is_told_so(client):
    # given a school and an organization approved in its area, which the bureau suspends
    school_account, _school = school_user("360102")
    org = organization("南昌飞跃体育培训有限公司", ("少儿篮球", "sport", "50"))
    approve(organization=org, where="360100", categories=("sport",))
    client.force_login(school_account)
    page = f"/registry/providers/{org.pk}/"
    assert client.get(page).status_code == 200
    admin, bureau = bureau_admin("360100")
    services.provider_suspend(actor=admin, bureau=bureau, organization=org, reason=REASON)
    # when the school opens the provider's page again
    answer = client.get(page, HTTP_ACCEPT_LANGUAGE="zh-hans")
    # then it is told the provider is not approved now, not that only schools may look
    html = answer.content.decode()
    assert answer.status_code == 404
    assert "目前没有已准入的服务提供方" in html and "只有学校用户" not in html
    assert REASON not in html  # the bureau's reason is the provider's, not the school's
