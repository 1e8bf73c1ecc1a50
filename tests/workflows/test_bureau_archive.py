"""The bureau staff's one archive (已办结) across the flows: the tasks the user finished
themselves in every flow (selection, vetting, review case …), the latest first, each row
naming the kind of case, the task, the subject, the bureau and when it was finished, linking
to the case and to the task's page; never another user's. The menu's 已办结 leads to it (it
opened the selection flow's own archive, where an approver of vettings found nothing). And
the home page's counts are the numbers of rows the inbox and the queue list."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from documents.models import Document
from registry import services as registry_services
from registry.roles import Role
from tests.factories import SchoolFactory, UserFactory
from tests.workflows.conftest import clerk_verifies, open_tasks
from tests.workflows.test_bureau_worklist import (
    INBOX,
    QUEUE,
    _rows,
    _selection,
    _vetting,
    assert_paginated,
)
from tests.workflows.test_selection_flow import _apply, _score_all, _verify_all
from workflows import task_actions
from workflows.services import review_cases

pytestmark = pytest.mark.django_db

ARCHIVE, HOME = "/selection/work/archive/", "/workspace/"
# the session, the user, its roles, the menu's two, the page and its count, and one query per
# kind of case on the page (two kinds here): none per row; 9 now
ARCHIVE_QUERIES = 11


def selection_checked(w, clerk=None):
    """Another organization's application, its qualification check done by ``clerk``."""
    case, organization = _selection(w)
    [task] = open_tasks(case, "qualification")
    data = {f"doc_{d.pk}": "verify" for d in Document.objects.filter(
        organization=organization, superseded_at__isnull=True)}
    assert task_actions.task_perform(actor=clerk or w.clerk, task=task, data=data)
    return case, organization


def review_case(w, organization, *, investigate=True):
    """A review case the clerk opened by hand about ``organization`` (which has a case at
    the bureau), its investigation done by the clerk unless ``investigate=False``."""
    case = review_cases.review_case_open(
        actor=w.clerk, bureau=w.bureau, trigger="manual", organization=organization,
        details={"summary": "家长投诉：课堂无人看护"})
    if investigate:
        [task] = open_tasks(case, "investigate")
        assert task_actions.task_perform(actor=w.clerk, task=task, data={
            "findings": "看护人员离岗二十分钟", "intended_action": "suspend",
            "reasons": "未履行安全看护责任，拟暂停准入"})
    return case


def decided(w, case):
    """The approver decides the vetting ``case`` (its check done)."""
    [task] = open_tasks(case, "decision")
    assert task_actions.task_perform(actor=w.approver, task=task, data={
        "decision": "approve", "confirm": "yes", "reason": "材料齐全，核查无异常",
        "categories": "sport", "grade_min": 1, "grade_max": 6})
    return task


def test_the_archive_lists_what_the_user_did_in_every_flow_latest_first(world, client):
    w = world
    # given the clerk checked an individual, then an application, then investigated a case
    vetted, person = _vetting(w)
    selected, organization = selection_checked(w)
    reviewed = review_case(w, organization)
    decision = decided(w, vetted)
    # and has work still open, which is not in the archive
    _selection(w)
    client.force_login(w.clerk)
    rows = _rows(client, ARCHIVE)
    # then the archive has the three, the latest finished first, each linking to its case
    assert [links[0] for links, _text in rows] == [
        f"/selection/review-cases/{reviewed.pk}/", f"/selection/cases/{selected.pk}/",
        f"/selection/cases/vetting/{vetted.pk}/"]
    texts = [" ".join(text.split()) for _links, text in rows]
    assert "审查案件" in texts[0] and organization.name in texts[0]
    assert "资格审查" in texts[1] and organization.name in texts[1]
    assert "外聘人员资格审查" in texts[2] and person.name in texts[2]
    assert all(w.bureau.name in text for text in texts)
    # the column says when it was finished
    page = client.get(ARCHIVE).content.decode()
    assert "完成时间" in page and "等待起始时间" not in page
    # every link opens for the clerk: the case page, and the task's (its details, once done)
    for links, _text in rows:
        assert client.get(links[0]).status_code == 200, links[0]
        task_page = client.get(links[1], follow=True)
        assert task_page.status_code == 200, links[1]
        assert task_page.redirect_chain[-1][0].endswith("/detail/"), task_page.redirect_chain
    # the approver's archive has their decision, and none of the clerk's tasks
    client.force_login(w.approver)
    [(links, text)] = _rows(client, ARCHIVE)
    assert links[1] == f"/individualvetting/{vetted.pk}/decision/{decision.pk}/"
    assert "审批决定" in text and person.name in text
    assert client.get(links[1], follow=True).status_code == 200


def test_an_expert_finds_their_scoring_in_the_archive_and_may_open_it(world, client):
    w = world
    case = _apply(w)
    _verify_all(w, case)
    _score_all(w, case)
    scored = [t for t in Task.objects.filter(process_id=case.pk, status=STATUS.DONE)
              if t.flow_task.name == "expert_review"]
    assert len(scored) == 3
    client.force_login(scored[0].owner)
    [(links, text)] = _rows(client, ARCHIVE)
    assert links[1] == f"/organizationselection/{case.pk}/expert_review/{scored[0].pk}/"
    assert "专家评审" in text and w.organization.name in text
    # the scoring's page opens for them, and the case's page (they sat on its panel)
    page = client.get(links[1], follow=True)
    assert page.status_code == 200 and page.redirect_chain[-1][0].endswith("/detail/")
    assert links[0] == f"/selection/cases/{case.pk}/"
    assert client.get(links[0]).status_code == 200


