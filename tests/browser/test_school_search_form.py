"""The school's search form at a desktop's and a phone's size, in Chinese: each field's
label stays on one line beside its own input. At 1280 px the form's labels and inputs ran
on as one line of text, and the county's label "县（市、区）" broke across two lines at its
brackets, away from its select."""

import pytest
from playwright.sync_api import expect

from registry import services as registry_services
from registry.roles import Role
from tests.browser.conftest import login, screenshot
from tests.factories import SchoolFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# each label of the form: how many lines its words take, and where its control starts
# against them (beside the words' last line, or below them at the same left edge)
LABELS_JS = """() => [...document.querySelectorAll('main form label')].map(label => {
  const text = [...label.childNodes].find(n => n.nodeType === 3 && n.textContent.trim());
  const range = document.createRange();
  range.selectNodeContents(text);
  const rects = [...range.getClientRects()].filter(r => r.width > 0);
  const lines = new Set(rects.map(r => Math.round(r.top))).size;
  const last = rects[rects.length - 1], first = rects[0];
  const control = label.control.getBoundingClientRect();
  const beside = control.top < last.bottom && control.bottom > last.top
                 && control.left >= last.right - 1;
  const below = control.top >= last.bottom - 1 && Math.abs(control.left - first.left) <= 2;
  return {text: text.textContent.trim(), lines, together: beside || below,
          right: Math.round(Math.max(control.right, last.right))};
})"""


def _school_user():
    school = SchoolFactory(name="南昌市育新学校")
    user = UserFactory(username="school-search-user", first_name="张老师")
    registry_services.role_grant(actor=None, user=user, role=Role.SCHOOL, target=school)
    return user


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_each_search_label_stays_on_one_line(size, new_page, new_phone_page):
    page = login((new_page if size == "desktop" else new_phone_page)(), _school_user())
    page.goto("/registry/school/search/")
    expect(page.locator("main form")).to_contain_text("县（市、区）")
    labels = page.evaluate(LABELS_JS)
    county = [label for label in labels if label["text"].startswith("县（市、区）")]
    assert county, labels
    width = page.viewport_size["width"]
    for label in labels:
        assert label["lines"] == 1, label
        assert label["together"], label
        assert label["right"] <= width, label
    screenshot(page, f"school-search-form-{size}")
