"""The bureau names, when it approves an individual, the categories and the grades (年级段)
the person may teach (issue 21, point 7): on the web task page and through the API's task
action, with the same form; the approval carries them and the person's page shows them.
A high-risk sport (游泳) is approved only for a person holding the qualification to teach it
(高危险性体育项目从业资格证书), verified and in force."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from documents.models import DocumentType
from documents.services import document_upload, document_verify
from registry.models import Approval, AuditEvent
from tests.factories import PersonFactory
from tests.registry.builders import approve
from tests.workflows.conftest import clerk_verifies, open_tasks, pdf, upload_all
from workflows.models import CaseOutcome
from workflows.services import recertification, vetting


@pytest.fixture
def at_decision(world):
    person = PersonFactory(organization=world.organization, kind="professional",
                           name="陈教练")
    documents = upload_all(world.provider, person)
    case = vetting.vetting_start(actor=world.provider, person=person, bureau=world.bureau)
    clerk_verifies(world.clerk, case, documents)
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


QUALIFICATION = "high_risk_sports_qualification"


@pytest.fixture
def swimmer_at_decision(world):
    """A coach whose documents are all in order, but who holds no qualification for a
    high-risk sport; the case waits for the approver."""
    person = PersonFactory(organization=world.organization, kind="professional",
                           name="林游泳")
    documents = upload_all(world.provider, person, skip=(QUALIFICATION,))
    case = vetting.vetting_start(actor=world.provider, person=person, bureau=world.bureau)
    clerk_verifies(world.clerk, case, documents)
    [task] = open_tasks(case, "decision")
    return case, task


def test_approving_an_individual_for_swimming_needs_the_qualification_to_teach_it(
        world, swimmer_at_decision):
    # given: a coach with every document but the high-risk sports qualification
    case, task = swimmer_at_decision
    api = _api(world.approver)
    act = f"/api/v1/tasks/{task.pk}/act/"
    swim = {"decision": "approve", "confirm": "yes", "reason": "资质齐全",
            "categories": "swimming", "grade_min": 4, "grade_max": 6}
    # when: the approver approves them to teach swimming (游泳, a high-risk sport)
    refused = api.post(act, {"data": swim}, content_type="application/json",
                       HTTP_ACCEPT_LANGUAGE="zh-hans")
    # then: a 400 naming the sport, the person and the missing document; nothing decided
    assert refused.status_code == 400
    message = str(refused.json())
    assert "游泳" in message and "林游泳" in message and "高危险性体育项目从业资格证书" in message
    assert "缺少" in message
    case.refresh_from_db()
    assert case.decision == "" and case.approval is None
    # the same on the web task page
    client = _api(world.approver)
    assert client.post(_page(case, task, "assign"), {"_continue": "1"}).status_code == 302
    page = client.post(_page(case, task, "execute"), {
        "decision": "approve", "confirm": "on", "reason": "同意", "categories": ["swimming"],
        "grade_min": "4", "grade_max": "6", "_continue": "1"})
    assert page.status_code == 200 and "高危险性体育项目从业资格证书" in page.content.decode()
    case.refresh_from_db()
    assert case.decision == ""
    # a certificate uploaded but not yet verified does not do either: it says so
    qualification = DocumentType.objects.get(code=QUALIFICATION)
    issued = timezone.localdate() - datetime.timedelta(days=30)
    certificate = document_upload(
        actor=world.provider, subject=case.person, document_type=qualification,
        file=pdf("lifeguard.pdf"), filename="lifeguard.pdf", issued_on=issued,
        expires_on=timezone.localdate() + datetime.timedelta(days=200))
    refused = api.post(act, {"data": swim}, content_type="application/json")
    assert refused.status_code == 400 and "等待审核" in str(refused.json())
    # verified and in force: approved, for no longer than the certificate runs
    document_verify(actor=world.clerk, document=certificate)
    done = api.post(act, {"data": swim}, content_type="application/json")
    assert done.status_code == 200, done.content
    case.refresh_from_db()
    assert case.outcome == CaseOutcome.APPROVED
    assert [c.code for c in case.approval.categories.all()] == ["swimming"]
    assert case.approval.valid_until <= certificate.expires_on


def test_a_non_high_risk_category_needs_no_such_qualification(world, swimmer_at_decision):
    case, task = swimmer_at_decision
    done = _api(world.approver).post(
        f"/api/v1/tasks/{task.pk}/act/", {"data": {
            "decision": "approve", "confirm": "yes", "reason": "资质齐全",
            "categories": "reading", "grade_min": 1, "grade_max": 3}},
        content_type="application/json")
    assert done.status_code == 200, done.content
    case.refresh_from_db()
    assert case.outcome == CaseOutcome.APPROVED


def test_the_sweep_suspends_on_an_expired_qualification_only_a_high_risk_teacher(world):
    # given: two people with every document in order and the swimming qualification, one
    # approved for swimming, one for reading; the qualification expired yesterday
    today = timezone.localdate()
    qualification = DocumentType.objects.get(code=QUALIFICATION)
    approvals = {}
    for name, code in (("周游泳", "swimming"), ("吴阅读", "reading")):
        person = PersonFactory(organization=world.organization, name=name)
        upload_all(world.provider, person)
        approvals[code] = approve(person=person, categories=(code,), grades=(1, 6))
        person.documents.filter(document_type=qualification).update(
            issued_on=today - datetime.timedelta(days=300),
            expires_on=today - datetime.timedelta(days=1))
    # when: the daily sweep runs
    recertification.approvals_suspend_expired(today=today)
    # then: only the swimming teacher's approval rests on it, and is suspended
    for approval in approvals.values():
        approval.refresh_from_db()
    assert approvals["swimming"].status == Approval.Status.SUSPENDED
    assert approvals["reading"].status == Approval.Status.APPROVED
