"""A person being vetted reads what the bureau holds about them (个人信息保护法 art. 44/45):
signed in to their own account, on their own case page, they see their documents (the type,
the file, the clerk's verdict) and open each through the same signed, permission-checked
address the bureau's staff use; their own documents page agrees.

That is the account's due as the person the record is (``Person.user``), not a provider role
on the record: an account a bureau's administrator linked to the person's record (their
organization uploaded the documents), or a person whose provider role was since taken away
(they uploaded them themselves), read "没有您可以查阅的材料" on their own case and were
refused their own documents page.

Nobody else gains anything: another person, another organization, a school (even the one
that asked for the vetting), the public see none of it; the organization's staff see its
staff member's documents as before; the record query's result (not a document) stays the
clerk's and the approver's."""

import re

import pytest
from django.test import Client

from documents.models import Document, PersonalDataAccess
from registry import services as registry_services
from registry.identifiers import make_id_number
from registry.models import Person
from registry.roles import Role
from tests.factories import PersonFactory, SchoolFactory, UserFactory
from tests.samples import PDF
from tests.workflows.conftest import clerk_verifies, upload_all
from workflows.models import VettingProcess
from workflows.services import vetting

pytestmark = pytest.mark.django_db

REFERENCE = "NC-2026-PIPL-0044"  # the record query's reference: the bureau's only
NOTHING = "没有您可以查阅的材料"


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _bytes(response) -> bytes:
    return (b"".join(response.streaming_content) if response.streaming
            else response.content)


def _linked_by_the_bureau(w) -> tuple[Person, VettingProcess]:
    """A staff member of the organization, whose account a bureau's administrator linked to
    their record (as in the admin: ``Person.user``, no role); their organization uploaded
    their documents and asked for the vetting."""
    person = PersonFactory(organization=w.organization, user=UserFactory(), name="陈静怡")
    upload_all(w.provider, person)
    case = vetting.vetting_start(actor=w.provider, person=person, bureau=w.bureau)
    return person, case


def _role_taken_away(w) -> tuple[Person, VettingProcess]:
    """An individual who registered alone, uploaded their documents and applied on the web;
    their provider role on their own record was since taken away (by an administrator)."""
    client = _client(UserFactory())
    assert client.post("/registry/portal/individual/", {
        "name": "周秀兰", "id_number": make_id_number(4401), "kind": "retiree", "phone": "",
        "personal_data_consent": "on"}).status_code == 302
    person = Person.objects.get(name="周秀兰")
    upload_all(person.user, person)
    assert client.post("/selection/vetting/apply/", {"bureau": w.bureau.pk,
                                                     "consent": "on"}).status_code == 302
    registry_services.role_revoke(actor=w.root, user=person.user, role=Role.PROVIDER,
                                  target=person)
    return person, VettingProcess.objects.get(person=person)


@pytest.fixture(params=[_linked_by_the_bureau, _role_taken_away],
                ids=["linked-by-the-bureau", "role-taken-away"])
def own(request, world):
    """(person, their vetting case, checked by the clerk: documents verified, the record
    query recorded clear)."""
    person, case = request.param(world)
    assert not person.user.has_perm("registry.act_for_person", person)
    case = clerk_verifies(world.clerk, case, reference=REFERENCE)
    return person, case


def _documents_table(page: str) -> str:
    match = re.search(r'<table class="mdc-data-table__table case-documents">.*?</table>', page,
                      flags=re.S)
    return match.group(0) if match else ""


def _links(page: str) -> list[str]:
    return re.findall(r'href="(/documents/\d+/view/\?t=[^"]+)"', _documents_table(page))


def test_the_person_reads_their_documents_on_their_own_case_page(world, own):
    person, case = own
    client = _client(person.user)
    documents = list(Document.objects.filter(person=person, superseded_at=None))
    assert documents
    # when the person opens their own case page
    response = client.get(f"/selection/cases/vetting/{case.pk}/")
    # then every document of theirs is listed: its type, its file, the clerk's verdict
    assert response.status_code == 200
    page = response.content.decode()
    table = _documents_table(page)
    assert NOTHING not in page and table
    for document in documents:
        assert str(document.document_type.display_name) in table
        assert f">{document.original_name}</a>" in table
    assert table.count("doc-badge--verified") == len(documents)
    assert "已核验" in table
    # ... and nothing of the record query's result: the bureau's, and no document
    assert REFERENCE not in page and 'class="record-check"' not in page
    # and each link opens the file, through the reader-bound address the bureau's use
    links = _links(page)
    assert len(links) == len(documents)
    opened = client.get(links[0])
    assert opened.status_code == 200 and _bytes(opened) == PDF
    assert opened["Cache-Control"] == "private, no-store"
    # an own read of sensitive data is recorded as the person's own, naming no bureau
    own_reads = PersonalDataAccess.objects.filter(person=person, actor=person.user)
    assert own_reads.exists() and not own_reads.exclude(bureau=None).exists()


