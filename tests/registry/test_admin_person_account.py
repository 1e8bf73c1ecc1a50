"""Whose own account a person's record is (``Person.user``), set in the Django admin, goes
through ``person_account_set``: the account gets the provider role on the record, as
registering or claiming it through an invitation gives it (it may upload the person's
documents, and the record is listed among those it keeps), the account replaced or unlinked
loses that role, and each change is recorded with the administrator as the actor.

Before, the admin wrote the field as it was: the account read the record and could not act
for it, the account unlinked kept the role on a record that was no longer its own, and the
trail said only "person.admin_change: user"."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client

from registry.identifiers import make_id_number
from registry.models import AuditEvent, Person
from tests.factories import OwnAccountPersonFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

UPLOAD = "上传材料"  # the upload form's heading, shown only to who may upload


@pytest.fixture
def root(client):
    user = get_user_model().objects.create_superuser("root", "root@example.invalid", "x")
    client.force_login(user)
    return user


def _form(person: Person, **changes) -> dict:
    data = {"name": person.name, "id_number": person.id_number, "kind": person.kind,
            "organization": person.organization_id or "", "user": person.user_id or "",
            "phone": person.phone, "email": person.email,
            "qualification": person.qualification}
    return {**data, **changes}


def _change(client, person: Person, **changes):
    return client.post(f"/admin/registry/person/{person.pk}/change/", _form(person, **changes))


def _events(person: Person) -> list[tuple]:
    return [(e.action, e.actor_id, e.data)
            for e in AuditEvent.objects.for_object(person).order_by("pk")]


def _may_upload(user, person: Person) -> bool:
    """Whether ``user``, signed in, is offered the upload form on the person's documents
    page (the provider role on the record), as a person reads it."""
    client = Client()
    client.force_login(user)
    page = client.get(f"/documents/person/{person.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    return UPLOAD in page.content.decode()


def _role(user) -> dict:
    return {"user": user.username, "role": "provider"}


def test_an_account_linked_in_the_admin_gets_the_provider_role_and_the_link_is_recorded(
        client, root):
    # given: a person of the registry with no account, and their new account
    person = PersonFactory(name="陈静怡")
    account = UserFactory()
    # when: an administrator links it on the person's change form
    response = _change(client, person, user=account.pk)
    # then
    assert response.status_code == 302, response.content.decode()[:2000]
    person.refresh_from_db()
    assert person.user == account
    assert _may_upload(account, person)
    assert _events(person) == [
        ("role.grant", root.pk, _role(account)),
        ("person.account_link", root.pk, {"user": account.username}),
    ]


def test_an_account_replaced_in_the_admin_loses_the_role_the_new_one_gets_it(client, root):
    person = OwnAccountPersonFactory(name="周秀兰")
    old, new = person.user, UserFactory()
    assert _may_upload(old, person)
    before = len(_events(person))  # the factory's grant
    # when: the administrator puts another account in its place, and changes the phone
    response = _change(client, person, user=new.pk, phone="13900000000")
    # then
    assert response.status_code == 302, response.content.decode()[:2000]
    person.refresh_from_db()
    assert person.user == new
    assert _may_upload(new, person)
    old_client = Client()
    old_client.force_login(old)
    # the record is no longer the old account's own: it reads none of it
    assert old_client.get(f"/documents/person/{person.pk}/").status_code == 404
    # the other fields' change is the admin's event, naming no account
    assert _events(person)[before:] == [
        ("person.admin_change", root.pk, {"fields": ["phone"]}),
        ("role.revoke", root.pk, _role(old)),
        ("person.account_unlink", root.pk, {"user": old.username}),
        ("role.grant", root.pk, _role(new)),
        ("person.account_link", root.pk, {"user": new.username}),
    ]


def test_an_account_unlinked_in_the_admin_loses_the_role(client, root):
    person = OwnAccountPersonFactory()
    account = person.user
    before = len(_events(person))  # the factory's grant
    response = _change(client, person, user="")
    assert response.status_code == 302, response.content.decode()[:2000]
    person.refresh_from_db()
    assert person.user is None
    signed_in = Client()
    signed_in.force_login(account)
    assert signed_in.get(f"/documents/person/{person.pk}/").status_code == 404
    assert _events(person)[before:] == [
        ("role.revoke", root.pk, _role(account)),
        ("person.account_unlink", root.pk, {"user": account.username}),
    ]


def test_a_person_added_in_the_admin_with_an_account_gives_it_the_role(client, root):
    account = UserFactory()
    response = client.post("/admin/registry/person/add/", {
        "name": "李建国", "id_number": make_id_number(7301), "kind": "professional",
        "organization": "", "user": account.pk, "phone": "", "email": "",
        "qualification": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    person = Person.objects.get(name="李建国")
    assert person.user == account
    assert _may_upload(account, person)
    assert _events(person) == [
        ("person.admin_create", root.pk, {}),
        ("role.grant", root.pk, _role(account)),
        ("person.account_link", root.pk, {"user": account.username}),
    ]


def test_saving_with_the_same_account_grants_and_records_nothing(client, root):
    person = OwnAccountPersonFactory()
    before = _events(person)
    response = _change(client, person)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert _events(person) == before


def test_an_account_that_is_another_persons_own_is_refused_and_nothing_changes(client, root):
    theirs = OwnAccountPersonFactory()
    person = PersonFactory()
    response = _change(client, person, user=theirs.user_id, phone="13900000000")
    assert response.status_code == 200
    assert "user" in response.context["adminform"].form.errors
    person.refresh_from_db()
    assert person.user is None and person.phone == ""
    assert _events(person) == []


def test_staff_with_the_change_permission_links_through_the_service(client):
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="registry", codename__in=["view_person", "change_person"]))
    client.force_login(staff)
    person = PersonFactory()
    account = UserFactory()
    response = _change(client, person, user=account.pk)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert _may_upload(account, person)
    assert _events(person) == [
        ("role.grant", staff.pk, _role(account)),
        ("person.account_link", staff.pk, {"user": account.username}),
    ]
