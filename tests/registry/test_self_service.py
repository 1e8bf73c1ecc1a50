"""Self-service on the web: organizations register themselves (code checked, duplicates
refused with how to join), their administrator invites colleagues and the people of the
roster, individuals register themselves (check digit, 18 or older), each kind of provider
has its own checklist, and edits of approved facts wait for a clerk."""

import datetime
import re

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.utils import timezone

from documents.selectors import requirement_checklist
from registry import services
from registry.identifiers import make_id_number, make_uscc
from registry.models import (
    Approval,
    AuditEvent,
    ChangeRequest,
    Organization,
    Person,
    ProviderInvitation,
    ServiceCategory,
)
from registry.roles import Role
from tests.factories import ApprovalFactory, OfferingFactory, OrganizationFactory, UserFactory
from tests.registry.signup_helpers import last_link, path_of, worker  # noqa: F401

pytestmark = pytest.mark.django_db


def _org_data(donghu, **overrides):
    return {"name": "南昌市青少年宫", "uscc": make_uscc(777, prefix="12"),
            "provider_kind": "public_venue", "registration_kind": "public_institution",
            "legal_representative": "赵六", "county": donghu.pk,
            "address": "南昌市东湖区八一大道1号",
            "contact_name": "钱七", "contact_phone": "0791-86000000", **overrides}


def _wrong_check(code: str) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    return code[:-1] + next(c for c in alphabet if c != code[-1])


# --- organizations ----------------------------------------------------------------------

def test_a_code_with_a_wrong_check_character_is_refused(client, donghu):
    client.force_login(UserFactory())
    data = _org_data(donghu, uscc=_wrong_check(make_uscc(777, prefix="12")))
    response = client.post("/registry/portal/register/", data)
    assert response.status_code == 400
    assert "校验" in response.content.decode()
    assert not Organization.objects.exists()


def test_a_registered_code_is_refused_saying_how_to_join(client, donghu):
    existing = OrganizationFactory(uscc=make_uscc(777, prefix="12"))
    user = UserFactory()
    client.force_login(user)
    response = client.post("/registry/portal/register/", _org_data(donghu))
    assert response.status_code == 400
    body = response.content.decode()
    assert "已经登记" in body and "管理员" in body and "邀请" in body
    assert list(Organization.objects.all()) == [existing]
    assert not user.has_perm("registry.act_for_organization", existing)


def test_a_public_venue_is_asked_for_its_institution_certificate_not_a_school_licence(
        client, donghu):
    user = UserFactory()
    client.force_login(user)
    response = client.post("/registry/portal/register/", _org_data(donghu))
    assert response.status_code == 302
    venue = Organization.objects.get()
    assert venue.provider_kind == "public_venue" and venue.administrator == user
    codes = {item.document_type.code for item in requirement_checklist(venue).items}
    assert "institution_certificate" in codes
    assert "operating_licence" not in codes
    page = client.get(f"/documents/organization/{venue.pk}/").content.decode()
    assert "事业单位法人证书" in page and "办学许可证" not in page
    # a private training organization is still asked for its licence
    school = OrganizationFactory(provider_kind="private_training")
    assert "operating_licence" in {i.document_type.code
                                   for i in requirement_checklist(school).items}
    # a sports club: its sports business filing; the high-risk sports licence only once it
    # offers a high-risk category (swimming), and then it is required
    club = OrganizationFactory(provider_kind="sports_club")
    items = {i.document_type.code: i for i in requirement_checklist(club).items}
    assert "sports_business_filing" in items and "high_risk_sports_licence" not in items
    OfferingFactory(organization=club, category=ServiceCategory.objects.get(code="swimming"))
    items = {i.document_type.code: i for i in requirement_checklist(club).items}
    assert items["high_risk_sports_licence"].required


# --- invitations --------------------------------------------------------------------------

def _registered(client, donghu):
    admin = UserFactory(email="admin@example.cn")
    client.force_login(admin)
    client.post("/registry/portal/register/", _org_data(donghu))
    return admin, Organization.objects.get()


