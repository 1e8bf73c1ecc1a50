"""A sanction on a staff member is told to the person as theirs and to their employer as
their staff member's: the employer's users are not told "your approval" nor sent to the
person's own page of sanctions (which, opened by them, speaks of them)."""

import pytest
from django.urls import reverse

from registry import services
from registry.roles import Role
from tests.factories import PersonFactory, UserFactory
from tests.registry.builders import approve, bureau_admin, organization
from workflows.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    admin, bureau = bureau_admin("360100")
    org = organization("南昌弈林围棋培训有限公司", ("少儿围棋启蒙班", "arts", "25"))
    owner = UserFactory()
    services.role_grant(actor=None, user=owner, role=Role.PROVIDER, target=org)
    coach = PersonFactory(name="李教练", organization=org, user=UserFactory())
    approve(person=coach, where="360100", categories=("arts",))
    return {"admin": admin, "bureau": bureau, "owner": owner, "coach": coach}


def _sanction(staff, action):
    services.provider_sanction(actor=staff["admin"], bureau=staff["bureau"], action=action,
                               reason="课堂安全管理不到位", person=staff["coach"])


def test_a_staff_members_suspension_is_told_to_the_employer_as_theirs_not_its_own(
        staff, client):
    _sanction(staff, "suspend")
    own = Notification.objects.get(user=staff["coach"].user)
    employer = Notification.objects.get(user=staff["owner"])
    # the person: their approval, their page
    assert "您的准入资格已被暂停" in own.body
    assert own.url == reverse("registry:my-sanctions")
    # the employer: of its staff member, and the staff member's page, which it may open
    assert "您的准入资格" not in employer.body
    assert "李教练" in employer.body and "贵机构工作人员" in employer.body
    assert employer.url == reverse("registry:portal-person", args=[staff["coach"].pk])
    client.force_login(staff["owner"])
    page = client.get(employer.url)
    assert page.status_code == 200
    assert "李教练" in page.content.decode()


def test_the_employer_is_told_of_the_lifting_and_the_revocation_the_same_way(staff):
    _sanction(staff, "suspend")
    _sanction(staff, "reinstate")
    _sanction(staff, "revoke")
    bodies = list(Notification.objects.filter(user=staff["owner"]).order_by("pk")
                  .values_list("body", flat=True))
    assert len(bodies) == 3
    assert all("李教练" in body and "贵机构工作人员" in body for body in bodies), bodies
    assert not any("您的准入资格" in body for body in bodies), bodies
