"""A person's qualification (资质) is a fact their approval rests on (issue 21, point 3):
once an approval is open, a change to it waits in a change request the clerk reviews, on
the web and through the API; until then the published qualification stays. Audited."""

import pytest
from django.test import Client

from accounts.services import token_create
from registry import services
from registry.models import AuditEvent, ChangeRequest
from registry.roles import Role
from tests.factories import PersonFactory, UserFactory
from tests.registry.builders import approve
from tests.registry.test_self_service_api import Api

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved_person(db):
    user = UserFactory()
    person = PersonFactory(user=user, kind="professional", name="冯教练",
                           qualification="社会体育指导员（三级）")
    approve(person=person, categories=("sport",), grades=(1, 6))
    return user, person


def _clerk(nanchang_bureau):
    clerk = UserFactory()
    services.role_grant(actor=None, user=clerk, role=Role.BUREAU_CLERK, target=nanchang_bureau)
    return clerk


def test_a_qualification_change_waits_for_the_clerk_through_the_api(approved_person,
                                                                      nanchang_bureau):
    user, person = approved_person
    api = Api(token_create(actor=user, name="t")[1])
    response = api.patch(f"/api/v1/people/{person.pk}/",
                         {"qualification": "国家二级游泳教练", "phone": "13800000000"})
    assert response.status_code == 200, response.content
    body = response.json()
    # the published qualification stays; the phone applied at once
    assert body["qualification"] == "社会体育指导员（三级）" and body["phone"] == "13800000000"
    assert body["change_request"]["changes"] == {"qualification": "国家二级游泳教练"}
    change = body["change_request"]["id"]
    # applying it without review: refused, and nothing changes
    assert api.post(f"/api/v1/change-requests/{change}/approve/").status_code == 403
    person.refresh_from_db()
    assert person.qualification == "社会体育指导员（三级）"
    assert AuditEvent.objects.filter(action="change_request.create").count() == 1
    # the clerk of the bureau that approved the person reviews it
    clerk_api = Api(token_create(actor=_clerk(nanchang_bureau), name="t")[1])
    response = clerk_api.post(f"/api/v1/change-requests/{change}/approve/")
    assert response.status_code == 200 and response.json()["status"] == "approved"
    person.refresh_from_db()
    assert person.qualification == "国家二级游泳教练"
    edit = AuditEvent.objects.filter(action="person.edit").order_by("pk").last()
    assert edit.data["changes"] == {"qualification": "国家二级游泳教练"}
    assert edit.data["before"] == {"qualification": "社会体育指导员（三级）"}


def test_a_qualification_change_on_the_web_waits_and_the_page_says_so(approved_person,
                                                                        nanchang_bureau):
    user, person = approved_person
    client = Client()
    client.force_login(user)
    page = client.get(f"/registry/portal/people/{person.pk}/")
    assert "社会体育指导员（三级）" in page.content.decode()
    assert "1–6年级" in page.content.decode()  # what the approval covers
    response = client.post(f"/registry/portal/people/{person.pk}/", {
        "name": person.name, "kind": person.kind, "qualification": "国家二级游泳教练",
        "phone": "", "email": ""}, follow=True)
    assert response.status_code == 200
    assert "须经教育局审核" in response.content.decode()  # waits for the review
    person.refresh_from_db()
    assert person.qualification == "社会体育指导员（三级）"
    change = ChangeRequest.objects.get()
    # the person cannot review their own change
    client.post("/registry/portal/change-requests/", {"pk": change.pk, "decision": "approve"})
    change.refresh_from_db()
    assert change.status == "pending"
    clerk = Client()
    clerk.force_login(_clerk(nanchang_bureau))
    assert "国家二级游泳教练" in clerk.get("/registry/portal/change-requests/").content.decode()
    clerk.post("/registry/portal/change-requests/", {"pk": change.pk, "decision": "reject",
                                                     "reason": "证书编号无法核实"})
    change.refresh_from_db()
    person.refresh_from_db()
    assert change.status == "rejected" and person.qualification == "社会体育指导员（三级）"


def test_without_an_approval_the_qualification_changes_at_once(db):
    user = UserFactory()
    person = PersonFactory(user=user, qualification="")
    _person, change = services.provider_edit(actor=user, target=person,
                                             changes={"qualification": "教师资格证（小学美术）"})
    person.refresh_from_db()
    assert change is None and person.qualification == "教师资格证（小学美术）"