def test_the_administrator_invites_a_colleague_who_accepts_once(client, donghu, worker):  # noqa: F811
    admin, venue = _registered(client, donghu)
    # when
    response = worker(client.post, f"/registry/portal/organizations/{venue.pk}/invite/",
                      {"email": "Colleague@Example.cn"})
    assert response.status_code == 302
    link = path_of(last_link("colleague@example.cn"))
    colleague = UserFactory(email="colleague@example.cn")
    client.force_login(colleague)
    assert client.get(link).status_code == 200
    response = client.post(link)
    # then: the provider role for this organization alone
    assert response.status_code == 302
    assert colleague.has_perm("registry.act_for_organization", venue)
    other = OrganizationFactory()
    assert not colleague.has_perm("registry.act_for_organization", other)
    assert not colleague.groups.exclude(name=Role.PROVIDER).exists()
    # a second use of the same link is refused and changes nothing
    someone = UserFactory(email="colleague2@example.cn")
    client.force_login(someone)
    again = client.post(link)
    assert again.status_code == 400 and "只能使用一次" in again.content.decode()
    assert not someone.has_perm("registry.act_for_organization", venue)
    assert AuditEvent.objects.filter(action="provider_invitation.accept").count() == 1


def test_only_the_administrator_invites(client, donghu, worker):  # noqa: F811
    _admin, venue = _registered(client, donghu)
    colleague = UserFactory()
    services.role_grant(actor=None, user=colleague, role=Role.PROVIDER, target=venue)
    client.force_login(colleague)
    response = worker(client.post, f"/registry/portal/organizations/{venue.pk}/invite/",
                      {"email": "x@example.cn"})
    assert response.status_code == 403
    assert not ProviderInvitation.objects.exists() and not mail.outbox


def test_an_expired_tampered_or_misaddressed_invitation_is_refused(client, donghu, worker):  # noqa: F811
    _admin, venue = _registered(client, donghu)
    worker(client.post, f"/registry/portal/organizations/{venue.pk}/invite/",
           {"email": "late@example.cn"})
    link = path_of(last_link("late@example.cn"))
    late = UserFactory(email="late@example.cn")
    client.force_login(late)
    tampered = re.sub(r"/([^/]+)/$", lambda m: "/" + m.group(1)[:-3] + "xyz/", link)
    assert client.post(tampered).status_code == 400
    client.force_login(UserFactory(email="someone.else@example.cn"))
    assert client.post(link).status_code == 403
    with time_machine.travel(timezone.now() + datetime.timedelta(days=15), tick=False):
        client.force_login(late)
        response = client.post(link)
    assert response.status_code == 400 and "过期" in response.content.decode()
    assert not late.has_perm("registry.act_for_organization", venue)
    assert ProviderInvitation.objects.get().accepted_at is None


def test_a_person_of_the_roster_claims_their_record(client, donghu, worker):  # noqa: F811
    admin, venue = _registered(client, donghu)
    client.post(f"/registry/portal/organizations/{venue.pk}/", {
        "person-name": "孙八", "person-id_number": make_id_number(41),
        "person-kind": "professional", "person-phone": "",
        "person-personal_data_consent_attested": "on"})
    person = Person.objects.get()
    worker(client.post, f"/registry/portal/organizations/{venue.pk}/invite/",
           {"email": "sun@example.cn", "person": person.pk})
    link = path_of(last_link("sun@example.cn"))
    sun = UserFactory(email="sun@example.cn")
    client.force_login(sun)
    response = client.post(link)
    assert response.status_code == 302 and response.url == f"/registry/portal/people/{person.pk}/"
    person.refresh_from_db()
    assert person.user == sun
    assert not sun.has_perm("registry.act_for_organization", venue)
    assert client.get("/registry/me/privacy/").status_code == 200


# --- individuals ----------------------------------------------------------------------------

def _individual(**overrides):
    return {"name": "周九", "id_number": make_id_number(42), "kind": "volunteer", "phone": "",
            "personal_data_consent": "on", **overrides}


