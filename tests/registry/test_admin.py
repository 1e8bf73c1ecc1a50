"""Writes through the Django admin are audited like the services' writes: who (the admin
user), what (created, changed with the names of the fields, deleted), which object, in the
transaction of the write."""

import datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.forms.models import model_to_dict

from registry import selectors
from registry.identifiers import make_uscc
from registry.models import (
    AcademicSignal,
    AllowedCategory,
    AuditEvent,
    Bureau,
    FeeReference,
    Jurisdiction,
    Offering,
    Organization,
    PartnerDepartment,
    Person,
    School,
    ServiceCategory,
)
from registry.services import core as services_core
from tests.factories import (
    AllowedCategoryFactory,
    ApprovalFactory,
    FeeReferenceFactory,
    GroupFactory,
    JurisdictionFactory,
    OfferingFactory,
    OrganizationFactory,
    PersonFactory,
    SchoolFactory,
    ServiceCategoryFactory,
    UserFactory,
    jurisdiction,
)
from tests.registry.builders import approve, organization, school_user

pytestmark = pytest.mark.django_db

ORGANIZATIONS = "/admin/registry/organization/"


@pytest.fixture
def root(client):
    user = get_user_model().objects.create_superuser("root", "root@example.invalid", "x")
    client.force_login(user)
    return user


def _events(obj):
    return list(AuditEvent.objects.for_object(obj).order_by("pk"))


def _organization_form(org, offerings=(), **changes) -> dict:
    """The change form of ``org`` as the admin page would post it, with its offerings inline
    (each a dict of the inline's fields, with ``id`` for an existing row)."""
    data = {
        "name": org.name, "uscc": org.uscc, "registration_kind": org.registration_kind,
        "provider_kind": org.provider_kind,
        "legal_representative": org.legal_representative, "county": org.county_id,
        "address": org.address, "contact_name": org.contact_name,
        "contact_phone": org.contact_phone, "contact_email": org.contact_email,
        "offerings-TOTAL_FORMS": str(len(offerings)),
        "offerings-INITIAL_FORMS": str(sum(1 for o in offerings if o.get("id"))),
        "offerings-MIN_NUM_FORMS": "0", "offerings-MAX_NUM_FORMS": "1000",
        **changes,
    }
    for i, offering in enumerate(offerings):
        data.update({f"offerings-{i}-{k}": v for k, v in offering.items()})
    return data


def _inline(offering: Offering, **changes) -> dict:
    return {"id": offering.pk, "organization": offering.organization_id,
            "title": offering.title, "category": offering.category_id,
            "grade_min": offering.grade_min, "grade_max": offering.grade_max,
            "fee_per_session": offering.fee_per_session, "capacity": offering.capacity,
            "free_places_per_term": offering.free_places_per_term,
            "weekdays": offering.weekdays, "is_active": "on" if offering.is_active else "",
            **changes}


def test_an_organization_added_in_the_admin_is_audited_with_its_offerings(client, root):
    county = Jurisdiction.objects.get(code="360102")
    org = Organization(name="南昌青禾书法有限公司", uscc=make_uscc(987_654),
                       registration_kind="company", legal_representative="李青",
                       county=county, address="南昌市东湖区", contact_name="李青",
                       contact_phone="13800000000")
    sport = OfferingFactory.build(organization=None, title="软笔书法入门")
    new_offering = {k: v for k, v in _inline(sport).items() if k not in ("id", "organization")}
    response = client.post(f"{ORGANIZATIONS}add/", _organization_form(org, [new_offering]))
    assert response.status_code == 302, response.content.decode()[:2000]
    org = Organization.objects.get(name="南昌青禾书法有限公司")
    [created] = _events(org)
    assert (created.action, created.actor_id, created.actor_repr) == (
        "organization.admin_create", root.pk, "root")
    [offering] = org.offerings.all()
    [offering_created] = _events(offering)
    assert (offering_created.action, offering_created.actor_id) == (
        "offering.admin_create", root.pk)


