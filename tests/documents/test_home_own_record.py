"""The documents home page (``/documents/``) lists the person's own record to the account that
is that person (``Person.user``), with or without the provider role on it, as their own
documents page lets them read it (PIPL art. 45): apart from what they keep, to read only.

Before, it listed only the records the account held the provider role on: a person whose
role was taken away read "暂无与您相关的内容" on the page that should lead to what is held
about them."""

import pytest
from django.test import Client

from registry import services as registry_services
from registry.roles import Role
from tests.factories import OwnAccountPersonFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

HOME = "/documents/"
TO_READ = {"zh-hans": "登记的您本人的材料（仅供查阅）：",
           "en": "Documents held about you, to read:"}
TO_KEEP = {"zh-hans": "您负责维护以下对象的材料：", "en": "Documents you keep for:"}
NOTHING = {"zh-hans": "暂无与您相关的内容。", "en": "There is nothing here for you yet."}


def _home(user, language: str) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(HOME, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def _link(person) -> str:
    return f'href="/documents/person/{person.pk}/"'


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_person_whose_role_was_taken_away_finds_their_record_to_read(language):
    # given: a person in their own account, the provider role on their record taken away
    person = OwnAccountPersonFactory(name="周秀兰")
    registry_services.role_revoke(actor=None, user=person.user, role=Role.PROVIDER,
                                  target=person)
    # when
    page = _home(person.user, language)
    # then: listed, to read, and the page leads to it
    assert TO_READ[language] in page and _link(person) in page
    assert TO_KEEP[language] not in page and NOTHING[language] not in page
    assert Client().get(f"/documents/person/{person.pk}/").status_code == 302  # sign in
    signed_in = Client()
    signed_in.force_login(person.user)
    assert signed_in.get(f"/documents/person/{person.pk}/").status_code == 200


def test_an_account_linked_to_its_record_without_the_role_finds_it_to_read():
    person = PersonFactory(user=UserFactory(), name="陈静怡")
    page = _home(person.user, "zh-hans")
    assert TO_READ["zh-hans"] in page and _link(person) in page
    assert page.count(_link(person)) == 1


def test_a_person_with_the_provider_role_finds_their_record_once_among_those_they_keep():
    person = OwnAccountPersonFactory()
    page = _home(person.user, "zh-hans")
    assert TO_KEEP["zh-hans"] in page and page.count(_link(person)) == 1
    assert TO_READ["zh-hans"] not in page


def test_nobody_else_is_led_to_the_record():
    person = PersonFactory(user=UserFactory())
    page = _home(UserFactory(), "zh-hans")
    assert _link(person) not in page and TO_READ["zh-hans"] not in page
    assert NOTHING["zh-hans"] in page
