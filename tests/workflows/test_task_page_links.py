"""A task page links only pages its reader may open (issue 19, points 5 and 7).

viewflow's task page links each task's previous and next tasks. The confidential steps (an
expert's review, the panel's split and join, a partner department's split, opinion and
join) answer 404 to all but their holder and whom their ``ReadableBy`` lets in, so a
department's opinion task linked its user the departments' split, and the applicant's and an
expert's pages linked the panel's steps: links that led to a 404, and told of steps they may
not read. ``workflows.selectors.tasks_openable_by`` leaves those links out."""

import re

import pytest

from tests.workflows.conftest import open_tasks
from tests.workflows.test_partner_opinions import _opinion_task, _task_page, _to_partner_step
from tests.workflows.test_selection_flow import _apply
from workflows import task_actions

pytestmark = pytest.mark.django_db

FLOW = "/organizationselection/"


def _links(body: str) -> set[str]:
    """The engine's addresses a page links (the chart's is a picture, not a page)."""
    return {url for url in re.findall(r'href="(/organizationselection/[^"]*)"', body)
            if "/chart/" not in url}


def _dead_links(client, page: str) -> list:
    """The links on ``page`` that answer 403 or 404 to the same client."""
    response = client.get(page, follow=True)
    assert response.status_code == 200, page
    answers = [(url, client.get(url, follow=True).status_code)
               for url in sorted(_links(response.content.decode()))]
    return [(url, status) for url, status in answers if status in (403, 404)]


def _case_pages_reached(client, case, start: str) -> tuple[set, list]:
    """Every page of ``case`` reached from ``start`` by following links, and those of them
    that answered 403 or 404."""
    prefix = f"{FLOW}{case.pk}/"
    seen, todo, dead = set(), [start], []
    while todo:
        page = todo.pop()
        if page in seen:
            continue
        seen.add(page)
        response = client.get(page, follow=True)
        if response.status_code in (403, 404):
            dead.append((page, response.status_code))
            continue
        todo += [url for url in _links(response.content.decode()) if url.startswith(prefix)]
    return seen, dead


def test_a_departments_task_pages_link_no_page_it_cannot_open(world, partners, client):
    # given the case waiting for 体育局's opinion
    w, p = world, partners
    case = _to_partner_step(w)
    task = _opinion_task(case)
    split = case.task_set.get(flow_task__endswith=".partners")
    client.force_login(p.sports_user)
    assert client.get(f"{FLOW}{case.pk}/partners/{split.pk}/").status_code == 404

    # when its user opens its task's pages, before and after taking it
    pages = [_task_page(case, task) + suffix for suffix in ("", "detail/", "assign/")]
    dead = {page: _dead_links(client, page) for page in pages}
    client.post(_task_page(case, task) + "assign/", {"_continue": "1"})
    pages = [_task_page(case, task) + suffix for suffix in ("", "detail/", "execute/")]
    dead |= {page: _dead_links(client, page) for page in pages}

    # then none of their links answers 404 (the split listing the departments is not one)
    assert not any(dead.values()), dead
    body = client.get(_task_page(case, task) + "detail/").content.decode()
    assert f"/partners/{split.pk}/" not in body

    # and once given, its page links no join either
    task_actions.task_perform(actor=p.sports_user, task=task,
                              data={"opinion": "agree", "reason": "场馆许可齐全"})
    assert _dead_links(client, _task_page(case, task) + "detail/") == []
    seen, dead = _case_pages_reached(client, case, _task_page(case, task) + "detail/")
    assert dead == [] and len(seen) > 1


def test_the_bureau_still_follows_the_departments_steps(world, partners, client):
    w = world
    case = _to_partner_step(w)
    task = _opinion_task(case)
    split = case.task_set.get(flow_task__endswith=".partners")
    client.force_login(w.clerk)
    body = client.get(_task_page(case, task) + "detail/").content.decode()
    assert f"/partners/{split.pk}/" in body
    assert _dead_links(client, _task_page(case, task) + "detail/") == []


def test_the_applicants_correction_page_links_no_page_it_cannot_open(world, client):
    # given a case returned for correction
    w = world
    case = _apply(w)
    [task] = open_tasks(case, "qualification")
    data = {f"doc_{d.pk}": "verify" for d in w.documents}
    data.update({f"doc_{w.documents[0].pk}": "reject",
                 f"doc_{w.documents[0].pk}_reason": "扫描件不清晰"})
    task_actions.task_perform(actor=w.clerk, task=task, data=data)
    [correction] = open_tasks(case, "correction")
    client.force_login(w.provider)
    page = f"{FLOW}{case.pk}/correction/{correction.pk}/"
    # (the flow gives the correction to the applicant: there is nothing to take first)
    for suffix in ("", "detail/", "execute/"):
        assert _dead_links(client, page + suffix) == [], suffix


def test_the_applicant_and_an_expert_reach_no_page_they_cannot_open(world, partners, client):
    # given a case past its panel, at the departments' step
    w = world
    case = _to_partner_step(w)
    start = case.task_set.order_by("pk").first()
    first_page = f"{FLOW}{case.pk}/{start.flow_task.name}/{start.pk}/detail/"

    # the applicant, following every link of its case's task pages from the first
    client.force_login(w.provider)
    seen, dead = _case_pages_reached(client, case, first_page)
    assert dead == []
    assert not [page for page in seen if re.search(r"/(panel|expert_review|partner)", page)]
    assert f"{FLOW}{case.pk}/draw_experts/" in " ".join(seen)  # the walk got that far

    # an expert of the panel reaches its own review, the panel's steps, not the others'
    expert = case.assignments.order_by("slot").first().expert
    client.force_login(expert)
    seen, dead = _case_pages_reached(client, case, first_page)
    assert dead == []
    reviews = {page for page in seen if "/expert_review/" in page}
    own = case.task_set.get(flow_task__endswith=".expert_review", owner=expert)
    assert reviews and all(f"/expert_review/{own.pk}/" in page for page in reviews)

