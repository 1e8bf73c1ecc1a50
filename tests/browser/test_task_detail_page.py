"""viewflow's task page, as the project draws it (config/templates/viewflow/workflow/
task_base.html): in Chinese, passing axe and the phone width; the applicant reads that the
task is taken, never the expert's name; the bureau's clerk reads the holder."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login, screenshot
from tests.workflows.conftest import open_tasks
from tests.workflows.test_selection_flow import _apply, _verify_all

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_an_expert_review_task_page_names_its_holder_to_the_bureau_only(
        new_page, phone_page, world):
    w = world
    case = _apply(w)
    _verify_all(w, case)
    task = open_tasks(case, "expert_review")[0]
    expert = task.owner
    address = f"/organizationselection/{case.pk}/expert_review/{task.pk}/detail/"

    provider = login(phone_page, w.provider)
    provider.goto(address)
    expect(provider.locator(".task-fact", has_text="办理人")).to_contain_text("已有人办理")
    assert expert.get_username() not in provider.content()
    screenshot(provider, "task-detail-applicant-phone")

    clerk = login(new_page(), w.clerk)
    clerk.goto(address)
    expect(clerk.locator(".task-fact", has_text="办理人")).to_contain_text(
        expert.get_username())
    screenshot(clerk, "task-detail-clerk-desktop")
