"""Two pages this round changed, as their users meet them in Chinese at a desktop's and a
phone's size (axe, width and leaked English checked by ``screenshot``): the bureau's sanction
form with what its search found, and the notifications of a user acting for two
organizations, each naming the one it concerns."""

import pytest

from registry import services
from registry.models import Bureau
from registry.roles import Role
from tests.browser.conftest import login, screenshot
from tests.factories import OrganizationFactory, UserFactory
from tests.registry.builders import approve, organization
from workflows.services import notifications

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _page(size, new_page, new_phone_page, user):
    return login((new_page if size == "desktop" else new_phone_page)(), user)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_bureau_finds_the_provider_and_the_form_names_it(size, new_page, new_phone_page):
    bureau = Bureau.objects.get(jurisdiction__code="360100")
    admin = UserFactory()
    services.role_grant(actor=None, user=admin, role=Role.BUREAU_ADMIN, target=bureau)
    org = organization("南昌市晨光体育培训中心", ("少儿篮球", "sport", "30"))
    approve(organization=org, where="360100", categories=("sport",))
    page = _page(size, new_page, new_phone_page, admin)
    page.goto(f"/registry/bureau/{bureau.pk}/")
    page.get_by_label("查找服务提供方").fill("晨光")
    page.get_by_role("button", name="搜索").click()
    page.wait_for_url("**find=*")
    screenshot(page, f"sanction-find-{size}")
    page.get_by_role("link", name=f"选择{org.name}").click()
    page.wait_for_url(f"**?organization={org.pk}*")
    assert f"服务提供方：{org.name}（编号 {org.pk}）" in page.inner_text("body")
    assert page.get_by_label("机构").input_value() == str(org.pk)
    screenshot(page, f"sanction-chosen-{size}")


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_user_of_two_organizations_reads_which_each_notification_is_about(
        size, new_page, new_phone_page):
    user = UserFactory()
    first = OrganizationFactory(name="南昌悦读文化传播有限公司")
    second = OrganizationFactory(name="南昌市启航劳动教育服务中心")
    for org in (first, second):
        services.role_grant(actor=None, user=user, role=Role.PROVIDER, target=org)
    notifications.notify(users=[user], subject="申请 #3 需要补正", body="请补正营业执照。",
                         about=second)
    notifications.notify(users=[user], subject="申请 #2 公示至 2026年12月11日",
                         body="材料齐全，同意入选并公示。", about=first)
    page = _page(size, new_page, new_phone_page, user)
    page.goto("/selection/notifications/")
    body = page.inner_text("body")
    assert f"涉及：{first.name}" in body and f"涉及：{second.name}" in body
    screenshot(page, f"notifications-two-organizations-{size}")
