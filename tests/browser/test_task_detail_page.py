"""viewflow's task page, as the project draws it (config/templates/viewflow/workflow/
task_base.html): in Chinese, passing axe and the phone width; the applicant reads that a
task is taken, never by whom, and does not open an expert's review task at all; the bureau's
clerk reads the holder, by name, never by login name."""

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

    # the applicant does not open an expert's review task at all (the panel is confidential);
    # on its case's other task pages it reads that a task is taken, never by whom
    [checked] = [t for t in case.task_set.all() if t.flow_task.name == "qualification"]
    provider = login(phone_page, w.provider)
    assert provider.goto(address).status == 404
    provider.goto(f"/organizationselection/{case.pk}/qualification/{checked.pk}/detail/")
    expect(provider.locator(".task-fact", has_text="办理人")).to_contain_text("已有人办理")
    assert w.clerk.get_username() not in provider.content()
    assert expert.get_username() not in provider.content()
    screenshot(provider, "task-detail-applicant-phone")

    # the clerk reads who holds it: the expert's name (here none is set: the account's
    # number), never the login name
    clerk = login(new_page(), w.clerk)
    clerk.goto(address)
    holder = clerk.locator(".task-fact", has_text="办理人")
    expect(holder).to_contain_text(f"用户 {expert.pk}")
    expect(holder).not_to_contain_text(expert.get_username())
    screenshot(clerk, "task-detail-clerk-desktop")