def test_an_organization_changed_in_the_admin_records_the_changed_fields(client, root):
    org = OrganizationFactory()
    kept, changed, dropped = (OfferingFactory(organization=org, title=t)
                              for t in ("少儿篮球班", "少儿足球班", "少儿排球班"))
    response = client.post(f"{ORGANIZATIONS}{org.pk}/change/", _organization_form(
        org, [_inline(kept), _inline(changed, fee_per_session="35.00", capacity=25),
              _inline(dropped, DELETE="on")],
        name="南昌新名称培训有限公司", contact_phone="0791-88111111"))
    assert response.status_code == 302, response.content.decode()[:2000]
    org.refresh_from_db()
    assert org.name == "南昌新名称培训有限公司"
    [event] = _events(org)
    assert (event.action, event.actor_id, event.data) == (
        "organization.admin_change", root.pk, {"fields": ["contact_phone", "name"]})
    assert event.target_repr == "南昌新名称培训有限公司"
    [offering_changed] = _events(changed)
    assert (offering_changed.action, offering_changed.data) == (
        "offering.admin_change", {"fields": ["capacity", "fee_per_session"]})
    assert not Offering.objects.filter(pk=dropped.pk).exists()
    deleted = AuditEvent.objects.get(action="offering.admin_delete")
    assert (deleted.target_id, deleted.target_repr, deleted.actor_id) == (
        str(dropped.pk), "少儿排球班", root.pk)
    assert _events(kept) == []  # saved as it was: nothing to record


def test_saving_an_organization_unchanged_records_nothing(client, root):
    org = OrganizationFactory()
    response = client.post(f"{ORGANIZATIONS}{org.pk}/change/", _organization_form(org))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not AuditEvent.objects.exists()