def test_two_clerks_of_one_bureau_never_see_each_others_finished_tasks(world, client):
    w = world
    other = w.staff(Role.BUREAU_CLERK)
    mine, _organization = selection_checked(w, w.clerk)
    theirs, _organization = selection_checked(w, other)
    client.force_login(w.clerk)
    assert [links[0] for links, _t in _rows(client, ARCHIVE)] == [f"/selection/cases/{mine.pk}/"]
    assert [links[0] for links, _t in _rows(client, ARCHIVE + "?page=1")] == [
        f"/selection/cases/{mine.pk}/"]
    client.force_login(other)
    assert [links[0] for links, _t in _rows(client, ARCHIVE)] == [
        f"/selection/cases/{theirs.pk}/"]
    # a clerk of another bureau has none
    client.force_login(w.other_clerk)
    assert _rows(client, ARCHIVE) == []
    assert "您还没有办结过任务。" in client.get(ARCHIVE).content.decode()


def test_providers_schools_and_the_public_have_no_archive(world, client):
    w = world
    selection_checked(w)
    school_user = UserFactory()
    registry_services.role_grant(actor=w.root, user=school_user, role=Role.SCHOOL,
                                 target=SchoolFactory())
    for user in (w.provider, school_user, UserFactory()):
        client.force_login(user)
        assert client.get(ARCHIVE).status_code == 403, user
    # the refusal names the three lists it keeps them from, archive included
    assert "我的待办、待领取任务和已办结" in client.get(ARCHIVE).content.decode()
    client.logout()
    response = client.get(ARCHIVE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_menus_archive_is_the_one_of_every_flow(world, client):
    client.force_login(world.approver)
    home = client.get(HOME).content.decode()
    assert f'href="{ARCHIVE}"' in home and "已办结" in home
    assert 'href="/organizationselection/archive/"' not in home


def test_the_archive_is_paginated(world, client, monkeypatch):
    w = world
    for _ in range(3):
        selection_checked(w)
    client.force_login(w.clerk)
    assert_paginated(client, monkeypatch, ARCHIVE)


def test_the_archive_reads_as_many_queries_for_20_rows_as_for_2(world, client):
    w = world

    def grow(n):
        for _ in range(n):
            _vetting(w)  # the clerk's check of an individual
            selection_checked(w)  # and of an application

    def ask():
        client.get(ARCHIVE)  # the session's first page: the sign-in's bookkeeping
        with CaptureQueriesContext(connection) as queries:
            response = client.get(ARCHIVE)
        assert response.status_code == 200
        return response.content.decode().count('class="worklist-task"'), len(queries)

    client.force_login(w.clerk)
    grow(1)
    rows, few = ask()
    assert rows == 2
    grow(9)
    rows, many = ask()
    assert rows == 20
    assert many == few <= ARCHIVE_QUERIES, (few, many)


def _home_counts(client):
    home = client.get(HOME).content.decode()
    found = re.search(r"我的待办：<strong>(\d+)</strong>.*待领取任务：<strong>(\d+)</strong>",
                      home, flags=re.S)
    return int(found[1]), int(found[2])


def test_the_home_pages_counts_are_the_rows_of_the_inbox_and_the_queue(world, client):
    w = world
    # the clerk checked an individual and is an approver too: its decision is barred to them
    registry_services.role_grant(actor=w.root, user=w.clerk, role=Role.BUREAU_APPROVER,
                                 target=w.bureau)
    barred_case, _person = _vetting(w)
    [barred] = open_tasks(barred_case, "decision")
    # another clerk checked two more: their decisions wait for either approver
    other = w.staff(Role.BUREAU_CLERK)
    for _ in range(2):
        case, _person = _vetting(w, verify=False)
        clerk_verifies(other, case)
    # the clerk holds one application's check, one waits; a review case waits too
    held, organization = _selection(w)
    [task] = open_tasks(held, "qualification")
    with task.activation() as activation:
        activation.assign(w.clerk)
    _selection(w)
    review_case(w, organization, investigate=False)
    expected = {w.clerk: (1, 4), w.approver: (0, 3), other: (0, 2), w.admin: (0, 0)}
    for user, (inbox, queue) in expected.items():
        client.force_login(user)
        counted = _home_counts(client)
        listed = (len(_rows(client, INBOX)), len(_rows(client, QUEUE)))
        assert counted == listed == (inbox, queue), (user, counted, listed)
    # the barred decision is in neither of the clerk's lists, nor counted
    client.force_login(w.clerk)
    for path in (INBOX, QUEUE):
        assert f"/decision/{barred.pk}/" not in client.get(path).content.decode()
    client.force_login(w.approver)
    assert f"/decision/{barred.pk}/" in client.get(QUEUE).content.decode()
