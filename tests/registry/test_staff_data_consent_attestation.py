"""An organization adding a staff member (who usually has no account yet) gives the registry
their ID number: it must attest, per person, that it holds the person's signed separate
consent form (个人信息单独同意书, PIPL art. 29), on the web (an unticked box under the points
the form covers) and through the API (``personal_data_consent_attested: true``). Without it:
400 in the user's language and nothing saved; with it, who attested, for whom, when, which
text and from which address, audited. The person's privacy page later shows the attestation
and still asks their own consent; the admin shows the rows and never writes them."""

import hashlib

import pytest
from django.db import IntegrityError
from django.test import Client
from django.utils import timezone, translation

from registry import services
from registry.identifiers import make_id_number
from registry.models import AuditEvent, Person, PersonalDataConsent
from registry.roles import Role
from tests.factories import OrganizationFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

PRIVACY = "/registry/me/privacy/"
ATTESTED = "personal_data_consent_attested"


def _provider():
    user, organization = UserFactory(), OrganizationFactory(name="南昌市青少年宫")
    services.role_grant(actor=None, user=user, role=Role.PROVIDER, target=organization)
    client = Client()
    client.force_login(user)
    return client, user, organization


def _web(number: int, **extra) -> dict:
    return {"person-name": "钱七", "person-id_number": make_id_number(number),
            "person-kind": "professional", "person-phone": "", **extra}


def _api(organization, number: int, **extra) -> dict:
    return {"organization": organization.pk, "name": "钱七",
            "id_number": make_id_number(number), "kind": "professional", **extra}


def _nothing_saved():
    assert not Person.objects.exists()
    assert not PersonalDataConsent.objects.exists()
    assert not AuditEvent.objects.filter(
        action__in=["person.register", "person.data_consent_attested"]).exists()


def _section(html: str) -> str:
    return html.split('id="data-consent"')[1].split("</section>")[0]


def test_the_staff_form_asks_the_attestation_unticked_in_plain_words():
    client, _user, organization = _provider()
    html = client.get(f"/registry/portal/organizations/{organization.pk}/").content.decode()
    start = html.index(f'name="person-{ATTESTED}"')
    box = html[html.rindex("<input", 0, start):html.index(">", start) + 1]
    assert 'type="checkbox"' in box and "checked" not in box
    notice = html.split('id="staff-consent-notice"')[1].split("</fieldset>")[0]
    for words in ("个人信息单独同意书", "敏感个人信息", "每添加一人", "居民身份证号码",
                  "入职查询", "本机构持有此人签署的"):
        assert words in notice, words


def test_on_the_web_without_the_attestation_nothing_is_saved_and_the_form_says_why():
    client, _user, organization = _provider()
    response = client.post(f"/registry/portal/organizations/{organization.pk}/", _web(4401))
    assert response.status_code == 400
    errors = response.content.decode().split(f'id="id_person-{ATTESTED}_errors"')
    assert len(errors) == 2 and "请勾选确认本机构持有此人签署的单独同意书" in errors[1]
    _nothing_saved()


