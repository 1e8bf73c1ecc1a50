"""A flow chart as the bureau's clerk opens it from a Chinese page: its decisions captioned
是 / 否 (viewflow 2.4 drew the bare English "yes" / "no")."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_vetting_flows_chart_reads_in_chinese(page, world):
    login(page, world.clerk)
    page.goto("/individualvetting/chart/")
    captions = page.locator("text.edge-label")
    expect(captions.first).to_be_visible()
    assert set(captions.evaluate_all("els => els.map(e => e.textContent)")) == {"是", "否"}
    page.screenshot(path="var/screenshots/flow-chart-vetting.png")  # an SVG: the view
