"""A school's invitation is kept whether or not it reached a registered person: as typed,
masked, with a keyed digest of the number (never the number), one live per school, number
and name; only a person it reached answers it."""

import hashlib
import json

import pytest
from django.core.exceptions import PermissionDenied

from registry import notifications, selectors, services
from registry.identifiers import make_id_number
from registry.models import AuditEvent, SchoolInvitation
from registry.roles import Role
from registry.validators import id_number_digest
from tests.factories import PersonFactory, SchoolFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def school():
    school = SchoolFactory()
    school.user = UserFactory()
    services.role_grant(actor=None, user=school.user, role=Role.SCHOOL, target=school)
    return school


@pytest.fixture
def told(monkeypatch):
    """Who was notified, user by user."""
    told_users = []
    monkeypatch.setattr(notifications, "notify",
                        lambda *, users=(), **_kw: told_users.extend(users))
    return told_users


def _invite(school, name, number):
    return services.school_invite(actor=school.user, school=school, id_number=number, name=name)


def test_an_invitation_is_kept_whether_or_not_it_reaches_anyone(school, told):
    person = PersonFactory(user=UserFactory(), name="张三")
    nobody = make_id_number(987)
    # the number typed with spaces around (and any check letter in lower case) is the same
    reached = _invite(school, " 张三 ", f" {person.id_number.lower()} ")
    missed = _invite(school, "李四", nobody.lower())
    assert (reached.person, missed.person) == (person, None)
    assert [(i.invited_name, i.masked_id_number) for i in (reached, missed)] == [
        ("张三", person.id_number[:4] + "*" * 10 + person.id_number[-4:]),
        ("李四", nobody[:4] + "*" * 10 + nobody[-4:])]
    assert reached.id_number_digest == id_number_digest(person.id_number)
    # a keyed digest: not the bare hash of the number, which anyone could recompute
    assert missed.id_number_digest != hashlib.sha256(nobody.encode()).hexdigest()
    assert len(missed.id_number_digest) == 64
    # the school lists both; only the person reached is told, and sees only theirs
    assert set(selectors.invitations_of_schools([school.pk])) == {reached, missed}
    assert list(selectors.invitations_for_person(person)) == [reached]
    assert told == [person.user]


def test_the_digest_is_keyed_by_the_secret_key(settings):
    number = make_id_number(5)
    first = id_number_digest(number)
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    assert id_number_digest(number) != first


def test_the_same_number_and_name_again_while_live_is_the_same_invitation(school, told):
    person = PersonFactory(user=UserFactory(), name="张三")
    nobody = make_id_number(987)
    for name, number in (("张三", person.id_number), ("李四", nobody)):
        first = _invite(school, name, number)
        assert _invite(school, f" {name}", number) == first
    assert SchoolInvitation.objects.count() == 2
    assert told == [person.user]  # the person is not told twice
    # another name with the same number is another invitation (and matches nobody)
    other = _invite(school, "张山", person.id_number)
    assert other.person is None and SchoolInvitation.objects.count() == 3
    # once no longer live, the same number and name may be invited again
    for invitation in SchoolInvitation.objects.filter(status="pending"):
        services.invitation_withdraw(actor=school.user, invitation=invitation)
    again = _invite(school, "张三", person.id_number)
    assert again.person == person and again.status == "pending"
    assert SchoolInvitation.objects.count() == 4


def test_a_renamed_person_is_not_invited_twice_by_the_same_school(school):
    person = PersonFactory(user=UserFactory(), name="张三")
    first = _invite(school, "张三", person.id_number)
    person.name = "张珊"
    person.save(update_fields=["name"])
    second = _invite(school, "张珊", person.id_number)
    # kept for the school, reading as any other, but the person has one to answer already
    assert second != first and second.person is None
    assert list(selectors.invitations_for_person(person)) == [first]


def test_nobody_answers_an_invitation_that_reached_nobody(school):
    missed = _invite(school, "李四", make_id_number(987))
    someone = PersonFactory(user=UserFactory(), name="李四")
    for actor in (school.user, someone.user):
        for accept in (True, False):
            with pytest.raises(PermissionDenied):
                services.invitation_answer(actor=actor, invitation=missed, accept=accept)
    with pytest.raises(PermissionDenied):
        services.invitation_withdraw(actor=someone.user, invitation=missed)
    missed.refresh_from_db()
    assert missed.status == "pending"
    # the school may withdraw it
    services.invitation_withdraw(actor=school.user, invitation=missed)
    missed.refresh_from_db()
    assert (missed.status, missed.answered_at is None, missed.withdrawn_at is not None) == (
        "withdrawn", True, True)


def test_the_school_is_told_who_it_reached_only_once_they_answer(school):
    person = PersonFactory(user=UserFactory(), name="张三")
    withdrawn_by_school = _invite(school, "张三", person.id_number)
    services.invitation_withdraw(actor=school.user, invitation=withdrawn_by_school)
    withdrawn_by_school.refresh_from_db()
    assert not withdrawn_by_school.answered_by_person
    declined = _invite(school, "张三", person.id_number)
    services.invitation_answer(actor=person.user, invitation=declined, accept=False)
    declined.refresh_from_db()
    assert declined.answered_by_person
    withdrawn_by_person = _invite(school, "张三", person.id_number)
    services.invitation_withdraw(actor=person.user, invitation=withdrawn_by_person)
    withdrawn_by_person.refresh_from_db()
    assert withdrawn_by_person.answered_by_person


def test_every_invitation_is_audited_and_no_audit_holds_the_number(school):
    person = PersonFactory(user=UserFactory(), name="张三")
    nobody = make_id_number(987)
    reached = _invite(school, "张三", person.id_number)
    missed = _invite(school, "李四", nobody)
    services.invitation_withdraw(actor=school.user, invitation=missed)
    created = AuditEvent.objects.filter(action="invitation.create").order_by("pk")
    assert [(e.target_id, e.data) for e in created] == [
        (str(reached.pk), {"school": school.pk}), (str(missed.pk), {"school": school.pk})]
    # the two read alike: the target as typed and masked, the same data
    assert [e.target_repr for e in created] == [str(reached), str(missed)]
    assert person.name in created[0].target_repr and "*" in created[0].target_repr
    assert AuditEvent.objects.filter(action="invitation.withdrawn",
                                     target_id=str(missed.pk)).count() == 1
    for event in AuditEvent.objects.all():
        text = " ".join([json.dumps(event.data, ensure_ascii=False), event.target_repr,
                         event.reason, event.from_state, event.to_state])
        for number in (person.id_number, nobody):
            assert number not in text and id_number_digest(number) not in text
    # nor does the invitation itself hold the number
    for invitation in (reached, missed):
        stored = " ".join(str(getattr(invitation, f.attname))
                          for f in SchoolInvitation._meta.concrete_fields)
        assert person.id_number not in stored and nobody not in stored
