"""The bureau staff's one inbox (我的待办) and one queue (待领取任务) across the flows: an
approver whose decision of an individual's vetting waits finds it under the menu's queue,
not only under 外聘人员资格审查; each row says the kind of case, the task and its subject
and links to the task and the case; the lists follow the per-flow queues' rule
(``task_queue.task_queue_for``, four eyes included); their counts are on the home page."""

import datetime
import re

import pytest
from viewflow.workflow.status import STATUS

from registry import services as registry_services
from registry.roles import Role
from tests.after.beat import beat_day
from tests.after.test_review_case import _investigate, _report_incident, _task
from tests.after.test_review_case import w as review_world  # noqa: F401 - a fixture
from tests.factories import (
    OfferingFactory,
    OrganizationFactory,
    PersonFactory,
    SchoolFactory,
    UserFactory,
)
from tests.workflows.conftest import clerk_verifies, open_tasks, upload_all
from workflows import task_queue, worklist_views
from workflows.services import selection, vetting

pytestmark = pytest.mark.django_db

INBOX, QUEUE = "/selection/work/inbox/", "/selection/work/queue/"
HOME = "/workspace/"
# the same queries for 1 row of each kind as for 4 (none per row); the lists: the session,
# the user, the role menu, the permissions the queue rule reads, the page and its count, one
# query per kind of case on the page; the home page: its roles, menu and one count
QUERIES = {INBOX: 15, QUEUE: 16, HOME: 21}  # 13, 14 and 19 now


def _vetting(w, *, verify=True):
    """An individual's vetting at the world's bureau; verified by the clerk (the record
    query clear), its decision waits for an approver."""
    person = PersonFactory(organization=w.organization, kind="retiree")
    documents = upload_all(w.provider, person)
    case = vetting.vetting_start(actor=w.provider, person=person, bureau=w.bureau)
    if verify:
        clerk_verifies(w.clerk, case, documents)
    return case, person


def _selection(w):
    """An application of another organization of the world's provider: its qualification
    check waits in the clerks' queue."""
    organization = OrganizationFactory()
    registry_services.role_grant(actor=w.root, user=w.provider, role=Role.PROVIDER,
                                 target=organization)
    offering = OfferingFactory(organization=organization)
    upload_all(w.provider, organization)
    case = selection.selection_apply(actor=w.provider, organization=organization,
                                     bureau=w.bureau, offerings=[offering])
    open_tasks(case)
    return case, organization


def _rows(client, path):
    """The list's rows as (case link, task link, text of the row)."""
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    body = response.content.decode()
    table = body.split('class="mdc-data-table__table worklist"', 1)
    if len(table) < 2:
        return []
    rows = re.findall(r"<tr><td[^>]*>(.*?)</tr>", table[1], flags=re.S)
    return [(re.findall(r'href="([^"]+)"', row), re.sub(r"<[^>]+>", " ", row)) for row in rows]


def test_the_approver_finds_an_individuals_decision_under_the_menus_queue(world, client):
    w = world
    case, person = _vetting(w)
    [decision] = open_tasks(case, "decision")
    client.force_login(w.approver)
    # the menu's 我的待办 and 待领取任务 lead to the lists of every flow
    home = client.get("/workspace/").content.decode()
    assert f'href="{INBOX}"' in home and f'href="{QUEUE}"' in home
    assert 'href="/organizationselection/queue/"' not in home
    # the queue lists the decision: its kind, task and subject, linking to both
    task_url = f"/individualvetting/{case.pk}/decision/{decision.pk}/"
    case_url = f"/selection/cases/vetting/{case.pk}/"
    [(links, text)] = _rows(client, QUEUE)
    assert links == [case_url, task_url]
    assert "外聘人员资格审查" in text and "审批决定" in text and person.name in text
    assert _rows(client, INBOX) == []
    # the home page counts them
    assert re.search(r"我的待办：<strong>0</strong>.*待领取任务：<strong>1</strong>", home)
    # the task's link takes it; it then waits in the approver's inbox
    assert client.post(task_url + "assign/", {"_continue": "1"}).status_code == 302
    decision.refresh_from_db()
    assert (decision.status, decision.owner) == (STATUS.ASSIGNED, w.approver)
    assert _rows(client, QUEUE) == []
    [(links, text)] = _rows(client, INBOX)
    assert links == [case_url, task_url]
    home = client.get("/workspace/").content.decode()
    assert re.search(r"我的待办：<strong>1</strong>.*待领取任务：<strong>0</strong>", home)