def test_on_the_web_the_attestation_is_recorded_with_who_whom_when_text_and_address():
    client, user, organization = _provider()
    before = timezone.now()
    response = client.post(f"/registry/portal/organizations/{organization.pk}/",
                           _web(4402, **{f"person-{ATTESTED}": "on"}),
                           REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 302
    person = Person.objects.get()
    attestation = PersonalDataConsent.objects.get()
    assert (attestation.person, attestation.kind, attestation.organization,
            attestation.given_by, attestation.version, attestation.given_from) == (
        person, "attested", organization, user, PersonalDataConsent.VERSION, "203.0.113.9")
    assert before <= attestation.given_at <= timezone.now()
    event = AuditEvent.objects.get(action="person.data_consent_attested")
    assert event.actor == user and event.data == {
        "person": person.pk, "organization": organization.pk,
        "version": PersonalDataConsent.VERSION}


def test_through_the_api_the_attestation_is_required_in_the_callers_language():
    client, _user, organization = _provider()
    missing = client.post("/api/v1/people/", _api(organization, 4403),
                          content_type="application/json")
    assert missing.status_code == 400
    assert "请勾选确认本机构持有此人签署的单独同意书" in str(missing.json()[ATTESTED])
    refused = client.post("/api/v1/people/", _api(organization, 4403, **{ATTESTED: False}),
                          content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400
    assert "hold this person's signed separate consent form" in str(refused.json()[ATTESTED])
    _nothing_saved()


def test_through_the_api_the_attestation_is_recorded():
    client, user, organization = _provider()
    made = client.post("/api/v1/people/", _api(organization, 4404, **{ATTESTED: True}),
                       content_type="application/json", REMOTE_ADDR="198.51.100.4")
    assert made.status_code == 201, made.content
    attestation = PersonalDataConsent.objects.get()
    assert (attestation.person_id, attestation.kind, attestation.given_by,
            attestation.given_from) == (made.json()["id"], "attested", user, "198.51.100.4")
    assert AuditEvent.objects.filter(action="person.data_consent_attested",
                                     actor=user).count() == 1


def test_the_persons_privacy_page_shows_the_attestation_and_still_asks_their_own():
    client, _user, organization = _provider()
    client.post(f"/registry/portal/organizations/{organization.pk}/",
                _web(4405, **{f"person-{ATTESTED}": "on"}))
    person = Person.objects.get()
    own = UserFactory()
    Person.objects.filter(pk=person.pk).update(user=own)  # later claims their record
    mine = Client()
    mine.force_login(own)
    attestation = PersonalDataConsent.objects.get()
    section = _section(mine.get(PRIVACY).content.decode())
    day = timezone.localtime(attestation.given_at).strftime("%Y年%-m月%-d日")
    assert "您所在的机构南昌市青少年宫已于" in section and day in section
    assert "您本人尚未在此给出同意" in section
    assert "尚无单独同意记录" not in section and "已单独同意" not in section
    assert 'name="personal_data_consent"' in section
    # the person's own consent, the stronger, is recorded beside the organization's word
    given = mine.post(PRIVACY, {"action": "data-consent", "personal_data_consent": "on"})
    assert given.status_code == 302
    assert sorted(PersonalDataConsent.objects.values_list("kind", "given_by")) == [
        ("attested", attestation.given_by_id), ("self", own.pk)]
    section = _section(mine.get(PRIVACY).content.decode())
    assert "已单独同意" in section and "南昌市青少年宫已于" in section
    assert "您本人尚未在此给出同意" not in section
    assert 'name="personal_data_consent"' not in section


def test_an_attestation_names_its_organization():
    person = PersonFactory()
    with pytest.raises(IntegrityError):
        PersonalDataConsent.objects.create(person=person, kind="attested", version="2026-05",
                                           given_by=UserFactory())


def test_the_admin_lists_the_consents_and_never_writes_them(admin_client):
    person = PersonFactory(name="钱七")
    consent = PersonalDataConsent.objects.create(person=person, version="2026-05",
                                                 given_by=UserFactory())
    listed = admin_client.get("/admin/registry/personaldataconsent/")
    assert listed.status_code == 200 and "钱七" in listed.content.decode()
    assert admin_client.get("/admin/registry/personaldataconsent/add/").status_code == 403
    assert admin_client.get(
        f"/admin/registry/personaldataconsent/{consent.pk}/delete/").status_code == 403
    admin_client.post(f"/admin/registry/personaldataconsent/{consent.pk}/change/",
                      {"version": "1999-01"})
    consent.refresh_from_db()
    assert consent.version == "2026-05"


def test_the_attestation_text_cannot_change_without_the_version():
    # an attestation is to the text it names: change a word, change VERSION (and here)
    words = ""
    for language in ("zh-hans", "en"):
        with translation.override(language):
            words += "\n".join(str(text) for text in (
                *PersonalDataConsent.POINTS, PersonalDataConsent.ATTESTATION_LABEL))
    assert (PersonalDataConsent.VERSION, hashlib.sha256(words.encode()).hexdigest()[:12]) == (
        "2026-05", "858f836e05d6")
