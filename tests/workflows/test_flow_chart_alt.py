"""The flow chart's text alternative is in the reader's language: viewflow's pages gave the
chart the image text "flow graph", in English on the Chinese pages too (a screen reader read
English in the middle of a Chinese page)."""

import re

import pytest

from tests.workflows.conftest import open_tasks
from tests.workflows.test_selection_flow import _apply


def _alts(page: str) -> list[str]:
    return re.findall(r'<img class="responsive-img"[^>]*\balt="([^"]*)"', page)


@pytest.mark.parametrize(("language", "board", "case_chart"), [
    ("zh-hans", "办理流程图", "本案件的办理流程图"),
    ("en", "Flow chart of the process", "Flow chart of this case"),
])
def test_the_flow_charts_are_described_in_the_readers_language(world, client, language,
                                                                 board, case_chart):
    case = _apply(world)
    client.force_login(world.clerk)
    dashboard = client.get("/organizationselection/", HTTP_ACCEPT_LANGUAGE=language)
    [task] = open_tasks(case, "qualification")  # a task's page shows the case's chart
    detail = client.get(f"/organizationselection/{case.pk}/qualification/{task.pk}/detail/",
                        HTTP_ACCEPT_LANGUAGE=language)
    assert dashboard.status_code == detail.status_code == 200
    assert _alts(dashboard.content.decode()) == [board]
    assert _alts(detail.content.decode()) == [case_chart]
    assert "flow graph" not in dashboard.content.decode() + detail.content.decode()