def test_a_person_changed_in_the_admin_names_the_fields_never_the_id_number(client, root):
    someone = PersonFactory(name="王秀兰")
    new_id = "110101199003074477"
    response = client.post(f"/admin/registry/person/{someone.pk}/change/", {
        "name": "王秀兰", "id_number": new_id, "kind": someone.kind,
        "organization": "", "user": "", "phone": "13900000000", "email": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    someone.refresh_from_db()
    assert someone.id_number == new_id
    [event] = _events(someone)
    assert (event.action, event.actor_id, event.data) == (
        "person.admin_change", root.pk, {"fields": ["id_number", "phone"]})
    recorded = f"{event.target_repr} {event.reason} {event.data}"
    assert new_id not in recorded and new_id[6:14] not in recorded


def test_an_offering_added_and_changed_in_its_own_admin_is_audited(client, root):
    org = OrganizationFactory()
    form = {k: v for k, v in _inline(OfferingFactory.build(organization=org, title="围棋入门"))
            .items() if k != "id"}
    form["description"] = ""
    assert client.post("/admin/registry/offering/add/", form).status_code == 302
    offering = Offering.objects.get(title="围棋入门")
    form["title"] = "围棋提高"
    response = client.post(f"/admin/registry/offering/{offering.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert [(e.action, e.actor_id, e.data) for e in _events(offering)] == [
        ("offering.admin_create", root.pk, {}),
        ("offering.admin_change", root.pk, {"fields": ["title"]}),
    ]


def test_deleting_an_organization_records_it_its_offerings_and_its_people(client, root):
    org = OrganizationFactory(name="待删除机构有限公司")
    offering = OfferingFactory(organization=org)
    employee = PersonFactory(organization=org)
    org_pk = org.pk
    response = client.post(f"{ORGANIZATIONS}{org_pk}/delete/", {"post": "yes"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not Organization.objects.filter(pk=org_pk).exists()
    found = {(e.action, e.target_id, e.actor_id): e.data
             for e in AuditEvent.objects.all()}
    assert found == {
        ("organization.admin_delete", str(org_pk), root.pk): {},
        ("offering.admin_delete", str(offering.pk), root.pk): {"with": "organization"},
        ("person.admin_change", str(employee.pk), root.pk): {"fields": ["organization"]},
    }
    assert AuditEvent.objects.get(action="organization.admin_delete").target_repr == (
        "待删除机构有限公司")


def test_the_bulk_delete_action_records_each_deletion(client, root):
    people = PersonFactory.create_batch(2)
    response = client.post("/admin/registry/person/", {
        "action": "delete_selected", "_selected_action": [p.pk for p in people], "post": "yes"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not Person.objects.exists()
    assert sorted(AuditEvent.objects.values_list("action", "target_id", "actor_id")) == sorted(
        ("person.admin_delete", str(p.pk), root.pk) for p in people)


def test_the_write_and_its_audit_event_are_one_transaction(client, root):
    # given: the audit trail refuses the event
    org = OrganizationFactory(name="原名称培训有限公司")
    with mock.patch("registry.admin.audit_record_many", side_effect=RuntimeError("audit down")):
        # when / then: the admin's change is not kept either
        with pytest.raises(RuntimeError):
            client.post(f"{ORGANIZATIONS}{org.pk}/change/",
                        _organization_form(org, name="新名称培训有限公司"))
        with pytest.raises(RuntimeError):
            client.post(f"{ORGANIZATIONS}{org.pk}/delete/", {"post": "yes"})
    org.refresh_from_db()
    assert org.name == "原名称培训有限公司"


# --- the other models the admin writes: geography, categories, policy rules -------------

def _new_county() -> Jurisdiction:
    return JurisdictionFactory(code="360199", name="测试区")


def _sport():
    return ServiceCategory.objects.get(code="sport")


# model, an unsaved object the add page will create, a field the change page then changes
EDITABLE = {
    "jurisdiction": lambda: (Jurisdiction(
        code="360198", name="新建区", level="county",
        parent=Jurisdiction.objects.get(code="360100")), "name_en", "Xinjian District"),
    "bureau": lambda: (Bureau(jurisdiction=_new_county(), name="测试区教育局"),
                       "phone", "0791-88000000"),
    "school": lambda: (School(name="测试小学", code="3601990001",
                              county=Jurisdiction.objects.get(code="360102")),
                       "contact_phone", "0791-88000001"),
    "partnerdepartment": lambda: (PartnerDepartment(
        name="测试市体育局", jurisdiction=Jurisdiction.objects.get(code="360100")),
        "name_en", "Test Sports Bureau"),
    "servicecategory": lambda: (ServiceCategory(code="chess", name="棋类", sort_order=9),
                                "name_en", "Board games"),
    "allowedcategory": lambda: (AllowedCategory(jurisdiction=_new_county(), category=_sport()),
                                "category", ServiceCategory.objects.get(code="arts").pk),
    "academicsignal": lambda: (AcademicSignal(word="测试信号", explanation="测试"),
                               "explanation", "另一个解释"),
    "feereference": lambda: (FeeReference(
        jurisdiction=_new_county(), category=_sport(), effective_from=datetime.date(2026, 4, 1),
        reference_fee=Decimal("20.00"), cap=Decimal("25.00"), source="青少年宫"),
        "cap", "26.00"),
}


def _form_data(obj, **changes) -> dict:
    """``obj`` as its admin form would post it (empty values left out)."""
    return {**{k: v for k, v in model_to_dict(obj).items() if v not in (None, "")},
            **changes}


@pytest.mark.parametrize("model_name", EDITABLE)
def test_other_models_added_changed_and_deleted_in_the_admin_are_audited(client, root,
                                                                          model_name):
    # given: an object as the add page would post it
    obj, field, value = EDITABLE[model_name]()
    model, url = type(obj), f"/admin/registry/{model_name}/"
    before = set(model.objects.values_list("pk", flat=True))
    # when: added, then one field changed, then deleted
    response = client.post(f"{url}add/", _form_data(obj))
    assert response.status_code == 302, response.content.decode()[:2000]
    [obj] = model.objects.exclude(pk__in=before)
    response = client.post(f"{url}{obj.pk}/change/", _form_data(obj, **{field: value}))
    assert response.status_code == 302, response.content.decode()[:2000]
    pk = obj.pk
    response = client.post(f"{url}{pk}/delete/", {"post": "yes"})
    assert response.status_code == 302, response.content.decode()[:2000]
    # then: each write left its event, by the admin user, naming the changed field only
    assert not model.objects.filter(pk=pk).exists()
    assert [(e.action, e.actor_id, e.target_id, e.data) for e in
            AuditEvent.objects.filter(target_type__model=model_name).order_by("pk")] == [
        (f"{model_name}.admin_create", root.pk, str(pk), {}),
        (f"{model_name}.admin_change", root.pk, str(pk), {"fields": [field]}),
        (f"{model_name}.admin_delete", root.pk, str(pk), {}),
    ]


def test_a_change_on_the_list_page_is_audited(client, root):
    signals = list(AcademicSignal.objects.order_by("word")[:2])
    assert len(signals) == 2 and all(s.is_active for s in signals)
    data = {"form-TOTAL_FORMS": "2", "form-INITIAL_FORMS": "2", "form-MIN_NUM_FORMS": "0",
            "form-MAX_NUM_FORMS": "1000", "_save": "Save", "o": "1"}
    data["form-0-id"], data["form-1-id"] = signals[0].pk, signals[1].pk
    data["form-1-is_active"] = "on"  # the first switched off, the second kept
    response = client.post("/admin/registry/academicsignal/?o=1", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    signals[0].refresh_from_db()
    assert not signals[0].is_active
    assert [(e.action, e.target_id, e.data) for e in AuditEvent.objects.all()] == [
        ("academicsignal.admin_change", str(signals[0].pk), {"fields": ["is_active"]})]


def test_deleting_a_jurisdiction_records_the_policy_rules_it_takes(client, root):
    county = _new_county()
    allowed = AllowedCategoryFactory(jurisdiction=county, category=_sport())
    fee = FeeReferenceFactory(jurisdiction=county, category=_sport(),
                              effective_from=datetime.date(2026, 4, 1),
                              reference_fee=Decimal("20"), cap=Decimal("25"))
    response = client.post(f"/admin/registry/jurisdiction/{county.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not FeeReference.objects.filter(pk=fee.pk).exists()
    assert {(e.action, e.target_id, e.actor_id): e.data for e in AuditEvent.objects.all()} == {
        ("jurisdiction.admin_delete", str(county.pk), root.pk): {},
        ("allowedcategory.admin_delete", str(allowed.pk), root.pk): {"with": "jurisdiction"},
        ("feereference.admin_delete", str(fee.pk), root.pk): {"with": "jurisdiction"},
    }


def test_deleting_a_category_records_its_rules_and_the_approvals_that_lose_it(client, root):
    chess = ServiceCategoryFactory(code="chess", name="棋类")
    fee = FeeReferenceFactory(jurisdiction=jurisdiction("360100"), category=chess,
                              effective_from=datetime.date(2026, 4, 1),
                              reference_fee=Decimal("20"), cap=Decimal("25"))
    org = OrganizationFactory()
    OfferingFactory(organization=org, category=_sport())
    approval = ApprovalFactory(jurisdiction=jurisdiction("360100"), organization=org,
                               valid_from=None, valid_until=None)
    approval.categories.set([_sport(), chess])
    response = client.post("/admin/registry/servicecategory/", {
        "action": "delete_selected", "_selected_action": [chess.pk], "post": "yes"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(approval.categories.all()) == [_sport()]
    assert {(e.action, e.target_id): e.data for e in AuditEvent.objects.all()} == {
        ("servicecategory.admin_delete", str(chess.pk)): {},
        ("feereference.admin_delete", str(fee.pk)): {"with": "servicecategory"},
        ("approval.admin_change", str(approval.pk)): {"fields": ["categories"]},
    }


# --- guardian's object permission pages -------------------------------------------------

def _user_permissions(bureau, user) -> str:
    return f"/admin/registry/bureau/{bureau.pk}/permissions/user-manage/{user.pk}/"


def _chosen(*codenames) -> dict:
    # a browser always sends the CSRF token: with nothing else posted guardian's page would
    # take the empty POST for no submission (it binds ``request.POST or None``)
    return {"csrfmiddlewaretoken": "x", "permissions": list(codenames)}


def test_a_role_granted_and_revoked_on_the_permission_page_is_the_roles_service(
        client, root, nanchang_bureau):
    clerk = UserFactory()
    assert client.get(_user_permissions(nanchang_bureau, clerk)).status_code == 200
    # when: the clerk's permission is ticked on the bureau's object permission page
    response = client.post(_user_permissions(nanchang_bureau, clerk),
                           _chosen("clerk_bureau"))
    assert response.status_code == 302, response.content.decode()[:2000]
    # then: as role_grant does it: the group, the permission, its audit event
    clerk = type(clerk).objects.get(pk=clerk.pk)
    assert clerk.has_perm("registry.clerk_bureau", nanchang_bureau)
    assert clerk.groups.filter(name="bureau_clerk").exists()
    [granted] = AuditEvent.objects.for_object(nanchang_bureau)
    assert (granted.action, granted.actor_id, granted.data) == (
        "role.grant", root.pk, {"user": clerk.username, "role": "bureau_clerk"})
    # when: it is unticked
    response = client.post(_user_permissions(nanchang_bureau, clerk), _chosen())
    assert response.status_code == 302, response.content.decode()[:2000]
    # then: as role_revoke does it, the group gone with the last object
    clerk = type(clerk).objects.get(pk=clerk.pk)
    assert not clerk.has_perm("registry.clerk_bureau", nanchang_bureau)
    assert not clerk.groups.filter(name="bureau_clerk").exists()
    revoked = AuditEvent.objects.for_object(nanchang_bureau).get(action="role.revoke")
    assert (revoked.actor_id, revoked.data) == (root.pk,
                                                {"user": clerk.username, "role": "bureau_clerk"})


def test_a_partner_departments_categories_and_users_are_set_in_the_admin(client, root):
    """会审: which categories need the department, and who acts for it, are the admin's."""
    arts = ServiceCategory.objects.get(code="arts")
    response = client.post("/admin/registry/partnerdepartment/add/", {
        "name": "南昌市文化和旅游局", "jurisdiction": Jurisdiction.objects.get(code="360100").pk,
        "categories": [arts.pk], "is_active": "on"})
    assert response.status_code == 302, response.content.decode()[:2000]
    department = PartnerDepartment.objects.get(name="南昌市文化和旅游局")
    assert list(department.categories.all()) == [arts]
    member = UserFactory()
    page = f"/admin/registry/partnerdepartment/{department.pk}/permissions/user-manage/" \
           f"{member.pk}/"
    response = client.post(page, _chosen("opine_department"))
    assert response.status_code == 302, response.content.decode()[:2000]
    member = type(member).objects.get(pk=member.pk)
    assert member.has_perm("registry.opine_department", department)
    assert member.groups.filter(name="department").exists()
    assert AuditEvent.objects.for_object(department).filter(
        action="role.grant", data={"user": member.username, "role": "department"}).exists()


def test_other_permissions_on_the_permission_pages_are_audited(client, root):
    school = SchoolFactory()
    user, group = UserFactory(), GroupFactory(name="督导")
    base = f"/admin/registry/school/{school.pk}/permissions/"
    for url, chosen in ((f"{base}user-manage/{user.pk}/", ["act_for_school", "view_school"]),
                        (f"{base}group-manage/{group.pk}/", ["view_school"]),
                        (f"{base}group-manage/{group.pk}/", [])):
        response = client.post(url, _chosen(*chosen))
        assert response.status_code == 302, response.content.decode()[:2000]
    assert [(e.action, e.actor_id, e.data) for e in
            AuditEvent.objects.for_object(school).order_by("pk")] == [
        ("role.grant", root.pk, {"user": user.username, "role": "school"}),
        ("permission.admin_grant", root.pk, {"user": user.username,
                                             "permission": "view_school"}),
        ("permission.admin_grant", root.pk, {"group": "督导", "permission": "view_school"}),
        ("permission.admin_revoke", root.pk, {"group": "督导", "permission": "view_school"}),
    ]


def test_a_permission_page_change_and_its_audit_event_are_one_transaction(
        client, root, nanchang_bureau):
    # given: the audit trail takes the role's event, then refuses the next one
    user, real_event, recorded = UserFactory(), services_core.audit_event, []

    def second_fails(**details):
        recorded.append(details["action"])
        if len(recorded) == 2:
            raise RuntimeError("audit down")
        return real_event(**details)

    with mock.patch("registry.services.core.audit_event", side_effect=second_fails):
        # when: a role and another permission are ticked together
        with pytest.raises(RuntimeError):
            client.post(_user_permissions(nanchang_bureau, user),
                        _chosen("clerk_bureau", "view_bureau"))
    # then: the role granted first is undone with the rest
    assert recorded == ["role.grant", "permission.admin_grant"]
    user = type(user).objects.get(pk=user.pk)
    assert not user.has_perm("registry.clerk_bureau", nanchang_bureau)
    assert not user.groups.exists()
    assert not AuditEvent.objects.exists()


# --- an offering deleted in the admin leaves school search ------------------------------

def _found(school, keyword: str) -> list[str]:
    return [o.name for o in selectors.approved_organizations_search(school=school,
                                                                   keyword=keyword)]


@pytest.fixture
def searchable():
    """An approved organization with a go (围棋) and an ink painting (国画) offering, and a
    school of its county that finds it by either title."""
    org = organization("南昌弈林文化有限公司", ("少儿围棋启蒙班", "arts", "25"),
                       ("少儿国画入门班", "arts", "20"))
    approve(organization=org, where="360102", categories=("arts",))
    _user, school = school_user("360102")
    assert _found(school, "围棋") == _found(school, "国画") == ["南昌弈林文化有限公司"]
    return {"org": org, "school": school, "go": org.offerings.get(title="少儿围棋启蒙班")}


def _assert_go_is_gone(searchable):
    assert not Offering.objects.filter(pk=searchable["go"].pk).exists()
    assert _found(searchable["school"], "围棋") == []
    assert _found(searchable["school"], "国画") == ["南昌弈林文化有限公司"]


def test_an_offering_deleted_on_its_page_is_no_longer_found(client, root, searchable):
    response = client.post(f"/admin/registry/offering/{searchable['go'].pk}/delete/",
                           {"post": "yes"})
    assert response.status_code == 302, response.content.decode()[:2000]
    _assert_go_is_gone(searchable)


def test_offerings_deleted_in_bulk_are_no_longer_found(client, root, searchable):
    response = client.post("/admin/registry/offering/", {
        "action": "delete_selected", "_selected_action": [searchable["go"].pk], "post": "yes"})
    assert response.status_code == 302, response.content.decode()[:2000]
    _assert_go_is_gone(searchable)


def test_an_offering_deleted_inline_is_no_longer_found(client, root, searchable):
    org = searchable["org"]
    offerings = [_inline(o, **({"DELETE": "on"} if o.pk == searchable["go"].pk else {}))
                 for o in org.offerings.order_by("pk")]
    response = client.post(f"{ORGANIZATIONS}{org.pk}/change/",
                           _organization_form(org, offerings))
    assert response.status_code == 302, response.content.decode()[:2000]
    _assert_go_is_gone(searchable)


def test_an_offering_moved_to_another_organization_leaves_the_first(client, root,
                                                                      searchable):
    go = searchable["go"]
    other = OrganizationFactory(name="南昌另一家文化有限公司")
    form = {k: v for k, v in _inline(go, organization=other.pk).items() if k != "id"}
    form["description"] = go.description
    response = client.post(f"/admin/registry/offering/{go.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert _found(searchable["school"], "围棋") == []


def test_an_organization_moved_to_another_county_is_found_there(client, root, searchable):
    """School search filters by the county its document records (a token among the
    n-grams): moving the organization in the admin moves it in the filter too."""
    from registry.forms import ProviderSearchForm

    def in_county(code: str) -> list[str]:
        form = ProviderSearchForm({"county": code})
        assert form.is_valid(), form.errors
        return [o.name for o in selectors.approved_organizations_search(
            school=searchable["school"], **form.search_kwargs())]

    org = searchable["org"]
    assert in_county("360102") == ["南昌弈林文化有限公司"]
    assert in_county("360103") == []
    offerings = [_inline(o) for o in org.offerings.order_by("pk")]
    response = client.post(f"{ORGANIZATIONS}{org.pk}/change/", _organization_form(
        org, offerings, county=Jurisdiction.objects.get(code="360103").pk))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert in_county("360103") == ["南昌弈林文化有限公司"]
    assert in_county("360102") == []


@pytest.mark.parametrize("how", ["page", "bulk"])
def test_deleting_a_school_revokes_the_roles_held_on_it(client, root, how):
    """guardian's rows name the school by its key as text: deleting the school must take
    them with it, through role_revoke (its event, the role's group), not leave them."""
    from guardian.models import UserObjectPermission

    from registry.roles import Role

    user, school = school_user("360102")
    other_user, _other_school = school_user("360102")
    assert user.groups.filter(name=Role.SCHOOL).exists()
    if how == "page":
        response = client.post(f"/admin/registry/school/{school.pk}/delete/", {"post": "yes"})
    else:
        response = client.post("/admin/registry/school/", {
            "action": "delete_selected", "_selected_action": [school.pk], "post": "yes"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not School.objects.filter(pk=school.pk).exists()
    assert not UserObjectPermission.objects.filter(object_pk=str(school.pk),
                                                   content_type__model="school").exists()
    assert not user.groups.filter(name=Role.SCHOOL).exists()  # its last school
    assert other_user.groups.filter(name=Role.SCHOOL).exists()  # untouched
    revoked = AuditEvent.objects.get(action="role.revoke")
    assert (revoked.actor_id, revoked.target_id, revoked.data) == (
        root.pk, str(school.pk), {"user": user.get_username(), "role": str(Role.SCHOOL)})
    assert AuditEvent.objects.filter(action="school.admin_delete",
                                     target_id=str(school.pk)).exists()


@pytest.mark.parametrize("url", ["/admin/registry/allowedcategory/",
                                 "/admin/registry/offering/add/"])
def test_admin_lists_of_categories_read_each_parent_once(client, root, url):
    """The admin's category filter and choices name sub-items with their parent
    (体育 · 游泳): more sub-items must not mean more queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    before = queries()
    sport = ServiceCategory.objects.get(code="sport")
    for i in range(5):
        ServiceCategoryFactory(code=f"sport-extra-{i}", name=f"体育项目{i}", parent=sport,
                               sort_order=90 + i)
    assert queries() == before
