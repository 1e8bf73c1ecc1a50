"""Self-service through /api/v1/ alone, with a token: sign up, confirm from the outbox, register
an organization, an offering and a person, upload, apply; and each bad input a 4xx that
creates nothing."""

import datetime

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.models import ApiToken
from accounts.services import token_create
from registry import services
from registry.identifiers import make_id_number, make_uscc
from registry.models import Approval, ChangeRequest, Offering, Organization, Person
from registry.roles import Role
from tests.factories import ApprovalFactory, OrganizationFactory, UserFactory
from tests.registry.signup_helpers import PASSWORD, last_link, worker  # noqa: F401
from tests.samples import PDF
from workflows.models import SelectionProcess, VettingProcess

pytestmark = pytest.mark.django_db
TODAY = datetime.datetime.now(tz=datetime.UTC).date()


class Api:
    """A client that speaks JSON with a Bearer token, as an integration would."""

    def __init__(self, token=None):
        self.client = Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}

    def post(self, path, data=None, **extra):
        return self.client.post(path, data or {}, content_type="application/json",
                                **self.headers, **extra)

    def patch(self, path, data):
        return self.client.patch(path, data, content_type="application/json", **self.headers)

    def get(self, path):
        return self.client.get(path, **self.headers)

    def upload(self, **data):
        return self.client.post("/api/v1/documents/", data, **self.headers)


def _signed_up(worker, email="api@example.cn"):  # noqa: F811
    anonymous = Api()
    response = worker(anonymous.post, "/api/v1/signup/", {"email": email, "password": PASSWORD})
    assert response.status_code == 201, response.content
    token = last_link(email).rstrip("/").rsplit("/", 1)[1]
    response = anonymous.post("/api/v1/signup/confirm/", {
        "token": token, "password": PASSWORD, "token_name": "integration"})
    assert response.status_code == 200, response.content
    return Api(response.json()["token"])


def test_the_api_journey_of_an_organization_and_an_individual(worker, nanchang_bureau):  # noqa: F811
    api = _signed_up(worker)
    # the organization
    response = api.post("/api/v1/organizations/", {
        "name": "南昌市科技馆", "uscc": make_uscc(901, prefix="12"),
        "provider_kind": "public_venue", "registration_kind": "public_institution",
        "legal_representative": "赵六", "county": "360102", "address": "南昌市东湖区1号",
        "contact_name": "钱七", "contact_phone": "0791-86000000"})
    assert response.status_code == 201, response.content
    organization = response.json()["id"]
    response = api.post("/api/v1/offerings/", {
        "organization": organization, "category": "science", "title": "少儿天文观测",
        "description": "望远镜的使用", "grade_min": 3, "grade_max": 6,
        "fee_per_session": "0.00", "capacity": 30, "weekdays": [2, 4]})
    assert response.status_code == 201, response.content
    assert response.json()["weekdays"] == [2, 4]
    offering = response.json()["id"]
    response = api.post("/api/v1/people/", {
        "name": "孙八", "id_number": make_id_number(61), "kind": "professional",
        "organization": organization, "personal_data_consent_attested": True})
    assert response.status_code == 201, response.content
    assert "id_number" not in response.json() and "*" in response.json()["masked_id"]
    person = response.json()["id"]
    response = api.upload(organization=organization, document_type="institution_certificate",
                          file=SimpleUploadedFile("cert.pdf", PDF, "application/pdf"),
                          issued_on=(TODAY - datetime.timedelta(days=30)).isoformat(),
                          expires_on=(TODAY + datetime.timedelta(days=700)).isoformat())
    assert response.status_code == 201, response.content
    # the offering's course plan (课程方案): one per offering, named by its id
    response = api.upload(organization=organization, document_type="course_plan",
                          offering=offering,
                          file=SimpleUploadedFile("plan.pdf", PDF, "application/pdf"),
                          issued_on=(TODAY - datetime.timedelta(days=3)).isoformat())
    assert response.status_code == 201, response.content
    checklist = api.get(f"/api/v1/documents/checklist/?organization={organization}").json()
    assert [(i["offering"], i["state"]) for i in checklist["items"]
            if i["document_type"] == "course_plan"] == [(offering, "pending")]
    response = api.post("/api/v1/cases/", {"organization": organization,
                                           "bureau": nanchang_bureau.pk,
                                           "offerings": [offering], "roster": [person]})
    assert response.status_code == 201, response.content
    assert SelectionProcess.objects.get().organization_id == organization
    # lists show the caller's own
    assert [o["id"] for o in api.get("/api/v1/organizations/").json()["results"]] == [
        organization]

    # an individual volunteer, with another account
    volunteer = _signed_up(worker, "volunteer@example.cn")
    response = volunteer.post("/api/v1/people/", {
        "name": "周九", "id_number": make_id_number(62), "kind": "volunteer",
        "personal_data_consent": True})
    assert response.status_code == 201, response.content
    me = response.json()["id"]
    assert Person.objects.get(pk=me).user.email == "volunteer@example.cn"
    response = volunteer.post("/api/v1/vettings/", {"person": me, "bureau": nanchang_bureau.pk,
                                                    "consent": True})
    assert response.status_code == 201, response.content
    assert VettingProcess.objects.get().person_id == me
    # the volunteer sees nothing of the organization
    assert volunteer.get(f"/api/v1/organizations/{organization}/").status_code == 404
    assert volunteer.patch(f"/api/v1/offerings/{offering}/", {"title": "x"}).status_code == 404


