"""An organization that took someone off its staff roster (by mistake, or who has come
back) adds them again the way it added them the first time: the same record returns to
its roster. Anyone else typing that ID number is refused as before."""

import pytest

from registry.identifiers import make_id_number, make_uscc
from registry.models import AuditEvent, Organization, Person
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
NUMBER = make_id_number(41)
SUN = {"person-name": "孙八", "person-id_number": NUMBER, "person-kind": "professional",
       "person-phone": "", "person-personal_data_consent_attested": "on"}


def _organization(client, donghu, n: int, name: str) -> Organization:
    client.force_login(UserFactory())
    client.post("/registry/portal/register/", {
        "name": name, "uscc": make_uscc(n, prefix="12"), "provider_kind": "public_venue",
        "registration_kind": "public_institution", "legal_representative": "赵六",
        "county": donghu.pk, "address": "南昌市东湖区八一大道1号", "contact_name": "钱七",
        "contact_phone": "0791-86000000"})
    return Organization.objects.get(name=name)


def test_a_person_taken_off_the_roster_is_added_back(client, donghu):
    venue = _organization(client, donghu, 777, "南昌市青少年宫")
    page = f"/registry/portal/organizations/{venue.pk}/"
    client.post(page, SUN)
    sun = Person.objects.get()
    assert client.post(f"/registry/portal/people/{sun.pk}/remove/").status_code == 302
    sun.refresh_from_db()
    assert sun.organization is None

    # when the administrator adds them again, as the first time
    added = client.post(page, {**SUN, "person-phone": "13900000000"},
                        HTTP_ACCEPT_LANGUAGE="zh-hans")
    # then the same record is back on the roster
    assert added.status_code == 302, added.content.decode()[:3000]
    sun.refresh_from_db()
    assert (sun.organization, sun.phone, Person.objects.count()) == (venue, "13900000000", 1)
    assert AuditEvent.objects.for_object(sun).filter(action="roster.return").exists()
    assert "孙八" in client.get(page).content.decode()


def test_another_organization_typing_the_number_is_refused_as_before(client, donghu):
    venue = _organization(client, donghu, 777, "南昌市青少年宫")
    client.post(f"/registry/portal/organizations/{venue.pk}/", SUN)
    sun = Person.objects.get()
    client.post(f"/registry/portal/people/{sun.pk}/remove/")
    other = _organization(client, donghu, 778, "南昌市另一家机构")
    refused = client.post(f"/registry/portal/organizations/{other.pk}/", SUN,
                          HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert refused.status_code == 400
    sun.refresh_from_db()
    assert sun.organization is None
