"""Two of everything: side A (南昌市 360100) and side B (景德镇市 360200).

Each side has an organization with its provider user, documents, a person, a selection case
waiting for the clerk, a case in public notice, a vetting, a published list, a school with
its user and an engagement, a review request and a notification; and a bureau with a clerk,
an expert, an approver and an administrator. The permission matrix asks every user for the
objects of both sides.
"""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from registry import services as registry_services
from registry.models import Bureau, Jurisdiction, ServiceCategory
from registry.roles import Role
from tests.factories import (
    OfferingFactory,
    OrganizationFactory,
    PersonFactory,
    SchoolFactory,
    UserFactory,
)
from tests.workflows.conftest import (
    open_tasks,
    upload_all,
    world,  # noqa: F401 - the fixture, shared
)
from workflows import services as wf

SCORES = {"qualification": 90, "course-plan": 80, "safety": 85, "price": 70, "reputation": 75}


class Side:
    """The objects of one side; ``users`` maps a role name to that side's user."""

    def __init__(self, name):
        self.name = name
        self.users = {}


def _county(city_code: str) -> Jurisdiction:
    return (Jurisdiction.objects.filter(parent__code=city_code).order_by("code").first()
            or Jurisdiction.objects.get(code=city_code))


def _drive_to_notice(side, case):
    [task] = open_tasks(case, "qualification")
    docs = {f"doc_{d.pk}": "verify" for d in side.documents}
    assert wf.task_perform(actor=side.users["clerk"], task=task, data=docs)
    while tasks := open_tasks(case, "expert_review"):
        data = {"conflict": "no", **{f"score_{k}": v for k, v in SCORES.items()}}
        assert wf.task_perform(actor=tasks[0].owner, task=tasks[0], data=data)
    [task] = open_tasks(case, "decision")
    wf.task_perform(actor=side.users["approver"], task=task,
                    data={"decision": "approve", "reason": "材料齐全，评分优良"})
    case.refresh_from_db()
    return case


def build_side(name: str, city: str, root) -> Side:
    s = Side(name)
    s.city = city
    s.bureau = Bureau.objects.get(jurisdiction__code=city)
    county = _county(city)
    for role, enum in [("clerk", Role.BUREAU_CLERK), ("expert", Role.BUREAU_EXPERT),
                       ("approver", Role.BUREAU_APPROVER), ("admin", Role.BUREAU_ADMIN)]:
        user = UserFactory(username=f"{role}_{name}")
        registry_services.role_grant(actor=root, user=user, role=enum, target=s.bureau)
        s.users[role] = user
    s.organization = OrganizationFactory(county=county)
    s.users["provider"] = UserFactory(username=f"provider_{name}")
    registry_services.role_grant(actor=root, user=s.users["provider"], role=Role.PROVIDER,
                                 target=s.organization)
    s.offering = OfferingFactory(organization=s.organization,
                                 category=ServiceCategory.objects.get(code="sport"),
                                 fee_per_session=Decimal("20"))
    s.documents = upload_all(s.users["provider"], s.organization)
    s.document = s.documents[0]
    s.person = PersonFactory(organization=s.organization)
    s.school = SchoolFactory(county=county)
    s.users["school"] = UserFactory(username=f"school_{name}")
    registry_services.role_grant(actor=root, user=s.users["school"], role=Role.SCHOOL,
                                 target=s.school)

    # a case in public notice, then a second one waiting for the clerk
    s.notice = _drive_to_notice(s, wf.selection_apply(
        actor=s.users["provider"], organization=s.organization, bureau=s.bureau,
        offerings=[s.offering]))
    second = OrganizationFactory(county=county)
    registry_services.role_grant(actor=root, user=s.users["provider"], role=Role.PROVIDER,
                                 target=second)
    s.case_documents = upload_all(s.users["provider"], second)
    s.case = wf.selection_apply(actor=s.users["provider"], organization=second,
                                bureau=s.bureau,
                                offerings=[OfferingFactory(organization=second)])
    [s.task] = open_tasks(s.case, "qualification")
    s.vetting = wf.vetting_start(actor=s.users["provider"], person=s.person, bureau=s.bureau)

    # an approved provider (another organization of the same user) engaged by the school,
    # and the published list
    s.approved = OrganizationFactory(county=county)
    registry_services.role_grant(actor=root, user=s.users["provider"], role=Role.PROVIDER,
                                 target=s.approved)
    approved_offering = OfferingFactory(organization=s.approved,
                                        category=ServiceCategory.objects.get(code="sport"))
    approval = registry_services.approval_create(
        actor=root, jurisdiction=s.bureau.jurisdiction, organization=s.approved,
        categories=[ServiceCategory.objects.get(code="sport")])
    today = timezone.localdate()
    registry_services.approval_approve(actor=root, approval=approval,
                                       valid_from=today - datetime.timedelta(days=5),
                                       valid_until=today + datetime.timedelta(days=300))
    s.publication = registry_services.publication_publish(actor=s.users["admin"],
                                                          bureau=s.bureau)
    term = registry_services.school_term_create(
        actor=s.users["school"], school=s.school, name="2026 秋季学期",
        starts_on=today, ends_on=today + datetime.timedelta(days=120), project_count=10)
    s.engagement = registry_services.engagement_create(
        actor=s.users["school"], school=s.school, term=term, organization=s.approved,
        offering=approved_offering, fee_per_session=Decimal("20"), sessions=10)
    s.review_request = registry_services.review_request_open(
        actor=root, bureau=s.bureau, trigger="incident", organization=s.approved)
    [s.notification] = wf.notify(users=[s.users["provider"]], subject=f"通知 {name}",
                                 body="测试")
    return s


@pytest.fixture
def sides(db, settings):
    settings.WORKFLOW_EXPERT_PANEL_SIZE = 1
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    return {"A": build_side("a", "360100", root), "B": build_side("b", "360200", root)}


@pytest.fixture(scope="module")
def reference_data_back(django_db_blocker):
    """After a module with transactional tests: put back the migration-loaded reference data
    (jurisdictions, bureaus, categories) that their flush removed, for the tests after it."""
    yield
    from django.db import connection

    with django_db_blocker.unblock():
        contents = getattr(connection, "_test_serialized_contents", None)
        if contents and not Bureau.objects.exists():
            connection.creation.deserialize_db_from_string(contents)