def test_the_person_s_own_documents_page_agrees(world, own):
    person, case = own
    client = _client(person.user)
    documents = list(Document.objects.filter(person=person, superseded_at=None))
    # their documents page lists the same files, to read, with no upload form
    page = client.get(f"/documents/person/{person.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    for document in documents:
        assert f'href="/documents/{document.pk}/download/">{document.original_name}</a>' in body
    assert 'id="upload"' not in body
    # and each downloads
    download = client.get(f"/documents/{documents[0].pk}/download/")
    assert download.status_code == 200 and _bytes(download) == PDF
    # the API answers as the pages do
    listed = client.get(f"/api/v1/documents/?person={person.pk}&history=false")
    assert listed.status_code == 200
    assert {row["id"] for row in listed.json()} == {d.pk for d in documents}
    # reading is not uploading: that stays with the record's provider users
    assert client.post(f"/documents/person/{person.pk}/", {}).status_code == 403


def test_the_organization_still_reads_its_staff_member_s_documents(world):
    person, case = _linked_by_the_bureau(world)
    page = _client(world.provider).get(f"/selection/cases/vetting/{case.pk}/").content.decode()
    assert NOTHING not in page
    assert len(_links(page)) == Document.objects.filter(person=person,
                                                        superseded_at=None).count()


def _outsiders(w) -> dict:
    stranger = UserFactory()
    registry_services.individual_register(
        actor=stranger, personal_data_consent=True, name="李明",
        id_number=make_id_number(4402), kind="retiree")
    school = SchoolFactory()
    school_user = UserFactory()
    registry_services.role_grant(actor=w.root, user=school_user, role=Role.SCHOOL,
                                 target=school)
    return {"another person": stranger, "another organization": w.other_provider,
            "a school": school_user, "the public": None}


def test_nobody_else_reads_the_person_s_documents(world, own):
    person, case = own
    documents = list(Document.objects.filter(person=person, superseded_at=None))
    links = _links(_client(person.user).get(
        f"/selection/cases/vetting/{case.pk}/").content.decode())
    assert links
    outsiders = _outsiders(world)
    for who, user in outsiders.items():
        client = _client(user)
        refused = 302 if user is None else 404  # the public is sent to sign in
        addresses = [f"/selection/cases/vetting/{case.pk}/", links[0],
                     f"/documents/{documents[0].pk}/download/",
                     f"/documents/person/{person.pk}/"]
        for address in addresses:
            answer = client.get(address)
            assert answer.status_code == refused, (who, address, answer.status_code)
            assert PDF not in _bytes(answer)
            if user is None:
                assert answer["Location"].startswith("/accounts/login/"), (who, address)
        if user is not None:
            assert client.get(f"/api/v1/documents/?person={person.pk}").status_code == 400
    # and no read of theirs was recorded, for nothing was read
    assert not PersonalDataAccess.objects.filter(
        person=person, actor__in=[u for u in outsiders.values() if u]).exists()


def test_the_school_that_asked_for_the_vetting_learns_the_outcome_not_the_documents(world):
    # given a person who accepted a school's invitation and consented to the record query;
    # the school asked for their vetting
    account = UserFactory()
    person = registry_services.individual_register(
        actor=account, personal_data_consent=True, name="王芳",
        id_number=make_id_number(4403), kind="volunteer")
    upload_all(account, person)
    school = SchoolFactory()
    school.user = UserFactory()
    registry_services.role_grant(actor=world.root, user=school.user, role=Role.SCHOOL,
                                 target=school)
    invitation = registry_services.school_invite(actor=school.user, school=school,
                                                 id_number=person.id_number, name=person.name)
    registry_services.invitation_answer(actor=account, invitation=invitation, accept=True)
    registry_services.consent_give(actor=account, person=person, bureau=world.bureau)
    case = vetting.vetting_start(actor=school.user, person=person, bureau=world.bureau,
                                 school=school)
    documents = list(Document.objects.filter(person=person, superseded_at=None))
    # the person reads them; the school, which sees the case, reads none
    mine = _client(account).get(f"/selection/cases/vetting/{case.pk}/").content.decode()
    assert len(_links(mine)) == len(documents)
    client = _client(school.user)
    page = client.get(f"/selection/cases/vetting/{case.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert NOTHING in body and not _links(body)
    for document in documents:
        assert document.original_name not in body
    assert client.get(_links(mine)[0]).status_code == 404
    assert client.get(f"/documents/{documents[0].pk}/download/").status_code == 404
    assert client.get(f"/documents/person/{person.pk}/").status_code == 404
