"""The bureau's working pages at a phone's size (390×844): viewflow's task forms, its lists
(queue, inbox) and its process board, the sanction forms. Each passes axe and the width
check (check_page), and no label, legend or column heading is cut short.

Found on a phone before: the process board's columns made a board wider than the screen
(scrolled sideways by perfect-scrollbar, which hid it from the page's width), the lists cut
their headings and cells short ("创建时…"), and a blacklisting's years field was 58 px wide."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from registry import services as registry_services
from registry.models import Approval
from registry.roles import Role
from tests.browser.checks import truncated_labels
from tests.browser.conftest import login, screenshot
from tests.browser.test_journeys import _declare_no_conflict, _open_my_task
from tests.factories import ApprovalFactory, UserFactory
from tests.workflows.conftest import open_tasks
from tests.workflows.test_selection_flow import _apply, _verify_all
from workflows import task_actions
from workflows.services import review_cases

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

_FIELD_WIDTHS_JS = """selector => [...document.querySelectorAll(selector)]
  .filter(e => e.offsetParent !== null)
  .map(e => [e.name, Math.round(e.getBoundingClientRect().width),
             Math.round(e.closest('form').getBoundingClientRect().width)])"""


def _checked(page, name):
    """check_page (axe, width, leaked English) through the screenshot, and no label cut."""
    screenshot(page, name)
    assert not truncated_labels(page), f"{page.url}: {truncated_labels(page)}"


def _take(page, address):
    page.goto(address)
    if "/assign/" in page.url:  # viewflow asks to take an unassigned task first
        page.click("button[name=_continue]")
    page.wait_for_url("**/execute/")


def test_the_selections_task_forms_lists_and_board_fit_a_phone(new_phone_page, world):
    w = world
    case = _apply(w)
    clerk = login(new_phone_page(), w.clerk)
    clerk.goto(reverse("organizationselection:queue"))
    expect(clerk.locator("main")).to_contain_text("资格审查")
    _checked(clerk, "phone-queue")
    # the process board, a column a step, with the waiting task's card
    clerk.goto(reverse("organizationselection:index"))
    expect(clerk.locator(".vf-dashboard")).to_contain_text("资格审查")
    _checked(clerk, "phone-board")
    _open_my_task(clerk, case, "资格审查")
    _checked(clerk, "phone-task-qualification")

    _verify_all(w, case)
    expert = login(new_phone_page(), open_tasks(case, "expert_review")[0].owner)
    _open_my_task(expert, case, "专家评审")
    _checked(expert, "phone-task-expert-conflict")
    _declare_no_conflict(expert)
    _checked(expert, "phone-task-expert-scores")


def test_the_review_cases_and_sanction_forms_fit_a_phone(new_phone_page, world):
    w = world
    today = timezone.localdate()
    approval = ApprovalFactory(organization=w.organization, status=Approval.Status.APPROVED,
                               valid_from=today - datetime.timedelta(days=30),
                               valid_until=today + datetime.timedelta(days=300))
    approval.categories.set([w.offering.category])
    decider = UserFactory()
    registry_services.role_grant(actor=w.root, user=decider, role=Role.BUREAU_ADMIN,
                                 target=w.bureau)
    case = review_cases.review_case_open(actor=w.clerk, bureau=w.bureau, trigger="complaint",
                                         organization=w.organization,
                                         details={"summary": "家长投诉看护人员离岗"})
    [task] = open_tasks(case, "investigate")
    clerk = login(new_phone_page(), w.clerk)
    _take(clerk, reverse("reviewcase:investigate:index", args=[case.pk, task.pk]))
    _checked(clerk, "phone-task-review-investigate")
    task.refresh_from_db()
    assert task_actions.task_perform(actor=w.clerk, task=task, data={
        "findings": "看护人员离岗二十分钟", "intended_action": "suspend",
        "reasons": "未履行安全看护责任，拟暂停准入"})
    review_cases.review_case_respond(actor=w.provider, case=case, text="已更换看护人员")

    # the decision: the sanction, its rectification date and a blacklisting's years
    admin = login(new_phone_page(), decider)
    [task] = open_tasks(case, "decide")
    _take(admin, reverse("reviewcase:decide:index", args=[case.pk, task.pk]))
    admin.locator("input[name=blacklist_years]").fill("3")
    admin.locator("input[name=rectification_due]").fill("2026-09-01")
    _checked(admin, "phone-task-review-decide")
    admin.goto(reverse("reviewcase:inbox"))
    expect(admin.locator("main")).to_contain_text("作出审查决定")
    # the case's summary names the provider and its stage in words (it read
    # "南昌市教育局 · decision")
    expect(admin.locator("main tbody")).to_contain_text(f"{w.organization.name} · 待决定")
    expect(admin.locator("main")).not_to_contain_text("decision")
    _checked(admin, "phone-review-inbox")
    admin.goto(reverse("reviewcase:index"))
    _checked(admin, "phone-review-board")

    # the bureau's sanction form and the blacklisting proposal: every field the form's width
    for address, name in ((reverse("registry:bureau", args=[w.bureau.pk]), "phone-sanction"),
                          (reverse("registry:blacklist-propose", args=[w.bureau.pk]),
                           "phone-blacklist-proposal")):
        admin.goto(address)
        _checked(admin, name)
        fields = admin.evaluate(_FIELD_WIDTHS_JS, "main form input[name=organization], "
                                                  "main form input[name=person]")
        assert fields and all(width >= form - 40 for _name, width, form in fields), fields
