"""The web pages of ties and consent: the person answers in their own account, the school
invites without learning who is registered, the access log shows who looked."""

import pytest
from django.test import Client

from documents.models import Document, PersonalDataAccess
from registry import services as registry_services
from registry.models import RecordQueryConsent, SchoolInvitation
from registry.roles import Role
from tests.factories import PersonFactory, SchoolFactory, UserFactory
from tests.workflows.conftest import upload_all
from workflows.services import checks, vetting

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def school_with_user(world):
    """A school (any county) and its user (``school.user``)."""
    school = SchoolFactory()
    school.user = UserFactory()
    registry_services.role_grant(actor=world.root, user=school.user, role=Role.SCHOOL,
                                 target=school)
    return school


@pytest.fixture
def school(world):
    return school_with_user(world)


@pytest.fixture
def person(world):
    user = UserFactory()
    person = PersonFactory(user=user, kind="volunteer")
    registry_services.role_grant(actor=world.root, user=user, role=Role.PROVIDER, target=person)
    return person


def test_the_school_invites_and_the_person_accepts_and_consents_on_the_web(
        world, school, person):
    page = _client(school.user).get("/registry/school/invitations/")
    assert page.status_code == 200 and "邀请" in page.content.decode()
    for name, number in ((person.name, person.id_number), ("无此人", "11010519491231002X")):
        answer = _client(school.user).post("/registry/school/invitations/", {
            "school": school.pk, "name": name, "id_number": number}, follow=True)
        assert "如有姓名和身份证号相符的已注册人员" in answer.content.decode()
    # both are kept for the school; only the one that matched reaches a person
    invitation, unmatched = SchoolInvitation.objects.order_by("pk")
    assert (invitation.person, unmatched.person) == (person, None)

    own = _client(person.user)
    page = own.get("/registry/me/privacy/")
    assert page.status_code == 200 and school.name in page.content.decode()
    # the school cannot answer in the person's place, nor reach the person's page
    assert _client(school.user).post(f"/registry/me/invitations/{invitation.pk}/",
                                     {"action": "accept"}).status_code == 403
    assert own.post(f"/registry/me/invitations/{invitation.pk}/", {"action": "accept"},
                    REMOTE_ADDR="192.0.2.9").status_code == 302
    invitation.refresh_from_db()
    assert (invitation.status, invitation.answered_from) == ("accepted", "192.0.2.9")

    refused = own.post("/registry/me/privacy/", {"bureau": world.bureau.pk, "purpose": "vetting"})
    assert refused.status_code == 400  # the consent box not ticked
    assert not RecordQueryConsent.objects.exists()
    assert own.post("/registry/me/privacy/", {"bureau": world.bureau.pk, "purpose": "vetting",
                                              "confirm": "on"}).status_code == 302
    consent = RecordQueryConsent.objects.get()
    assert consent.given_by == person.user
    assert checks.consent_counts(person, world.bureau)
    assert own.post(f"/registry/me/consents/{consent.pk}/withdraw/").status_code == 302
    assert not checks.consent_counts(person, world.bureau)


def test_the_access_log_pages(world, person):
    person.organization = world.organization
    person.save(update_fields=["organization"])
    upload_all(world.provider, person)
    vetting.vetting_start(actor=world.provider, person=person, bureau=world.bureau)
    card = Document.objects.get(person=person, document_type__code="id_card")
    assert _client(world.clerk).get(f"/documents/{card.pk}/download/").status_code == 200
    assert PersonalDataAccess.objects.count() == 1

    mine = _client(person.user).get("/documents/access-log/")
    assert mine.status_code == 200
    text = mine.content.decode()
    # (the reader's own username, in their menu, may begin with the clerk's: "user11")
    assert world.bureau.name in text and f">{world.clerk.username}<" not in text
    log = _client(world.admin).get("/documents/access-log/?scope=bureau")
    # the administrator reads who looked by name ("用户 N" without one), never by username
    assert log.status_code == 200 and f"用户 {world.clerk.pk}" in log.content.decode()
    assert f">{world.clerk.username}<" not in log.content.decode()
    assert person.id_number not in log.content.decode()
    for user in (world.clerk, world.provider):
        assert _client(user).get("/documents/access-log/?scope=bureau").status_code == 403
    assert _client(world.clerk).get("/documents/access-log/").status_code == 403


def test_the_person_sees_what_is_held_about_them_and_where_to_correct_it(world, person):
    """我的个人信息与同意 names what the registry holds about the person (the ID number
    masked) and leads to where each fact is corrected; the edit form opens from that link."""
    person.phone, person.email, person.qualification = "13900001111", "me@example.cn", "二级运动员"
    person.save(update_fields=["phone", "email", "qualification"])
    own = _client(person.user)
    page = own.get("/registry/me/privacy/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    held = page.content.decode().split('id="data-held"')[1].split("</section>")[0]
    for fact in (person.name, person.masked_id, "志愿者", "13900001111", "me@example.cn",
                 "二级运动员"):
        assert fact in held, fact
    assert person.id_number not in page.content.decode()
    edit = f"/registry/portal/people/{person.pk}/?edit=1"
    assert f'href="{edit}' in held and f'href="/documents/person/{person.pk}/"' in held
    assert "身份证号码" in held and "教育局" in held  # how the number itself is corrected
    form = own.get(edit, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "<details open>" in form and 'value="13900001111"' in form
