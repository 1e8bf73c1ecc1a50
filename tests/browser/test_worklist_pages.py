"""The bureau staff's three lists of tasks across the flows, looked at in Chinese at a
desktop's (1280) and a phone's (390) width: 我的待办 (what they hold), 待领取任务 (what they may
take) and 已办结 (what they did), with rows of several kinds of case and with none.
``screenshot`` checks each (axe, the phone's width, no leaked English) and keeps a PNG under
var/screenshots/worklist-*."""

import pytest
from django.urls import reverse

from registry.roles import Role
from tests.browser.conftest import login, screenshot
from tests.workflows.conftest import open_tasks
from tests.workflows.test_bureau_archive import review_case, selection_checked
from tests.workflows.test_bureau_worklist import _selection, _vetting

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
SIZES = ["desktop", "phone"]
# each list: its menu label (the page's heading), its date column, what it says when empty
PAGES = {
    "work-inbox": ("我的待办", "等待起始时间", "您目前没有待办理的任务。"),
    "work-queue": ("待领取任务", "等待起始时间", "暂无等待您领取的任务。"),
    "work-archive": ("已办结", "完成时间", "您还没有办结过任务。"),
}
HEADERS = ["案件", "类型", "任务", "服务提供方", "教育局"]
# the cells of the number, the kind, the task, the bureau and the date whose text takes more
# than one line
_LINES_JS = """() => [...document.querySelectorAll('main table.worklist tbody tr')].flatMap(
  tr => [0, 1, 2, 4, 5].map(i => tr.cells[i])).filter(td => {
    const range = document.createRange();
    range.selectNodeContents(td);
    return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size > 1;
  }).map(td => td.textContent.trim())"""


def _open(size, new_page, new_phone_page, user):
    return login((new_page if size == "desktop" else new_phone_page)(), user)


def _busy_clerk(w):
    """The clerk's day: an individual checked, an application checked, a review case
    investigated (已办结); an application and an individual's check held (我的待办); an
    application, an individual and a review case waiting (待领取任务). Returns the names of
    the subjects of each list."""
    _vetted, person = _vetting(w)
    _checked, organization = selection_checked(w)
    review_case(w, organization)
    names = {"work-archive": [person.name, organization.name, organization.name]}
    held, held_org = _selection(w)
    held_vetting, held_person = _vetting(w, verify=False)
    for case, node in ((held, "qualification"), (held_vetting, "verification")):
        [task] = open_tasks(case, node)
        with task.activation() as activation:
            activation.assign(w.clerk)
    names["work-inbox"] = [held_org.name, held_person.name]
    _waiting, waiting_org = _selection(w)
    _waiting_vetting, waiting_person = _vetting(w, verify=False)
    review_case(w, held_org, investigate=False)
    names["work-queue"] = [waiting_org.name, waiting_person.name, held_org.name]
    return names


@pytest.mark.parametrize("size", SIZES)
def test_the_three_lists_with_rows_of_several_kinds(size, new_page, new_phone_page, world):
    w = world
    names = _busy_clerk(w)
    page = _open(size, new_page, new_phone_page, w.clerk)
    kinds = {"work-inbox": {"机构遴选申请", "外聘人员资格审查申请"},
             "work-queue": {"机构遴选申请", "外聘人员资格审查申请", "审查案件"},
             "work-archive": {"机构遴选申请", "外聘人员资格审查申请", "审查案件"}}
    for name, (heading, date_column, empty) in PAGES.items():
        page.goto(reverse(f"workflows:{name}"))
        assert page.inner_text("main h1") == heading
        main = page.inner_text("main")
        assert empty not in main
        rows = page.locator("main table.worklist tbody tr")
        assert rows.count() == len(names[name]), (name, main)
        for subject in set(names[name]):
            assert subject in main, (name, subject)
        for kind in kinds[name]:
            assert kind in main, (name, kind)
        assert w.bureau.name in rows.first.inner_text()
        if size == "desktop":  # the column headings, on one line each
            headers = page.locator("main table.worklist thead th").all_inner_texts()
            assert headers == [*HEADERS, date_column], headers
            assert all(box["height"] < 40 for box in (
                h.bounding_box() for h in page.locator("main table.worklist thead th").all()))
            # the case's number, its kind, the task, the bureau and the date on one line each
            # (Material's equal columns broke "外聘人员资格审查申请" and the time in two)
            assert page.evaluate(_LINES_JS) == [], name
        else:  # each row a card, its cells labelled (the labels are drawn by CSS)
            labels = [td.get_attribute("data-label") for td in rows.first.locator("td").all()]
            assert labels == [*HEADERS, date_column], labels
            assert page.locator("main table.worklist thead").bounding_box()["height"] <= 1
        screenshot(page, f"worklist-{name}-{size}")
    # the menu's 已办结 leads to the archive of every flow
    page.goto("/workspace/")
    assert page.locator("a[href='/selection/work/archive/']").count() >= 1


@pytest.mark.parametrize("size", SIZES)
def test_the_three_lists_empty(size, new_page, new_phone_page, world):
    newcomer = world.staff(Role.BUREAU_CLERK)
    page = _open(size, new_page, new_phone_page, newcomer)
    for name, (heading, _date_column, empty) in PAGES.items():
        page.goto(reverse(f"workflows:{name}"))
        assert page.inner_text("main h1") == heading
        assert empty in page.inner_text("main")
        assert page.locator("main table.worklist").count() == 0
        screenshot(page, f"worklist-{name}-empty-{size}")
