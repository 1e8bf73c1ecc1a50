"""Writes through the Django admin are audited like the services' writes: who (the admin
user), what (created, changed with the names of the fields, deleted), which object, in the
transaction of the write."""

from unittest import mock

import pytest
from django.contrib.auth import get_user_model

from registry.identifiers import make_uscc
from registry.models import AuditEvent, Jurisdiction, Offering, Organization, Person
from tests.factories import OfferingFactory, OrganizationFactory, PersonFactory

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