def test_bad_sign_up_and_confirmation_input_is_refused(worker, settings):  # noqa: F811
    anonymous = Api()
    response = worker(anonymous.post, "/api/v1/signup/", {"email": "a@example.cn",
                                                          "password": "password"})
    assert response.status_code == 400 and "password" in response.json()
    worker(anonymous.post, "/api/v1/signup/", {"email": "a@example.cn", "password": PASSWORD})
    token = last_link("a@example.cn").rstrip("/").rsplit("/", 1)[1]
    tampered = token[:-4] + ("abcd" if not token.endswith("abcd") else "efgh")
    assert anonymous.post("/api/v1/signup/confirm/", {"token": tampered}).status_code == 400
    # the right link with a wrong password: nothing is confirmed, no token made
    response = anonymous.post("/api/v1/signup/confirm/", {
        "token": token, "password": "wrong-one-123", "token_name": "x"})
    assert response.status_code == 400 and not ApiToken.objects.exists()
    settings.SIGNUP_CONFIRM_MAX_AGE = -1  # every link is already expired
    response = anonymous.post("/api/v1/signup/confirm/", {"token": token})
    assert response.status_code == 400 and "过期" in str(response.json())
    assert not Organization.objects.exists()
    assert not get_user_model().objects.get(email="a@example.cn").is_active


@pytest.fixture
def provider_api(db):
    user = UserFactory(email="p@example.cn")
    _row, secret = token_create(actor=user, name="t")
    return user, Api(secret)


def _organization_body(**overrides):
    return {"name": "一家机构", "uscc": make_uscc(902), "provider_kind": "private_training",
            "registration_kind": "company", "legal_representative": "赵六",
            "county": "360102", "address": "南昌市东湖区2号", "contact_name": "钱七",
            "contact_phone": "0791-86000001", **overrides}


def test_bad_organization_and_person_input_is_refused(provider_api):
    _user, api = provider_api
    code = make_uscc(902)
    wrong = code[:-1] + ("1" if code[-1] != "1" else "2")
    response = api.post("/api/v1/organizations/", _organization_body(uscc=wrong))
    assert response.status_code == 400 and "校验" in str(response.json()["uscc"])
    existing = OrganizationFactory(uscc=code)
    response = api.post("/api/v1/organizations/", _organization_body())
    assert response.status_code == 400 and "邀请" in str(response.json()["uscc"])
    assert list(Organization.objects.all()) == [existing]
    number = make_id_number(63)
    response = api.post("/api/v1/people/", {"name": "甲", "kind": "volunteer",
                                            "personal_data_consent": True,
                                            "id_number": number[:-1] + (
                                                "0" if number[-1] != "0" else "1")})
    assert response.status_code == 400 and "校验" in str(response.json())
    minor = make_id_number(64, birth=TODAY.replace(year=TODAY.year - 17))
    response = api.post("/api/v1/people/", {"name": "乙", "kind": "student",
                                            "personal_data_consent": True,
                                            "id_number": minor})
    assert response.status_code == 400 and "成年" in str(response.json())
    # an organization the caller does not act for: refused as a number nobody holds is
    # (tests/security/test_privacy_probes_ids.py)
    response = api.post("/api/v1/offerings/", {
        "organization": existing.pk, "category": "sport", "title": "篮球", "grade_min": 1,
        "grade_max": 6, "fee_per_session": "10", "capacity": 20, "weekdays": [1]})
    assert response.status_code == 400
    assert response.json() == {"organization": ["记录不存在，或您无权在此使用。"]}
    assert not Person.objects.exists() and not Offering.objects.exists()


