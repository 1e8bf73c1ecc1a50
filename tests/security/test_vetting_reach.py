"""Who may start a vetting, and who then sees the person.

Every attack goes through the API as the attacker would: a school asking a bureau to vet
someone it has nothing to do with, with a consent form nobody checked; a clerk reading
the ID card of a person no case brought to the bureau; a school reading why a person was
turned down; anyone but the case's clerk and approver reading the record-check result.
"""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from documents.models import Document, PersonalDataAccess
from registry import services as registry_services
from registry.models import RecordQueryConsent, SchoolInvitation
from registry.roles import Role
from tests.factories import EngagementFactory, PersonFactory, SchoolFactory, UserFactory
from tests.workflows.conftest import clerk_verifies, open_tasks, upload_all
from workflows.models import VettingProcess
from workflows.services import checks, vetting

pytestmark = pytest.mark.django_db


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def school(world):
    school = SchoolFactory()  # county 360102, under the world's bureau (南昌市 360100)
    school.user = UserFactory()
    registry_services.role_grant(actor=world.root, user=school.user, role=Role.SCHOOL,
                                 target=school)
    return school


@pytest.fixture
def stranger(world):
    """A person with an account, documents uploaded by their organization (the signed consent
    form among them, not yet reviewed), tied to no school."""
    user = UserFactory()
    person = PersonFactory(organization=world.organization, user=user, kind="volunteer")
    upload_all(world.provider, person)
    return person


def _start(user, person, bureau, school=None, **extra):
    body = {"person": person.pk, "bureau": bureau.pk, **extra}
    if school is not None:
        body["school"] = school.pk
    return _client(user).post("/api/v1/vettings/", body, format="json")


def _invite_and_accept(school, person):
    answer = _client(school.user).post("/api/v1/invitations/", {
        "school": school.pk, "id_number": person.id_number, "name": person.name},
        format="json")
    assert answer.status_code == 202, answer.content
    invitation = SchoolInvitation.objects.get(school=school, person=person)
    accepted = _client(person.user).post(f"/api/v1/invitations/{invitation.pk}/accept/",
                                         REMOTE_ADDR="203.0.113.7")
    assert accepted.status_code == 200, accepted.content
    return invitation


# --- who may start -----------------------------------------------------------------------

def test_a_school_cannot_start_the_vetting_of_a_person_not_tied_to_it(world, school, stranger):
    # refused as a number nobody holds is (tests/security/test_privacy_probes_ids.py)
    response = _start(school.user, stranger, world.bureau, school)
    assert response.status_code == 400, response.content
    assert response.json() == {"person": ["记录不存在，或您无权在此使用。"]}
    assert not VettingProcess.objects.filter(person=stranger).exists()


def test_an_unreviewed_consent_form_counts_for_nothing(world, school, stranger):
    # tied to the school, but the only consent is a form uploaded and never verified
    _invite_and_accept(school, stranger)
    response = _start(school.user, stranger, world.bureau, school)
    assert response.status_code == 400, response.content
    assert "知情同意" in str(response.json())
    assert not VettingProcess.objects.filter(person=stranger).exists()


def test_a_school_asks_only_a_bureau_over_the_school(world, school, stranger):
    _invite_and_accept(school, stranger)
    registry_services.consent_give(actor=stranger.user, person=stranger,
                                   bureau=world.other_bureau)
    response = _start(school.user, stranger, world.other_bureau, school)  # 景德镇市
    assert response.status_code == 400, response.content
    assert "bureau" in response.json()
    assert not VettingProcess.objects.filter(person=stranger).exists()


def test_the_tied_person_consents_in_their_own_account_then_the_school_may_ask(
        world, school, stranger):
    _invite_and_accept(school, stranger)
    # the school cannot consent for the person
    refused = _client(school.user).post("/api/v1/consents/", {"bureau": world.bureau.pk},
                                        format="json")
    assert refused.status_code == 400
    given = _client(stranger.user).post("/api/v1/consents/", {"bureau": world.bureau.pk},
                                        format="json", REMOTE_ADDR="198.51.100.4")
    assert given.status_code == 201, given.content
    consent = RecordQueryConsent.objects.get(person=stranger)
    assert (consent.bureau, consent.given_by, consent.given_from, consent.purpose) == (
        world.bureau, stranger.user, "198.51.100.4", "vetting")

    response = _start(school.user, stranger, world.bureau, school)
    assert response.status_code == 201, response.content
    assert VettingProcess.objects.get(person=stranger).started_by == "school"

    # withdrawn consent no longer counts for a new request
    withdrawn = _client(stranger.user).post(f"/api/v1/consents/{consent.pk}/withdraw/")
    assert withdrawn.status_code == 200
    assert not checks.consent_counts(stranger, world.bureau)