def test_the_clerks_queue_holds_every_flows_tasks_and_no_other_bureaus(world, client):
    w = world
    selected, organization = _selection(w)
    vetted, person = _vetting(w, verify=False)
    client.force_login(w.clerk)
    rows = _rows(client, QUEUE)
    cases = {links[0] for links, _text in rows}
    assert cases == {f"/selection/cases/{selected.pk}/",
                     f"/selection/cases/vetting/{vetted.pk}/"}
    text = " ".join(t for _links, t in rows)
    assert organization.name in text and person.name in text
    # the same tasks as the engine's queue and the API's list (one rule)
    api = {row["id"] for row in client.get("/api/v1/tasks/").json()["results"]}
    listed = {int(links[1].rstrip("/").rsplit("/", 1)[1]) for links, _text in rows}
    assert listed == api
    # another bureau's clerk has none of them
    client.force_login(w.other_clerk)
    assert _rows(client, QUEUE) == []


def test_the_clerk_who_checked_does_not_find_the_decision_in_the_queue(world, client):
    w = world
    case, _person = _vetting(w)
    [decision] = open_tasks(case, "decision")
    # the clerk who checked is an approver of the bureau as well: four eyes
    registry_services.role_grant(actor=w.root, user=w.clerk, role=Role.BUREAU_APPROVER,
                                 target=w.bureau)
    client.force_login(w.clerk)
    assert f"/decision/{decision.pk}/" not in client.get(QUEUE).content.decode()
    assert "待领取任务：<strong>0</strong>" in client.get("/workspace/").content.decode()
    client.force_login(w.approver)
    assert f"/decision/{decision.pk}/" in client.get(QUEUE).content.decode()


def test_review_cases_are_in_the_lists_four_eyes_too(client, review_world):  # noqa: F811
    w = review_world
    case = _report_incident(client, w)
    investigate = _task(case, "investigate")
    client.force_login(w.clerk)
    page = client.get(QUEUE).content.decode()
    assert f"/reviewcase/{case.pk}/investigate/{investigate.pk}/" in page
    assert f"/selection/review-cases/{case.pk}/" in page and "审查案件" in page
    case = _investigate(client, w, case)
    beat_day(datetime.date(2027, 3, 16))  # no answer by the deadline: to the decision
    decide = _task(case, "decide")
    client.force_login(w.clerk)  # investigated, an administrator too: not theirs to take
    assert f"/decide/{decide.pk}/" not in client.get(QUEUE).content.decode()
    client.force_login(w.decider)
    assert f"/reviewcase/{case.pk}/decide/{decide.pk}/" in client.get(QUEUE).content.decode()


def test_providers_and_schools_have_no_bureau_lists(world, client):
    w = world
    school = SchoolFactory()
    school_user = UserFactory()
    registry_services.role_grant(actor=w.root, user=school_user, role=Role.SCHOOL,
                                 target=school)
    for user in (w.provider, school_user, UserFactory()):
        client.force_login(user)
        for path in (INBOX, QUEUE):
            assert client.get(path).status_code == 403, (user, path)
        assert "work-counts" not in client.get("/workspace/").content.decode()
    client.logout()
    assert "/accounts/login/" in client.get(QUEUE)["Location"]


def assert_paginated(client, monkeypatch, path):
    """Three rows at two a page: two, then one, none on both pages."""
    monkeypatch.setattr(worklist_views.WorklistView, "paginate_by", 2)
    first, second = _rows(client, path), _rows(client, path + "?page=2")
    assert len(first) == 2 and len(second) == 1
    assert not {links[1] for links, _t in first} & {links[1] for links, _t in second}


def test_the_lists_are_paginated(world, client, monkeypatch):
    w = world
    for _ in range(3):
        _selection(w)
    client.force_login(w.clerk)
    assert_paginated(client, monkeypatch, QUEUE)


def test_the_lists_read_a_bounded_number_of_queries(world, client,
                                                    django_assert_max_num_queries):
    w = world
    # the approver holds decisions and the clerk has checks of two flows waiting
    decisions = []

    def grow(n):
        for _ in range(n):
            case, _person = _vetting(w)
            [task] = open_tasks(case, "decision")
            with task.activation() as activation:
                activation.assign(w.approver)
            decisions.append(task)
            _selection(w)
            _vetting(w, verify=False)

    def ask(user, path, rows):
        client.force_login(user)
        client.get(path)  # the session's first page: the sign-in's bookkeeping
        with django_assert_max_num_queries(QUERIES[path]) as queries:
            response = client.get(path)
        assert response.status_code == 200
        assert response.content.decode().count('class="worklist-task"') == rows
        return len(queries)

    grow(1)
    few = [ask(w.approver, INBOX, 1), ask(w.clerk, QUEUE, 2), ask(w.approver, HOME, 0)]
    grow(3)
    many = [ask(w.approver, INBOX, 4), ask(w.clerk, QUEUE, 8), ask(w.approver, HOME, 0)]
    assert many == few, (few, many)
    assert "我的待办：<strong>4</strong>" in client.get(HOME).content.decode()
    from workflows.worklist import BUREAU_FLOWS

    flows = BUREAU_FLOWS
    assert {t.pk for t in task_queue.task_queue_for(w.approver, flows)} == {
        t.pk for t in decisions}

