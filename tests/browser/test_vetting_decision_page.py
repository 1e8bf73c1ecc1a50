"""An approver approves an individual on the decision's web page: the categories the person
may teach are chosen there. viewflow drew the field (checkboxes) as ``vf-field-checkbox-select``,
a component its free edition does not define: the field was invisible, the page refused
"name the categories" with the message hidden too, and no individual could be approved
through the web."""

import pytest
from playwright.sync_api import expect

from registry.models import Approval
from tests.browser.conftest import login, screenshot
from tests.browser.test_journeys import _fill, _submit_task
from tests.factories import PersonFactory
from tests.workflows.conftest import open_tasks, upload_all
from tests.workflows.test_vetting_flow import _verify
from workflows.models import CaseOutcome
from workflows.services import vetting

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _choose(page, field_id, value):
    """Choose in one of viewflow's Material selects: open it, click the option."""
    page.locator(f"#{field_id} .mdc-select__anchor").click()
    page.locator(f"#{field_id} li[data-value='{value}']").click()


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_approver_names_the_categories_and_grades_and_approves(
        world, new_page, new_phone_page, size):
    w = world
    person = PersonFactory(organization=w.organization, kind="retiree", name="李国华")
    documents = upload_all(w.provider, person)
    case = vetting.vetting_start(actor=w.provider, person=person, bureau=w.bureau)
    _verify(w, case, documents)
    [task] = open_tasks(case, "decision")
    page = login((new_page if size == "desktop" else new_phone_page)(), w.approver)
    # from the case page's "waiting for you" link, taking the task
    page.goto(f"/selection/cases/vetting/{case.pk}/")
    page.locator("main a.mdc-button", has_text="审批决定").first.click()
    page.click("button[name=_continue]")
    page.wait_for_url(f"**/decision/{task.pk}/execute/")
    categories = page.locator("main").get_by_text("可任教的类别").first
    expect(categories).to_be_visible()
    page.check("input[name=decision][value=approve]")
    _fill(page, "id_reason", "材料齐全，查询无记录")
    _choose(page, "id_grade_min", "1")
    _choose(page, "id_grade_max", "6")
    page.check("input[name=confirm]")
    # sent without a category: refused, and the refusal is seen beside the field
    page.locator("main form button:not([name=_continue])").last.click()
    expect(page.locator(".portal-checkboxes .errorlist")).to_contain_text("可任教的类别")
    # the categories, chosen as a person would: by their names, on the page
    choose = page.get_by_label("体育", exact=True)
    expect(choose).to_be_visible()
    choose.check()
    if not page.is_checked("input[name=confirm]"):
        page.check("input[name=confirm]")
    screenshot(page, f"vetting-decision-categories-{size}")
    _submit_task(page)
    case.refresh_from_db()
    assert case.outcome == CaseOutcome.APPROVED
    approval = case.approval
    assert approval.status == Approval.Status.APPROVED
    assert [c.code for c in approval.categories.all()] == ["sport"]
    assert (approval.grade_min, approval.grade_max) == (1, 6)