def test_a_person_on_the_schools_engagement_is_tied_to_it(world, school, stranger):
    EngagementFactory(term__school=school, approval__organization=world.organization,
                      approval__jurisdiction=world.bureau.jurisdiction)
    registry_services.consent_give(actor=stranger.user, person=stranger, bureau=world.bureau)
    assert _start(school.user, stranger, world.bureau, school).status_code == 201


def test_an_invitation_tells_the_school_nothing_and_only_the_person_answers_it(
        world, school, stranger):
    unknown = _client(school.user).post("/api/v1/invitations/", {
        "school": school.pk, "id_number": "11010519491231002X", "name": "无此人"},
        format="json")
    known = _client(school.user).post("/api/v1/invitations/", {
        "school": school.pk, "id_number": stranger.id_number, "name": stranger.name},
        format="json")
    assert (unknown.status_code, unknown.json()) == (known.status_code, known.json())
    invitation = SchoolInvitation.objects.get(person=stranger)
    # the school (or the employer) cannot accept it for the person: until the person
    # answers, the school is not even shown that it exists
    assert _client(school.user).post(
        f"/api/v1/invitations/{invitation.pk}/accept/").status_code == 404
    assert _client(world.provider).post(
        f"/api/v1/invitations/{invitation.pk}/accept/").status_code == 404
    invitation.refresh_from_db()
    assert invitation.status == "pending"
    listed = _client(stranger.user).get("/api/v1/invitations/").json()["results"]
    assert [row["school_name"] for row in listed] == [school.name]


# --- who then sees the person ------------------------------------------------------------

def _id_card(person) -> Document:
    return Document.objects.get(person=person, document_type__code="id_card",
                                superseded_at=None)