def test_an_invitation_used_twice_is_refused(provider_api, worker):  # noqa: F811
    user, api = provider_api
    response = api.post("/api/v1/organizations/", _organization_body())
    organization = response.json()["id"]
    response = worker(api.post, f"/api/v1/organizations/{organization}/invitations/",
                      {"email": "c@example.cn"})
    assert response.status_code == 201, response.content
    token = last_link("c@example.cn").rstrip("/").rsplit("/", 1)[1]
    colleague = _signed_up(worker, "c@example.cn")
    assert colleague.post("/api/v1/organization-invitations/accept/",
                          {"token": token}).status_code == 200
    again = colleague.post("/api/v1/organization-invitations/accept/", {"token": token})
    assert again.status_code == 400 and "一次" in str(again.json())
    assert colleague.get(f"/api/v1/organizations/{organization}/").status_code == 200
    assert len(mail.outbox) == 2  # the invitation and the colleague's confirmation


def test_a_change_to_an_approved_fact_is_not_applied_without_review(provider_api,
                                                                     nanchang_bureau):
    user, api = provider_api
    organization = OrganizationFactory(name="原名")
    services.role_grant(actor=None, user=user, role=Role.PROVIDER, target=organization)
    approval = ApprovalFactory(organization=organization)
    services.approval_transition(actor=None, approval=approval, to=Approval.Status.APPROVED)
    response = api.patch(f"/api/v1/organizations/{organization.pk}/",
                         {"name": "新名", "contact_phone": "0791-1"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["name"] == "原名" and body["contact_phone"] == "0791-1"
    assert body["change_request"]["changes"] == {"name": "新名"}
    change = body["change_request"]["id"]
    # the provider cannot approve it; the clerk can
    assert api.post(f"/api/v1/change-requests/{change}/approve/").status_code == 403
    organization.refresh_from_db()
    assert organization.name == "原名"
    clerk = UserFactory()
    services.role_grant(actor=None, user=clerk, role=Role.BUREAU_CLERK, target=nanchang_bureau)
    clerk_api = Api(token_create(actor=clerk, name="t")[1])
    assert clerk_api.post(f"/api/v1/change-requests/{change}/reject/").status_code == 400
    response = clerk_api.post(f"/api/v1/change-requests/{change}/approve/")
    assert response.status_code == 200 and response.json()["status"] == "approved"
    organization.refresh_from_db()
    assert organization.name == "新名"
    assert ChangeRequest.objects.get().reviewed_by == clerk
    assert timezone.now() - ChangeRequest.objects.get().reviewed_at < datetime.timedelta(
        minutes=5)


@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="a PostgreSQL query plan (CI runs it there)")
def test_the_people_a_provider_reads_are_found_by_key_not_by_reading_the_table():
    """``/api/v1/people/`` lists the caller's own record and the staff of the organizations
    they act for. Asked as ``user = … OR organization IN (…)``, PostgreSQL tested both for
    every person (a sequential scan: 105-290 ms a call at 1M people); asked as one union, it
    finds them by their indexes."""
    from types import SimpleNamespace

    from registry.api.providers import PersonViewSet
    from tests.factories import PersonFactory

    organization = OrganizationFactory()
    PersonFactory.create_batch(3000)
    user = UserFactory()
    own = PersonFactory(user=user)
    staff = PersonFactory(organization=organization)
    services.role_grant(actor=None, user=user, role=Role.PROVIDER, target=organization)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE registry_person")
    people = PersonViewSet(request=SimpleNamespace(user=user)).get_queryset()
    assert sorted(people.values_list("pk", flat=True)) == sorted([own.pk, staff.pk])
    plan = people[:20].explain()
    assert "Seq Scan on registry_person" not in plan, plan