def test_an_individual_registers_themself(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post("/registry/portal/individual/", _individual())
    person = Person.objects.get()
    assert response.status_code == 302 and response.url == f"/registry/portal/people/{person.pk}/"
    assert person.user == user and person.organization is None and person.kind == "volunteer"
    codes = {i.document_type.code for i in requirement_checklist(person).items}
    assert "volunteer_registration" in codes and "retirement_certificate" not in codes
    page = client.get(response.url).content.decode()
    assert person.masked_id in page and person.id_number not in page


TODAY = datetime.datetime.now(tz=datetime.UTC).date()
SEVENTEEN = TODAY.replace(year=TODAY.year - 17)


@pytest.mark.parametrize("id_number, message", [
    (make_id_number(42)[:-1] + ("0" if make_id_number(42)[-1] != "0" else "1"), "校验"),
    (make_id_number(43, birth=SEVENTEEN), "成年人"),
])
def test_a_wrong_check_digit_or_a_minor_is_refused(client, id_number, message):
    client.force_login(UserFactory())
    response = client.post("/registry/portal/individual/", _individual(id_number=id_number))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Person.objects.exists()
    assert not AuditEvent.objects.filter(action="person.register").exists()


# --- editing and change requests ---------------------------------------------------------------

@pytest.fixture
def approved_org(donghu, nanchang):
    organization = OrganizationFactory(name="原名培训中心")
    approval = ApprovalFactory(organization=organization)
    services.approval_transition(actor=None, approval=approval, to=Approval.Status.APPROVED)
    return organization


def test_a_change_to_an_approved_fact_waits_for_the_clerk(client, approved_org,
                                                          nanchang_bureau):
    user = UserFactory()
    services.role_grant(actor=None, user=user, role=Role.PROVIDER, target=approved_org)
    client.force_login(user)
    data = {f: getattr(approved_org, f) for f in (
        "uscc", "provider_kind", "registration_kind", "legal_representative", "address",
        "contact_name", "contact_email")}
    data.update(name="新名字培训中心", contact_phone="0791-12345678")
    response = client.post(f"/registry/portal/organizations/{approved_org.pk}/edit/", data)
    assert response.status_code == 302
    approved_org.refresh_from_db()
    # the approved fact stays; the other change applied at once
    assert approved_org.name == "原名培训中心"
    assert approved_org.contact_phone == "0791-12345678"
    change = ChangeRequest.objects.get()
    assert change.changes == {"name": "新名字培训中心"} and change.status == "pending"
    # the provider cannot review their own request
    response = client.post("/registry/portal/change-requests/",
                           {"pk": change.pk, "decision": "approve"})
    change.refresh_from_db()
    assert change.status == "pending"
    # the bureau's clerk approves it
    clerk = UserFactory()
    services.role_grant(actor=None, user=clerk, role=Role.BUREAU_CLERK, target=nanchang_bureau)
    client.force_login(clerk)
    assert "新名字培训中心" in client.get("/registry/portal/change-requests/").content.decode()
    client.post("/registry/portal/change-requests/", {"pk": change.pk, "decision": "approve"})
    approved_org.refresh_from_db()
    change.refresh_from_db()
    assert change.status == "approved" and approved_org.name == "新名字培训中心"
    assert AuditEvent.objects.filter(action="organization.edit").count() == 2


def test_a_clerk_rejects_with_a_reason_and_nothing_changes(approved_org, nanchang_bureau):
    user = UserFactory()
    services.role_grant(actor=None, user=user, role=Role.PROVIDER, target=approved_org)
    offering = OfferingFactory(organization=approved_org)
    _target, change = services.provider_edit(actor=user, target=offering,
                                             changes={"fee_per_session": "99.00",
                                                      "capacity": 25})
    offering.refresh_from_db()
    assert offering.capacity == 25 and str(offering.fee_per_session) == "20.00"
    clerk = UserFactory()
    services.role_grant(actor=None, user=clerk, role=Role.BUREAU_CLERK, target=nanchang_bureau)
    with pytest.raises(Exception, match="理由|reject"):
        services.change_request_review(actor=clerk, change_request=change, approve=False)
    services.change_request_review(actor=clerk, change_request=change, approve=False,
                                   reason="收费高于指导价")
    offering.refresh_from_db()
    assert str(offering.fee_per_session) == "20.00"


def test_without_an_approval_every_change_applies_at_once(client, donghu):
    admin, venue = _registered(client, donghu)
    _target, change = services.provider_edit(actor=admin, target=venue,
                                             changes={"name": "南昌市少年宫"})
    venue.refresh_from_db()
    assert change is None and venue.name == "南昌市少年宫"


def test_a_bad_edit_changes_nothing(approved_org):
    user = UserFactory()
    services.role_grant(actor=None, user=user, role=Role.PROVIDER, target=approved_org)
    with pytest.raises(Exception):  # noqa: B017, PT011 - the ValidationError of the code
        services.provider_edit(actor=user, target=approved_org,
                               changes={"uscc": _wrong_check(approved_org.uscc),
                                        "contact_phone": "1"})
    approved_org.refresh_from_db()
    assert approved_org.contact_phone == "0791-88000000"
    assert not ChangeRequest.objects.exists()


def test_the_change_request_list_is_a_fixed_number_of_queries(client, approved_org,
                                                              nanchang_bureau,
                                                              django_assert_max_num_queries):
    user = UserFactory()
    services.role_grant(actor=None, user=user, role=Role.PROVIDER, target=approved_org)
    for n in range(5):
        offering = OfferingFactory(organization=approved_org)
        services.provider_edit(actor=user, target=offering, changes={"title": f"新课程{n}"})
    clerk = UserFactory()
    services.role_grant(actor=None, user=clerk, role=Role.BUREAU_CLERK, target=nanchang_bureau)
    client.force_login(clerk)
    with django_assert_max_num_queries(20):
        page = client.get("/registry/portal/change-requests/")
    assert page.content.decode().count('value="approve"') == 5
    with django_assert_max_num_queries(12):
        answer = client.get("/api/v1/change-requests/")
    assert answer.json()["count"] == 5


@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="a PostgreSQL query plan (CI runs it there)")
def test_a_clerks_change_requests_probe_each_subjects_approvals_not_read_them_all(
        client, approved_org, nanchang_bureau):
    """A clerk sees the change requests of the providers the bureau holds an open approval
    of. Asked as ``organization IN (every open approval's organization)``, PostgreSQL read
    and hashed every open approval of the bureau on every page (227k for a province at
    100k organizations: 0.7-0.9 s a page among 4,000 change requests); each change request
    now probes its own subject's approvals."""
    from django.db import connection

    from registry import selectors
    from registry.models import Organization

    # given a bureau with many open approvals, and a few change requests
    others = Organization.objects.bulk_create(OrganizationFactory.build_batch(4000))
    jurisdiction = nanchang_bureau.jurisdiction
    Approval.objects.bulk_create([ApprovalFactory.build(organization=o, jurisdiction=jurisdiction,
                                                        status="approved") for o in others])
    user = UserFactory()
    services.role_grant(actor=None, user=user, role=Role.PROVIDER, target=approved_org)
    changed = [OfferingFactory(organization=approved_org) for _ in range(3)]
    for n, offering in enumerate(changed):
        services.provider_edit(actor=user, target=offering, changes={"title": f"新课程{n}"})
    clerk = UserFactory()
    services.role_grant(actor=None, user=clerk, role=Role.BUREAU_CLERK, target=nanchang_bureau)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    # when the clerk opens the list, then the three are there
    client.force_login(clerk)
    assert client.get("/api/v1/change-requests/").json()["count"] == 3
    # and the bureau's approvals are probed by subject, not read
    found = selectors.change_requests_for(clerk)
    for plan in (found[:20].explain(), found.order_by()._chain().explain()):
        read = [line for line in plan.splitlines() if "on registry_approval" in line]
        assert read and all("Index" in line for line in read), plan
        assert "approval_jurisdiction" not in plan and "hashed SubPlan" not in plan, plan
