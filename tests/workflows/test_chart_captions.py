"""The flow charts' decisions say their outcomes in the reader's language: viewflow 2.4
captions an If's two edges with the bare English "yes" and "no" (not marked for
translation), and they showed so on the Chinese chart."""

import re

import pytest

from tests.workflows.test_selection_flow import _apply

FLOW_CHARTS = ["/organizationselection/chart/", "/individualvetting/chart/",
               "/reviewcase/chart/"]


def _captions(svg: str) -> list[str]:
    return re.findall(r'<text class="edge-label"[^>]*>([^<]*)</text>', svg)


@pytest.mark.parametrize("url", FLOW_CHARTS)
def test_a_chinese_flow_chart_captions_its_decisions_in_chinese(world, client, url):
    client.force_login(world.clerk)
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    captions = _captions(response.content.decode())
    assert captions, "the chart has decisions, each with two captioned edges"
    assert set(captions) == {"是", "否"}
    assert not re.search(r">\s*(yes|no)\s*<", response.content.decode())


def test_a_cases_chart_in_chinese_and_the_same_chart_in_english(world, client):
    case = _apply(world)
    client.force_login(world.clerk)
    url = f"/organizationselection/{case.pk}/chart/"
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert set(_captions(chinese.content.decode())) == {"是", "否"}
    assert set(_captions(english.content.decode())) == {"yes", "no"}
