"""A published list's page at a desktop's and a phone's width: the row of an entry
suspended since publication says so in words ("自…起已暂停，不得聘用"), beside the
published valid-until date, not only in the box at the top of the page (and not by colour
alone); the page passes check_page (axe, nothing wider than the phone)."""

import pytest

from registry import services
from tests.browser.conftest import screenshot
from tests.registry.builders import approve, bureau_admin, organization

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def suspended_on_list():
    org = organization("南昌弈林围棋培训有限公司", ("少儿围棋启蒙班", "arts", "25"))
    approve(organization=org, categories=("arts",))
    approve(organization=organization("南昌墨香书法培训有限公司", ("少儿书法", "arts", "30")),
            categories=("arts",))
    admin, bureau = bureau_admin("360100")
    publication = services.publication_publish(actor=admin, bureau=bureau)
    services.provider_suspend(actor=admin, bureau=bureau, organization=org,
                              reason="安全检查不合格")
    return f"/registry/lists/p/{publication.pk}/"


def _row_text(page, name: str) -> str:
    return page.locator("tbody tr", has_text=name).inner_text()


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_suspended_row_says_so_at_every_width(suspended_on_list, new_page,
                                                  new_phone_page, size):
    page = (new_page if size == "desktop" else new_phone_page)()
    page.goto(suspended_on_list)
    row = _row_text(page, "南昌弈林围棋培训有限公司")
    assert "已暂停" in row and "不得聘用" in row, row
    # the reader who scrolls to the valid-until cell reads the standing there too
    until = page.locator("tbody tr", has_text="南昌弈林围棋培训有限公司").locator("td").last
    assert "已暂停" in until.inner_text()
    assert "不得聘用" not in _row_text(page, "南昌墨香书法培训有限公司")
    until.scroll_into_view_if_needed()
    screenshot(page, f"list-row-suspended-{size}")
