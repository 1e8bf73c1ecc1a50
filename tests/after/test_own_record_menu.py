"""An account that is a person's own (``Person.user``) but holds no role on the record (a
bureau's administrator linked it and the role was later taken away, or the record was
given its account without one) is not offered to register again (个人注册): its menu
leads to its own record's pages, and each of them opens for it."""

import pytest

from registry import services
from registry.roles import Role
from registry.services.administration import person_account_set
from tests.factories import PersonFactory, UserFactory
from tests.workflows.test_individual_cases import _menu

pytestmark = pytest.mark.django_db
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture(params=["linked_then_role_revoked", "linked_without_role"])
def own_account(request):
    person = PersonFactory(name="周明")
    user = UserFactory()
    if request.param == "linked_then_role_revoked":
        root = UserFactory(is_superuser=True, is_staff=True)
        person_account_set(actor=root, person=person, user=user)
        services.role_revoke(actor=None, user=user, role=Role.PROVIDER, target=person)
    else:
        person.user = user
        person.save(update_fields=["user"])
    return person, user


def test_the_menu_leads_to_ones_own_record_not_to_registering_again(own_account, client):
    person, user = own_account
    client.force_login(user)
    menu = _menu(client)
    # then registering (oneself, or an organization) is not offered
    assert "个人注册" not in menu and "/registry/portal/individual/" not in menu.values()
    assert "注册机构" not in menu
    # but the record's own pages are, each opening for the account
    assert menu["我的个人主页：周明"] == f"/registry/portal/people/{person.pk}/"
    for label in ("我的证件材料", "我的申请", "我的入职查询", "通知", "我的个人信息与同意"):
        assert label in menu, label
    for label in ("我的个人主页：周明", "我的证件材料", "我的申请", "我的入职查询",
                  "我的个人信息与同意"):
        assert client.get(menu[label], **ZH).status_code == 200, label


def test_an_account_of_nobodys_record_may_still_register(client):
    client.force_login(UserFactory())
    menu = _menu(client)
    assert menu["个人注册"] == "/registry/portal/individual/"
    assert not any(label.startswith("我的个人主页") for label in menu)
