"""The bureau names, when it approves an individual, the categories and the grades (年级段)
the person may teach (issue 21, point 7): on the web task page and through the API's task
action, with the same form; the approval carries them and the person's page shows them."""

import pytest
from django.test import Client
from django.utils import timezone

from registry.models import AuditEvent
from tests.factories import PersonFactory
from tests.workflows.conftest import open_tasks, upload_all
from workflows import task_actions
from workflows.models import CaseOutcome
from workflows.services import vetting


@pytest.fixture
def at_decision(world):
    person = PersonFactory(organization=world.organization, kind="professional",
                           name="陈教练")
    documents = upload_all(world.provider, person)
    case = vetting.vetting_start(actor=world.provider, person=person, bureau=world.bureau)
    [task] = open_tasks(case, "verification")
    data = {f"doc_{d.pk}": "verify" for d in documents}
    data.update(query_reference="NC-2026-000777", query_date=str(timezone.localdate()),
                query_result="clear")
    task_actions.task_perform(actor=world.clerk, task=task, data=data)
    [task] = open_tasks(case, "decision")
    return case, task


def _api(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_approver_names_categories_and_grades_through_the_api(world, at_decision):
    case, task = at_decision
    api = _api(world.approver)
    act = f"/api/v1/tasks/{task.pk}/act/"
    base = {"decision": "approve", "confirm": "yes", "reason": "资质齐全"}
    # without them: a 400 naming both, and nothing decided
    refused = api.post(act, {"data": base}, content_type="application/json")
    assert refused.status_code == 400
    assert "类别" in str(refused.json()) and "年级" in str(refused.json())
    refused = api.post(act, {"data": {**base, "categories": "sport", "grade_min": 6,
                                      "grade_max": 3}}, content_type="application/json")
    assert refused.status_code == 400 and "年级" in str(refused.json())
    refused = api.post(act, {"data": {**base, "categories": "no-such", "grade_min": 1,
                                      "grade_max": 3}}, content_type="application/json")
    assert refused.status_code == 400
    case.refresh_from_db()
    assert case.decision == "" and case.approval is None
    done = api.post(act, {"data": {**base, "categories": "sport,science", "grade_min": 4,
                                   "grade_max": 6}}, content_type="application/json")
    assert done.status_code == 200, done.content
    case.refresh_from_db()
    assert case.outcome == CaseOutcome.APPROVED
    approval = case.approval
    assert sorted(c.code for c in approval.categories.all()) == ["science", "sport"]
    assert (approval.grade_min, approval.grade_max) == (4, 6)
    decided = AuditEvent.objects.filter(action="case.decide").get()
    assert decided.data == {"categories": ["science", "sport"], "grades": [4, 6]}
    # the person's page (their organization's view of it) shows what the approval covers
    page = _api(world.provider).get(f"/registry/portal/people/{case.person.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "4–6年级" in text and "体育" in text and "科技" in text


def _page(case, task, action):
    flow = case.flow_class.instance.flow_label
    return f"/{flow}/{case.pk}/{task.flow_task.name}/{task.pk}/{action}/"


def test_the_decision_page_asks_for_categories_and_grades(world, at_decision):
    case, task = at_decision
    client = _api(world.approver)
    assert client.post(_page(case, task, "assign"), {"_continue": "1"}).status_code == 302
    page = client.get(_page(case, task, "execute"))
    assert page.status_code == 200
    text = page.content.decode()
    assert 'name="categories"' in text and 'name="grade_min"' in text
    assert "可任教的类别" in text
    response = client.post(_page(case, task, "execute"),
                           {"decision": "approve", "confirm": "on", "reason": "同意",
                            "_continue": "1"})
    assert response.status_code == 200  # refused on the page, saying what is missing
    assert "请写明此人可任教的类别" in response.content.decode()
    case.refresh_from_db()
    assert case.decision == ""
    response = client.post(_page(case, task, "execute"),
                           {"decision": "approve", "confirm": "on", "reason": "同意",
                            "categories": ["arts", "reading"], "grade_min": "1",
                            "grade_max": "3", "_continue": "1"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert sorted(c.code for c in case.approval.categories.all()) == ["arts", "reading"]
    assert (case.approval.grade_min, case.approval.grade_max) == (1, 3)
