"""A school's invitations page as its staff see it: every invitation it sent, as typed and
masked, one that reached a registered person reading as one that reached nobody, each
still waiting withdrawable (axe, width and leaked English checked by ``screenshot``)."""

import pytest

from registry.identifiers import make_id_number
from registry.roles import Role
from registry.services import role_grant
from registry.validators import mask_id_number
from tests.browser.conftest import login, screenshot
from tests.factories import PersonFactory, SchoolFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_school_sees_and_withdraws_what_it_sent(size, new_page, new_phone_page):
    school = SchoolFactory(name="南昌市第一小学")
    staff = UserFactory()
    role_grant(actor=None, user=staff, role=Role.SCHOOL, target=school)
    person = PersonFactory(user=UserFactory(), name="张三")
    nobody = make_id_number(987)
    page = login((new_page if size == "desktop" else new_phone_page)(), staff)
    page.goto("/registry/school/invitations/")
    for name, number in (("张三", person.id_number), ("李四", nobody)):
        page.get_by_label("姓名").fill(name)
        page.get_by_label("身份证号").fill(number)
        page.get_by_role("button", name="邀请", exact=True).click()
        page.wait_for_load_state()

    rows = page.locator("tbody tr")
    assert rows.count() == 2
    texts = [rows.nth(i).inner_text() for i in range(2)]
    for text, (name, number) in zip(texts, (("李四", nobody), ("张三", person.id_number)),
                                    strict=True):
        assert name in text and mask_id_number(number) in text
        assert "已发出，等待本人答复" in text
    screenshot(page, f"school-invitations-{size}")

    rows.nth(1).get_by_role("button", name="撤回").click()
    page.wait_for_load_state()
    assert "邀请已撤回。" in page.inner_text("body")
    assert "已撤回" in page.locator("tbody tr").nth(1).inner_text()
    screenshot(page, f"school-invitations-withdrawn-{size}")