def test_a_bureau_reaches_a_persons_documents_only_through_a_case(world, stranger):
    # the clerk's bureau contains the employer's county, but no case brought the person here
    document = _id_card(stranger)
    response = _client(world.clerk).get(f"/api/v1/documents/{document.pk}/download/")
    assert response.status_code in (403, 404), response.status_code
    listing = _client(world.clerk).get("/api/v1/documents/", {"person": stranger.pk})
    # as a number nobody holds (tests/security/test_privacy_probes_ids.py)
    assert (listing.status_code, listing.json()) == (400, {"person": ["找不到该机构或人员。"]})
    assert not PersonalDataAccess.objects.exists()
    # once the person's organization asks this bureau for the vetting, the clerk may read
    vetting.vetting_start(actor=world.provider, person=stranger, bureau=world.bureau)
    response = _client(world.clerk).get(f"/api/v1/documents/{document.pk}/download/")
    assert response.status_code == 200
    access = PersonalDataAccess.objects.get()
    case = VettingProcess.objects.get(person=stranger)
    assert (access.actor, access.bureau, access.document, access.case_label) == (
        world.clerk, world.bureau, document, f"vetting #{case.pk}")
    # the bureau's administrator reads the case in words, in their language
    page = Client()
    page.force_login(world.admin)
    log = page.get(reverse("documents:access-log"), {"scope": "bureau"},
                   HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f"外聘人员资格审查申请第 {case.pk} 号" in log and "vetting #" not in log


def _school_case_sent_back(world, school):
    """A school's case for a tied, consenting person whose documents are incomplete."""
    user = UserFactory()
    person = PersonFactory(organization=world.organization, user=user, kind="volunteer")
    upload_all(world.provider, person, skip=["health_certificate"])
    _invite_and_accept(school, person)
    registry_services.consent_give(actor=user, person=person, bureau=world.bureau)
    response = _start(school.user, person, world.bureau, school)
    assert response.status_code == 201, response.content
    return VettingProcess.objects.get(pk=response.json()["id"]), person


def test_the_school_learns_the_outcome_never_why(world, school):
    case, person = _school_case_sent_back(world, school)
    assert case.missing  # the health certificate
    # the correction goes to the person, not to the school
    [task] = open_tasks(case, "correction")
    assert task.owner == person.user
    seen = _client(school.user).get(f"/api/v1/vettings/{case.pk}/").json()
    assert seen["missing"] == [] and seen["outcome"] == "open"
    own = _client(person.user).get(f"/api/v1/vettings/{case.pk}/").json()
    assert own["missing"]
    # rejected in the end: the school reads "not approved", nothing more
    VettingProcess.objects.filter(pk=case.pk).update(outcome="rejected",
                                                     outcome_reason="入职查询有记录")
    seen = _client(school.user).get(f"/api/v1/vettings/{case.pk}/").json()
    assert seen["outcome"] == "not_approved" and "入职查询" not in str(seen)
    listed = _client(school.user).get("/api/v1/vettings/").json()["results"]
    assert [row["outcome"] for row in listed] == ["not_approved"]


def _verified_case(world):
    person = PersonFactory(organization=world.organization, kind="retiree")
    documents = upload_all(world.provider, person)
    case = vetting.vetting_start(actor=world.provider, person=person, bureau=world.bureau)
    return clerk_verifies(world.clerk, case, documents)


def test_record_check_results_are_read_by_the_cases_clerk_and_approver_only(world, school):
    case = _verified_case(world)
    url = f"/api/v1/vettings/{case.pk}/record-check/"
    second_clerk = world.staff(Role.BUREAU_CLERK)
    for user in (world.provider, second_clerk, world.admin, world.other_clerk, school.user,
                 world.experts[0]):
        assert _client(user).get(url).status_code in (403, 404), user
    assert not PersonalDataAccess.objects.exists()
    for user in (world.clerk, world.approver):
        response = _client(user).get(url)
        assert response.status_code == 200, response.content
        assert response.json()["query_result"] == "clear"
    reads = PersonalDataAccess.objects.filter(kind="record_check").order_by("pk")
    assert [(r.actor, r.bureau, r.case_label) for r in reads] == [
        (world.clerk, world.bureau, f"vetting #{case.pk}"),
        (world.approver, world.bureau, f"vetting #{case.pk}")]


def test_the_person_sees_which_bureaus_looked_and_the_administrator_reads_the_log(world):
    user = UserFactory()
    person = PersonFactory(organization=world.organization, user=user, kind="retiree")
    upload_all(world.provider, person)
    vetting.vetting_start(actor=world.provider, person=person, bureau=world.bureau)
    document = _id_card(person)
    assert _client(world.clerk).get(
        f"/api/v1/documents/{document.pk}/download/").status_code == 200

    mine = _client(user).get("/api/v1/personal-data-accesses/").json()["results"]
    assert [(row["bureau_name"], row["kind"]) for row in mine] == [
        (world.bureau.name, "document")]
    assert mine[0]["actor"] == "" and mine[0]["accessed_at"]

    log = _client(world.admin).get("/api/v1/personal-data-accesses/",
                                   {"scope": "bureau"}).json()["results"]
    assert [row["actor"] for row in log] == [f"用户 {world.clerk.pk}"]  # never the username
    # another province's city administrator, the clerk and the school read nothing
    other_admin = world.staff(Role.BUREAU_ADMIN, bureau=world.other_bureau)
    for reader in (other_admin, world.clerk):
        assert _client(reader).get("/api/v1/personal-data-accesses/",
                                   {"scope": "bureau"}).json()["results"] == []


def test_the_clerk_cannot_record_a_query_without_consent(world):
    # the signed consent form is there but the clerk finds it wanting: no query may be recorded
    person = PersonFactory(organization=world.organization, kind="retiree")
    documents = upload_all(world.provider, person)
    case = vetting.vetting_start(actor=world.provider, person=person, bureau=world.bureau)
    [task] = open_tasks(case, "verification")
    data = {f"doc_{d.pk}": ("reject" if d.document_type.code == "query_consent" else "verify")
            for d in documents}
    data.update({f"doc_{d.pk}_reason": "签名缺失" for d in documents}, query_reference="NC-1",
                query_date=str(timezone.localdate()), query_result="clear")
    response = _client(world.clerk).post(f"/api/v1/tasks/{task.pk}/act/", {"data": data},
                                         format="json")
    assert response.status_code == 400, response.content
    assert "知情同意" in str(response.json())
    case.refresh_from_db()
    assert case.query_result == "" and case.checked_by is None
    # nothing of the clerk's verdicts was kept either
    assert not Document.objects.filter(person=person).exclude(review_state="pending").exists()


def test_the_engine_pages_of_a_case_show_no_record_check_and_no_reasons(world, school):
    """viewflow's own process page lists a case's fields: the school that asked (and the
    provider) must not read the record query or the reasons there."""
    from django.test import Client

    case, person = _school_case_sent_back(world, school)
    VettingProcess.objects.filter(pk=case.pk).update(
        query_reference="NC-2026-SECRET", query_result="hit", outcome="rejected",
        outcome_reason="入职查询有记录", decision_reason="查询结果不合格")
    shown = 0
    for user in (school.user, world.provider, person.user):
        client = Client()
        client.force_login(user)
        # the engine's page of a process sends those who may see the case to the case's own
        # page (and refuses the others): what they read there is what counts
        page = client.get(f"/individualvetting/{case.pk}/", follow=True)
        assert page.status_code in (200, 403), (user, page.status_code)
        shown += page.status_code == 200
        text = page.content.decode()
        for secret in ("NC-2026-SECRET", "入职查询有记录", "查询结果不合格", "有记录"):
            assert secret not in text, (user, secret)
    assert shown >= 2  # the school and the provider see the page, without those


def test_the_new_lists_read_a_bounded_number_of_queries(world, school,
                                                        django_assert_max_num_queries):
    """Invitations, consents and the access log: the same queries for 1 row or 15."""
    people = []
    for _ in range(15):
        person = PersonFactory(organization=world.organization, user=UserFactory(),
                               kind="volunteer")
        invitation = registry_services.school_invite(
            actor=school.user, school=school, id_number=person.id_number, name=person.name)
        # answered: the school's list shows it
        registry_services.invitation_answer(actor=person.user, invitation=invitation,
                                            accept=True)
        registry_services.consent_give(actor=person.user, person=person, bureau=world.bureau)
        people.append(person)
    upload_all(world.provider, people[0])
    vetting.vetting_start(actor=world.provider, person=people[0], bureau=world.bureau)
    card = _id_card(people[0])
    for _ in range(15):
        assert _client(world.clerk).get(
            f"/api/v1/documents/{card.pk}/download/").status_code == 200
    for user, path, params in (
            (school.user, "/api/v1/invitations/", {}),
            (people[0].user, "/api/v1/invitations/", {}),
            (people[0].user, "/api/v1/consents/", {}),
            (people[0].user, "/api/v1/personal-data-accesses/", {}),
            (world.admin, "/api/v1/personal-data-accesses/", {"scope": "bureau"})):
        client = _client(user)
        with django_assert_max_num_queries(12):
            response = client.get(path, params)
        assert response.status_code == 200 and response.json()["count"] >= 1, path


def test_the_consent_address_is_the_clients_behind_the_proxies(world, settings):
    settings.PROXY_COUNT = 1
    person = PersonFactory(user=UserFactory(), kind="volunteer")
    answer = _client(person.user).post(
        "/api/v1/consents/", {"bureau": world.bureau.pk}, format="json",
        REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.23")
    assert answer.status_code == 201, answer.content
    assert RecordQueryConsent.objects.get(person=person).given_from == "198.51.100.23"


def _vetting_list_queries(user) -> tuple[int, int]:
    """(rows, queries) of the vetting list as ``user``, read by a user object fresh from the
    database, as a request's would be (what a user object remembers lasts one request)."""
    client = _client(get_user_model().objects.get(pk=user.pk))
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/vettings/")
    assert response.status_code == 200, response.content
    return response.json()["count"], len(queries)


def test_the_vetting_list_reads_as_many_queries_for_one_case_as_for_six(world, school):
    """The clerk, the organization and the school that asked: each case on the page asked
    whose bureau it is again, one query more per case."""
    cases = [_school_case_sent_back(world, school)[0] for _ in range(6)]
    readers = (world.clerk, world.provider, school.user)
    _vetting_list_queries(world.clerk)  # the process's first request loads content types
    many = {user.pk: _vetting_list_queries(user) for user in readers}
    VettingProcess.objects.filter(pk__in=[case.pk for case in cases[1:]]).delete()
    for user in readers:
        rows, queries = _vetting_list_queries(user)
        assert (rows, many[user.pk][0]) == (1, 6), user
        assert many[user.pk][1] == queries, (user, many[user.pk][1], queries)
