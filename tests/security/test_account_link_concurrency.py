"""One account is one person's own, and a record one account's (``Person.user``, unique).
Linking them (an administrator's ``person_account_set``, an invitation to claim a record
accepted, registering oneself) locks the rows it decides on, so that of two links at once
the second is refused in words, as when they come one after the other, never a 500 on the
unique constraint. The races run on PostgreSQL with real threads (each its own
connection); the refusals one after the other, on both databases."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import translation

from registry import mail
from registry.models import Person, PersonalDataConsent
from registry.services.administration import person_account_set
from registry.services.consent import individual_register
from registry.services.membership import provider_invitation_accept, provider_invitation_create
from tests.factories import OrganizationFactory, PersonFactory, UserFactory
from tests.security.test_sanctions_concurrency import _race

RACES = 6  # links at once, each in its own thread and connection


def _at_once(calls) -> tuple[list, list]:
    """Run ``calls`` at once, in Chinese, each in its own thread and connection (the house
    race): their results ("ok", "refused" or the error) and the refusals' words."""
    words = []

    def act(call):
        with translation.override("zh-hans"):
            try:
                call()
            except ValidationError as error:
                words.append(" ".join(error.messages))
                raise

    return _race(calls, act), words


def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://… (CI does)")


@pytest.fixture
def root(db):
    return UserFactory(is_superuser=True, is_staff=True)


@pytest.fixture
def organization_with_roster(db):
    """An organization whose administrator invites each person of its roster to claim
    their record."""
    administrator = UserFactory()
    organization = OrganizationFactory(administrator=administrator)
    people = [PersonFactory(organization=organization) for _ in range(RACES)]
    return organization, administrator, people


def _invite(organization, administrator, person, email):
    invitation = provider_invitation_create(actor=administrator, organization=organization,
                                            email=email, base_url="http://testserver",
                                            person=person)
    return mail.invitation_token(invitation)


def _register(user, n):
    return lambda: individual_register(
        actor=user, personal_data_consent=True, name=f"自助注册{n}",
        id_number=PersonFactory.build().id_number, kind=Person.Kind.RETIREE)


# --- at once (PostgreSQL, threads) -------------------------------------------------------

@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("how", ["administrator", "invitation"])
def test_one_account_linked_to_several_people_at_once_is_one_persons(
        root, organization_with_roster, how):
    _postgres_only()
    organization, administrator, people = organization_with_roster
    account = UserFactory(email="coach@example.invalid")
    if how == "administrator":
        calls = [lambda p=p: person_account_set(actor=root, person=p, user=account)
                 for p in people]
        refusal = "该账号已有本人的人员记录。"
    else:
        tokens = [_invite(organization, administrator, p, account.email) for p in people]
        calls = [lambda t=t: provider_invitation_accept(actor=account, token=t)
                 for t in tokens]
        refusal = "您的账号已有本人的人员记录。"
    results, words = _at_once(calls)
    assert results.count("ok") == 1 and results.count("refused") == RACES - 1, results
    assert words == [refusal] * (RACES - 1)  # as when they come one after the other
    assert Person.objects.filter(user=account).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_administrators_link_and_a_claim_and_a_registration_at_once(
        root, organization_with_roster):
    _postgres_only()
    organization, administrator, people = organization_with_roster
    account = UserFactory(email="coach@example.invalid")
    token = _invite(organization, administrator, people[0], account.email)
    acts = [lambda: provider_invitation_accept(actor=account, token=token),
            _register(account, 0), _register(account, 1),
            *[lambda p=p: person_account_set(actor=root, person=p, user=account)
              for p in people[1:4]]]
    results, words = _at_once(acts)
    assert results.count("ok") == 1 and results.count("refused") == len(acts) - 1, results
    assert set(words) == {"该账号已有本人的人员记录。", "您的账号已有本人的人员记录。"}, words
    assert Person.objects.filter(user=account).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_registering_oneself_twice_at_once_registers_once():
    _postgres_only()
    account = UserFactory()
    id_number = PersonFactory.build().id_number
    results, words = _at_once([lambda: individual_register(
        actor=account, personal_data_consent=True, name="双击注册", id_number=id_number,
        kind=Person.Kind.RETIREE) for _ in range(RACES)])
    assert results.count("ok") == 1 and results.count("refused") == RACES - 1, results
    # the second registration finds the first's record (its ID number): in words
    assert set(words) == {"该身份证号码的人员已经登记。"}, words
    assert Person.objects.filter(user=account).count() == 1
    assert PersonalDataConsent.objects.filter(person__user=account).count() == 1


# --- one after the other (both databases) ------------------------------------------------

@pytest.mark.django_db
def test_one_after_the_other_the_second_link_is_refused_in_the_users_language(
        root, organization_with_roster):
    organization, administrator, people = organization_with_roster
    account = UserFactory(email="coach@example.invalid")
    person_account_set(actor=root, person=people[0], user=account)
    token = _invite(organization, administrator, people[1], account.email)
    with translation.override("zh-hans"):
        with pytest.raises(ValidationError) as linked:
            person_account_set(actor=root, person=people[2], user=account)
        assert linked.value.message_dict == {"user": ["该账号已有本人的人员记录。"]}
        with pytest.raises(ValidationError) as claimed:
            provider_invitation_accept(actor=account, token=token)
        assert claimed.value.message_dict == {"token": ["您的账号已有本人的人员记录。"]}
        with pytest.raises(ValidationError) as registered:
            _register(account, 9)()
        assert registered.value.messages == ["该账号已有本人的人员记录。"]
    assert list(Person.objects.filter(user=account)) == [people[0]]


# --- one identifier registered by several accounts at once (PostgreSQL, threads) ---------

@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_one_id_number_registered_by_several_accounts_at_once_is_registered_once():
    """Each its own account: no lock is shared, and each asks whether the ID number is taken
    before any has saved; the unique constraint decides, and the others are refused in the
    words of one that comes later (a 500 before)."""
    _postgres_only()
    id_number = PersonFactory.build().id_number
    accounts = [UserFactory() for _ in range(RACES)]
    results, words = _at_once([lambda a=a: individual_register(
        actor=a, personal_data_consent=True, name="同号注册", id_number=id_number,
        kind=Person.Kind.RETIREE) for a in accounts])
    assert results.count("ok") == 1 and results.count("refused") == RACES - 1, results
    assert set(words) == {"该身份证号码的人员已经登记。"}, words
    assert Person.objects.filter(id_number=id_number).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_one_uscc_registered_by_several_accounts_at_once_is_registered_once():
    _postgres_only()
    from registry.identifiers import make_uscc
    from registry.models import Jurisdiction, Organization
    from registry.services import organization_register

    uscc, county = make_uscc(987_654), Jurisdiction.objects.get(code="360102")
    accounts = [UserFactory() for _ in range(RACES)]
    results, words = _at_once([lambda a=a: organization_register(
        actor=a, name="南昌市同码培训有限公司", uscc=uscc, registration_kind="company",
        legal_representative="王五", county=county, address="东湖区八一大道1号",
        contact_name="王五", contact_phone="13800000000") for a in accounts])
    assert results.count("ok") == 1 and results.count("refused") == RACES - 1, results
    assert len(set(words)) == 1 and "统一社会信用代码" in words[0], words
    assert Organization.objects.filter(uscc=uscc).count() == 1
