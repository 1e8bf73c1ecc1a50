"""Every step of every flow has a title in the user's language: viewflow makes one of the
node's name ("Completeness Gate") for a step declared without a title, and it showed in
English on task pages, in the engine's lists and on the flow chart."""

import re

import pytest
from django.utils import translation

from workflows import flows

FLOWS = [flows.OrganizationSelectionFlow, flows.IndividualVettingFlow,
         flows.RecertificationFlow, flows.AnnualReviewFlow, flows.ReviewCaseFlow]


@pytest.mark.parametrize("flow_class", FLOWS, ids=lambda f: f.__name__)
def test_every_step_has_a_chinese_title(flow_class):
    with translation.override("zh-hans"):
        latin = {node.name: str(node.task_title) for node in flow_class.instance.nodes()
                 if re.search(r"[A-Za-z]", str(node.task_title))}
    assert latin == {}


def test_a_review_case_says_its_own_notice():
    with translation.override("zh-hans"):
        selection = str(flows.OrganizationSelectionFlow.instance.node("notice").task_title)
        review = str(flows.ReviewCaseFlow.instance.node("notice").task_title)
    assert (selection, review) == ("公示", "已送达拟处理意见告知书")


def test_the_engines_task_page_names_an_automatic_step_in_chinese(world, client):
    from tests.workflows.test_selection_flow import _apply

    case = _apply(world)
    task = case.task_set.get(flow_task=flows.OrganizationSelectionFlow.completeness_gate)
    client.force_login(world.clerk)
    page = client.get(f"/organizationselection/{case.pk}/completeness_gate/{task.pk}/detail/",
                      HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    body = page.content.decode()
    assert "材料是否齐全" in body and "Completeness Gate" not in body


@pytest.mark.django_db
def test_the_board_heads_its_column_of_ended_cases_as_ended_not_as_a_time(world, client):
    # viewflow's "Finished" heads both this column of cases and, elsewhere, a column of
    # times (完成时间): the board's has its own words
    client.force_login(world.clerk)
    board = client.get("/organizationselection/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    body = board.content.decode()
    assert '<span class="column-title">已结束</span>' in body
    assert "完成时间" not in body
