"""Every role's main pages, at a desktop's and a phone's size, in Simplified Chinese: each
page the menu offers is opened and must pass ``check_page`` (axe-core with no serious or
critical violation, no sideways scrolling at 390×844, none of the leaked English or raw
values). A screenshot of each role's first page goes to var/screenshots/ (``make
screenshots`` copies them into docs/screenshots/ for the README's gallery)."""

import datetime
import os

import pytest

from registry import services as registry_services
from registry.identifiers import make_id_number
from registry.models import Person
from registry.roles import Role
from tests.browser.checks import DESKTOP, PHONE, check_page
from tests.browser.conftest import login, screenshot, watched
from tests.factories import OrganizationFactory, SchoolFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SIZES = {"desktop": DESKTOP, "phone": PHONE}


def _menu_links(page) -> list[str]:
    """The addresses the role's menu offers (the sign-out form aside)."""
    hrefs = page.eval_on_selector_all(
        "aside nav a[href]", "links => links.map(a => a.getAttribute('href'))")
    return list(dict.fromkeys(h for h in hrefs if h.startswith("/")))


def _visit_all(page, start: str, links: list[str], name: str) -> int:
    page.goto(start)
    screenshot(page, name)  # checks the page first
    for number, href in enumerate(links, start=1):
        response = page.goto(href)
        assert response.status == 200, f"{href} answered {response.status}"
        if os.environ.get("SCREENSHOT_ALL"):  # to look at every page: var/screenshots/all/
            screenshot(page, f"all/{name}-{number:02d}")
        else:
            check_page(page)
    return len(links)


def _users(world):
    """One user per role, with what each role needs to have something to show."""
    w = world
    school = SchoolFactory(name="南昌市育新学校")
    school_user = UserFactory(username="school-user", first_name="张老师")
    registry_services.role_grant(actor=w.root, user=school_user, role=Role.SCHOOL,
                                 target=school)
    applicant = UserFactory(username="applicant", first_name="吴丽")
    registry_services.role_grant(actor=w.root, user=applicant, role=Role.PROVIDER,
                                 target=OrganizationFactory(name="南昌悦读文化传播有限公司"))
    teacher = UserFactory(username="teacher", first_name="周秀兰")
    registry_services.person_register(
        actor=w.admin, name="周秀兰", kind=Person.Kind.RETIREE, user=teacher,
        id_number=make_id_number(9, birth=datetime.date(1961, 5, 20)))
    return {"provider": w.provider, "applicant": applicant, "teacher": teacher,
            "school": school_user, "clerk": w.clerk, "bureauadmin": w.admin}


@pytest.mark.parametrize("size", SIZES)
def test_public_pages(browser, live_server, world, size):
    context = browser.new_context(locale="zh-CN", reduced_motion="reduce",
                                  base_url=live_server.url,
                                  viewport=SIZES[size],
                                  extra_http_headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    page = watched(context.new_page())
    try:
        visited = _visit_all(page, "/", ["/registry/lists/", "/selection/notices/",
                                         "/accounts/login/"], f"role-public-{size}")
        assert visited == 3
        # the sign-in page names the product, not viewflow's demo
        assert "课后服务" in page.locator(".vf-page-lockscreen__sidebar-header").inner_text()
    finally:
        context.close()


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("role", ["provider", "applicant", "teacher", "school", "clerk",
                                  "bureauadmin"])
def test_role_pages(browser, live_server, world, role, size):
    user = _users(world)[role]
    context = browser.new_context(locale="zh-CN", reduced_motion="reduce",
                                  base_url=live_server.url,
                                  viewport=SIZES[size],
                                  extra_http_headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    page = watched(context.new_page())
    try:
        login(page, user)
        start = page.url
        links = _menu_links(page)
        assert links, "the menu offers nothing"
        # the product and whom the user acts for are on the page
        assert "课后服务" in page.title()
        _visit_all(page, start, links, f"role-{role}-{size}")
        _sign_out_through_the_menu(page, size)
    finally:
        context.close()


def _sign_out_through_the_menu(page, size: str) -> None:
    """As the user would: on a phone the menu button opens the menu first; on a desktop
    the menu is open. Signing out lands on a page for visitors, and the session is gone."""
    page.goto("/")
    logout_button = page.get_by_role("button", name="退出登录")
    if size == "phone":
        assert not logout_button.is_visible()
        page.get_by_role("button", name="打开菜单").click()
    with page.expect_navigation():  # the sign-out's answer, before anything else is asked
        logout_button.click()
    assert not page.script_errors, page.script_errors
    page.goto("/accounts/tokens/")
    assert "/accounts/login/" in page.url, f"still signed in: {page.url}"


def test_the_menu_reads_before_its_icon_font_arrives(page, world):
    """Until the icon font has loaded (or when it never does: a slow or filtering network)
    each menu icon is its ligature's name in the fallback font: it must then meet the
    contrast of text too. A CI run met it so, the font still on its way when axe ran."""
    page.route("**/material-icons/**", lambda route: route.abort())
    login(page, world.clerk)
    icons = page.locator(".vf-page__menu .mdc-list-item__start i")
    assert icons.count() > 3
    check_page(page)
