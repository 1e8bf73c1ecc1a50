"""The person's separate consent (单独同意, PIPL) to the registry holding their ID number and
phone, asked where they first enter the number themselves: on the web (个人注册) and through
the API. Without the box ticked nothing is saved; with it, who, when, which text and from
which address are recorded, audited, and shown on the person's privacy page. A person
registered before it was asked (or by their organization) is told that no separate consent
is on record, and may give it there."""

import datetime
import hashlib

import pytest
from django.test import Client
from django.utils import timezone, translation

from registry import services
from registry.identifiers import make_id_number
from registry.models import AuditEvent, Person
from registry.roles import Role
from tests.factories import OrganizationFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

REGISTER = "/registry/portal/individual/"
PRIVACY = "/registry/me/privacy/"


def _consent_model():
    # imported here: each test says for itself what is missing
    from registry.models import PersonalDataConsent

    return PersonalDataConsent


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _individual(**overrides) -> dict:
    return {"name": "周九", "id_number": make_id_number(4301), "kind": "volunteer",
            "phone": "13912345678", **overrides}


def _checkbox(html: str) -> str:
    start = html.index('name="personal_data_consent"')
    return html[html.rindex("<input", 0, start):html.index(">", start) + 1]


def test_the_individual_form_asks_a_separate_unticked_consent_in_plain_words():
    page = _client(UserFactory()).get(REGISTER)
    assert page.status_code == 200
    html = page.content.decode()
    box = _checkbox(html)
    assert 'type="checkbox"' in box and "checked" not in box
    # what, why, who, how long and the rights, in words a person reads
    for words in ("居民身份证号码", "电话号码", "核验您的身份", "入职查询", "教育局审核人员",
                  "保存多久", "查看", "更正", "单独同意"):
        assert words in html, words


def test_without_the_consent_nothing_is_saved_and_the_form_says_why():
    user = UserFactory()
    response = _client(user).post(REGISTER, _individual())
    assert response.status_code == 400
    errors = response.content.decode().split('id="id_personal_data_consent_errors"')
    assert len(errors) == 2 and "请勾选单独同意" in errors[1].split("</ul>")[0]
    assert not Person.objects.exists()
    assert not _consent_model().objects.exists()
    assert not AuditEvent.objects.filter(action="person.register").exists()


def test_the_consent_is_recorded_with_who_when_which_text_and_from_where():
    user = UserFactory()
    before = timezone.now()
    response = _client(user).post(REGISTER, {**_individual(), "personal_data_consent": "on"},
                                  REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 302
    person = Person.objects.get(user=user)
    model = _consent_model()
    consent = model.objects.get()
    assert consent.person == person and consent.given_by == user
    assert consent.version == model.VERSION
    assert consent.given_from == "203.0.113.7"
    assert before <= consent.given_at <= timezone.now()
    event = AuditEvent.objects.get(action="person.data_consent")
    assert event.actor == user and event.data["version"] == model.VERSION


def test_the_privacy_page_shows_the_consent_given_at_registration():
    user = UserFactory()
    client = _client(user)
    client.post(REGISTER, {**_individual(), "personal_data_consent": "on"},
                REMOTE_ADDR="203.0.113.7")
    consent = _consent_model().objects.get()
    page = client.get(PRIVACY)
    assert page.status_code == 200
    section = page.content.decode().split('id="data-consent"')[1].split("</section>")[0]
    assert "已单独同意" in section
    assert consent.version in section
    assert timezone.localtime(consent.given_at).strftime("%Y年%-m月%-d日") in section
    assert "尚无单独同意记录" not in section


def test_a_person_registered_before_is_told_none_is_on_record_and_may_give_it():
    # a person registered before the consent was asked: her pages still work
    user = UserFactory()
    person = PersonFactory(user=user, organization=None)
    client = _client(user)
    page = client.get(PRIVACY)
    assert page.status_code == 200
    section = page.content.decode().split('id="data-consent"')[1].split("</section>")[0]
    assert "尚无单独同意记录" in section
    assert 'name="personal_data_consent"' in section
    # given without the box ticked: refused, nothing recorded
    refused = client.post(PRIVACY, {"action": "data-consent"})
    assert refused.status_code == 400 and "请勾选单独同意" in refused.content.decode()
    assert not _consent_model().objects.exists()
    # ticked: recorded, and the page says so
    given = client.post(PRIVACY, {"action": "data-consent", "personal_data_consent": "on"})
    assert given.status_code == 302
    assert _consent_model().objects.get().person == person
    assert "已单独同意" in client.get(PRIVACY).content.decode()


def test_registering_oneself_through_the_api_needs_the_consent_too():
    user = UserFactory(email="zhoujiu@example.cn")
    client = _client(user)
    body = {"name": "周九", "id_number": make_id_number(4302), "kind": "volunteer"}
    refused = client.post("/api/v1/people/", body, content_type="application/json")
    assert refused.status_code == 400
    assert "请勾选单独同意" in str(refused.json()["personal_data_consent"])
    assert not Person.objects.exists()
    made = client.post("/api/v1/people/", {**body, "personal_data_consent": True},
                       content_type="application/json")
    assert made.status_code == 201, made.content
    assert _consent_model().objects.get().person_id == made.json()["id"]


def test_an_organization_adding_its_staff_through_the_api_records_no_consent_for_them():
    # the staff member is not the one typing: their consent is theirs to give, in their
    # account; the organization's attestation that it holds their signed form is not it
    # (tests/registry/test_staff_data_consent_attestation.py)
    user = UserFactory()
    organization = OrganizationFactory()
    services.role_grant(actor=None, user=user, role=Role.PROVIDER, target=organization)
    made = _client(user).post("/api/v1/people/", {
        "organization": organization.pk, "name": "钱七", "id_number": make_id_number(4303),
        "kind": "volunteer", "personal_data_consent_attested": True},
        content_type="application/json")
    assert made.status_code == 201, made.content
    assert not _consent_model().objects.filter(kind="self").exists()


def test_the_consent_text_cannot_change_without_its_version():
    # a consent is to the text it names: change a word of the text, change VERSION (and here)
    # (the words in both languages: the Chinese is what most people read and consent to)
    model = _consent_model()
    words = ""
    for language in ("zh-hans", "en"):
        with translation.override(language):
            words += "\n".join(str(point) for point in (*model.POINTS, model.LABEL))
    assert (model.VERSION, hashlib.sha256(words.encode()).hexdigest()[:12]) == (
        "2026-05", "e6b3048b6a7a")


def test_a_consent_older_than_the_text_in_force_asks_again():
    user = UserFactory()
    person = PersonFactory(user=user, organization=None)
    model = _consent_model()
    old = model.objects.create(person=person, version="2000-01", given_by=user)
    model.objects.filter(pk=old.pk).update(given_at=timezone.now() - datetime.timedelta(days=9))
    section = _client(user).get(PRIVACY).content.decode().split('id="data-consent"')[1]
    section = section.split("</section>")[0]
    assert "2000-01" in section and 'name="personal_data_consent"' in section
