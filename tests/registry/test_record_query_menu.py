"""The bureau's clerks and administrators reach the re-checks (复查) people ask for and the
yearly record re-queries from the menu, not only through a notification they may have
read and closed; the other staff, who may not open those pages, are not led to them."""

import pytest

from registry import services
from registry.models import Bureau
from registry.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def _staff(role):
    user = UserFactory()
    bureau = Bureau.objects.get(jurisdiction__code="360100")
    services.role_grant(actor=None, user=user, role=role, target=bureau)
    return user, bureau


@pytest.mark.parametrize("role", [Role.BUREAU_CLERK, Role.BUREAU_ADMIN])
def test_the_menu_leads_clerks_and_administrators_to_rechecks_and_requeries(client, role):
    user, bureau = _staff(role)
    client.force_login(user)
    home = client.get("/registry/lists/", **ZH).content.decode()
    for url, label in ((f"/registry/bureau/{bureau.pk}/rechecks/", "复查申请：南昌市教育局"),
                       (f"/registry/bureau/{bureau.pk}/requeries/", "年度入职查询：南昌市教育局")):
        link = home.index(f'href="{url}"')
        assert label in home[link:link + 600]
        assert client.get(url, **ZH).status_code == 200


def test_an_approver_is_not_led_to_pages_it_may_not_open(client):
    user, bureau = _staff(Role.BUREAU_APPROVER)
    client.force_login(user)
    home = client.get("/registry/lists/", **ZH).content.decode()
    assert f"/registry/bureau/{bureau.pk}/rechecks/" not in home
    assert f"/registry/bureau/{bureau.pk}/requeries/" not in home
