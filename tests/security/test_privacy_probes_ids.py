"""Attacks on which ids the registry holds, through the API's writes.

The rule: where a write names another object by its number (a person, an organization, an
offering, a school, a bureau), a number the caller may not use answers exactly as a number
nobody holds: the same status, the same body, in the caller's language (zh-hans by default,
English when asked). Otherwise anyone trying numbers learns which people and organizations
the registry holds (a person's record in a registry of vetted teachers), and some answers
even named them. Each probe is made by an attacker of another organization, school or
bureau, once with a number that exists and once with one that does not.

An engagement names a term among the school's, and a provider (with its offering) among
those the school may engage: approved in force in its county, city or province, as its
search shows them. The web pages that take numbers are probed in
``test_privacy_probes_ids_web``.

Not covered here, and why: the bureau of a vetting, an application or a consent (any bureau
may be named there: their numbers are no secret).
"""

from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from registry import services as registry_services
from registry.models import Approval, Jurisdiction
from registry.roles import Role
from registry.selectors import objects_for_role
from tests.factories import (
    ApprovalFactory,
    EngagementFactory,
    OfferingFactory,
    PersonFactory,
    SchoolFactory,
    SchoolTermFactory,
    UserFactory,
)
from tests.samples import PDF
from workflows.models import VettingProcess

pytestmark = pytest.mark.django_db

NOBODY = 2_000_000_000  # a number no row holds


@dataclass
class Probe:
    attacker: Any
    method: str
    url: str
    body: Any  # the id → the request's body (or query)
    known: int  # an id that exists and is not the attacker's to use
    echoed: bool = False  # the refusal repeats the number typed (and nothing else)
    multipart: bool = False


class Scene:
    pass


@pytest.fixture
def scene(world):
    """The world's organization (南昌, with its person, offering and an approval there), and
    attackers: another organization's provider, a school, a person with an account, and
    the administrator and a clerk of 景德镇's bureau."""
    s = Scene()
    s.world = world
    nanchang = Jurisdiction.objects.get(code="360100")
    ApprovalFactory(organization=world.organization, jurisdiction=nanchang,
                    status=Approval.Status.APPROVED)
    ApprovalFactory(organization=None, person=world.person, jurisdiction=nanchang,
                    status=Approval.Status.APPROVED)
    s.provider = world.other_provider
    s.organization = objects_for_role(s.provider, Role.PROVIDER,
                                      "registry.organization").get()
    s.offering = OfferingFactory(organization=s.organization)
    s.staff = PersonFactory(organization=s.organization)
    s.school = SchoolFactory()
    s.school_user = UserFactory()
    registry_services.role_grant(actor=world.root, user=s.school_user, role=Role.SCHOOL,
                                 target=s.school)
    s.other_school = SchoolFactory()
    s.engagement = EngagementFactory(  # the attacker's, at the school: a draft
        term__school=s.school, approval__organization=s.organization)
    s.me = PersonFactory(user=UserFactory(), kind="volunteer")
    s.admin = world.staff(Role.BUREAU_ADMIN, bureau=world.other_bureau)
    s.clerk = world.other_clerk
    # what the school may not engage: another school's term; providers approved only in
    # 景德镇, or suspended in 南昌; a person with no approval
    jingdezhen = Jurisdiction.objects.get(code="360200")
    s.term = s.engagement.term
    s.other_term = SchoolTermFactory(school=s.other_school, name="另一校的学期")
    s.far = ApprovalFactory(jurisdiction=jingdezhen, status=Approval.Status.APPROVED)
    s.suspended = ApprovalFactory(jurisdiction=nanchang, status=Approval.Status.SUSPENDED)
    s.far_person = ApprovalFactory(organization=None, person=PersonFactory(),
                                   jurisdiction=jingdezhen,
                                   status=Approval.Status.APPROVED).person
    return s


def _offering_body(organization):
    return {"organization": organization, "category": "sport", "title": "少儿乒乓球",
            "description": "基础", "grade_min": 1, "grade_max": 3, "fee_per_session": "0",
            "capacity": 20, "weekdays": [2]}


def _engagement(s, **provider):
    """An engagement's body, as the school sends it, naming ``provider`` (by number)."""
    def body(x):
        fields = {"school": s.school.pk, "term": s.term.pk, "fee_per_session": "20",
                  "sessions": 10, **provider}
        return {k: (x if v is None else v) for k, v in fields.items()}
    return body


def _probes(s) -> dict[str, Probe]:
    w = s.world
    person, organization = w.person.pk, w.organization.pk
    bureau, other_bureau = w.bureau.pk, w.other_bureau.pk
    engagement = f"/api/v1/engagements/{s.engagement.pk}"
    return {
        "vetting: another organization's person": Probe(
            s.provider, "post", "/api/v1/vettings/",
            lambda x: {"person": x, "bureau": bureau}, person),
        "vetting: a person not tied to the school": Probe(
            s.school_user, "post", "/api/v1/vettings/",
            lambda x: {"person": x, "bureau": bureau, "school": s.school.pk}, person),
        "vetting: a school the person does not act for": Probe(
            s.me.user, "post", "/api/v1/vettings/",
            lambda x: {"person": s.me.pk, "bureau": bureau, "school": x}, s.other_school.pk),
        "application: another's organization": Probe(
            s.provider, "post", "/api/v1/cases/",
            lambda x: {"organization": x, "bureau": bureau, "offerings": [s.offering.pk]},
            organization),
        "application: another organization's offering": Probe(
            s.provider, "post", "/api/v1/cases/",
            lambda x: {"organization": s.organization.pk, "bureau": bureau, "offerings": [x]},
            w.offering.pk),
        "application: another organization's person on the roster": Probe(
            s.provider, "post", "/api/v1/cases/",
            lambda x: {"organization": s.organization.pk, "bureau": bureau,
                       "offerings": [s.offering.pk], "roster": [x]}, person),
        "offering: for another's organization": Probe(
            s.provider, "post", "/api/v1/offerings/", _offering_body, organization),
        "offering: moved to another's organization": Probe(
            s.provider, "patch", f"/api/v1/offerings/{s.offering.pk}/",
            lambda x: {"organization": x}, organization),
        "person: on another organization's staff": Probe(
            s.provider, "post", "/api/v1/people/",
            lambda x: {"organization": x, "name": "王五", "id_number": "11010519491231002X",
                       "kind": "volunteer", "personal_data_consent_attested": True},
            organization),
        "person: moved to another organization": Probe(
            s.provider, "patch", f"/api/v1/people/{s.staff.pk}/",
            lambda x: {"organization": x}, organization),
        "roster: another organization's person proposed": Probe(
            s.provider, "post", f"{engagement}/roster/", lambda x: {"person": str(x)},
            person, echoed=True),
        "lesson: taught by another organization's person": Probe(
            s.provider, "post", f"{engagement}/lessons/",
            lambda x: {"taught_on": str(s.engagement.starts_on), "period": 1, "teacher": x,
                       "pupils_present": 10}, person),
        "sanction: a person outside the bureau's reach": Probe(
            s.admin, "post", "/api/v1/sanctions/",
            lambda x: {"bureau": other_bureau, "action": "suspend", "person": x,
                       "reason": "投诉"}, person),
        "sanction: an organization outside the bureau's reach": Probe(
            s.admin, "post", "/api/v1/sanctions/",
            lambda x: {"bureau": other_bureau, "action": "suspend", "organization": x,
                       "reason": "投诉"}, organization),
        "blacklist proposal: a person outside the bureau's reach": Probe(
            s.admin, "post", "/api/v1/blacklist-proposals/",
            lambda x: {"bureau": other_bureau, "person": x, "reason": "投诉", "years": 3},
            person),
        "blacklist proposal: an organization outside the bureau's reach": Probe(
            s.admin, "post", "/api/v1/blacklist-proposals/",
            lambda x: {"bureau": other_bureau, "organization": x, "reason": "投诉",
                       "years": 3}, organization),
        "review case: a person outside the bureau's reach": Probe(
            s.clerk, "post", "/api/v1/review-cases/",
            lambda x: {"bureau": other_bureau, "person": x, "trigger": "complaint",
                       "summary": "家长投诉"}, person),
        "review case: an organization outside the bureau's reach": Probe(
            s.clerk, "post", "/api/v1/review-cases/",
            lambda x: {"bureau": other_bureau, "organization": x, "trigger": "complaint",
                       "summary": "家长投诉"}, organization),
        "review case: at another bureau": Probe(
            s.clerk, "post", "/api/v1/review-cases/",
            lambda x: {"bureau": x, "organization": organization, "trigger": "complaint",
                       "summary": "家长投诉"}, bureau),
        "list review: of another bureau": Probe(
            s.admin, "post", "/api/v1/list-reviews/", lambda x: {"bureau": x}, bureau),
        "job: for another bureau": Probe(
            s.admin, "post", "/api/v1/jobs/", lambda x: {"kind": "publish", "bureau": x},
            bureau),
        "document upload: for another organization's person": Probe(
            s.provider, "post", "/api/v1/documents/",
            lambda x: {"person": x, "document_type": "id_card", "issued_on": "2025-01-01",
                       "file": SimpleUploadedFile("id.pdf", PDF,
                                                  content_type="application/pdf")},
            person, multipart=True),
        "document upload: for another organization": Probe(
            s.provider, "post", "/api/v1/documents/",
            lambda x: {"organization": x, "document_type": "business_licence",
                       "issued_on": "2025-01-01",
                       "file": SimpleUploadedFile("l.pdf", PDF,
                                                  content_type="application/pdf")},
            organization, multipart=True),
        "documents: another organization's person's": Probe(
            s.provider, "get", "/api/v1/documents/", lambda x: {"person": x}, person),
        "document checklist: another organization's": Probe(
            s.provider, "get", "/api/v1/documents/checklist/",
            lambda x: {"organization": x}, organization),
        "generated form: another organization's person's": Probe(
            s.provider, "get", "/api/v1/generated-forms/person/{}/application/",
            None, person),
        "engagement: in another school's term": Probe(
            s.school_user, "post", "/api/v1/engagements/",
            _engagement(s, term=None, organization=s.organization.pk,
                        offering=s.offering.pk), s.other_term.pk),
        "engagement: an organization not approved for the school's area": Probe(
            s.school_user, "post", "/api/v1/engagements/", _engagement(s, organization=None),
            s.far.organization.pk),
        "engagement: an organization suspended in the school's area": Probe(
            s.school_user, "post", "/api/v1/engagements/", _engagement(s, organization=None),
            s.suspended.organization.pk),
        "engagement: another organization's offering": Probe(
            s.school_user, "post", "/api/v1/engagements/",
            _engagement(s, organization=s.organization.pk, offering=None), w.offering.pk),
        "engagement: a person without an approval": Probe(
            s.school_user, "post", "/api/v1/engagements/",
            _engagement(s, person=None, category=w.offering.category_id, grade_min=1,
                        grade_max=3), s.staff.pk),
        "engagement: a person approved in another city only": Probe(
            s.school_user, "post", "/api/v1/engagements/",
            _engagement(s, person=None, category=w.offering.category_id, grade_min=1,
                        grade_max=3), s.far_person.pk),
    }


PROBES = ["vetting: another organization's person", "vetting: a person not tied to the school",
          "vetting: a school the person does not act for", "application: another's organization",
          "application: another organization's offering",
          "application: another organization's person on the roster",
          "offering: for another's organization", "offering: moved to another's organization",
          "person: on another organization's staff", "person: moved to another organization",
          "roster: another organization's person proposed",
          "lesson: taught by another organization's person",
          "sanction: a person outside the bureau's reach",
          "sanction: an organization outside the bureau's reach",
          "blacklist proposal: a person outside the bureau's reach",
          "blacklist proposal: an organization outside the bureau's reach",
          "review case: a person outside the bureau's reach",
          "review case: an organization outside the bureau's reach",
          "review case: at another bureau", "list review: of another bureau",
          "job: for another bureau", "document upload: for another organization's person",
          "document upload: for another organization",
          "documents: another organization's person's",
          "document checklist: another organization's",
          "generated form: another organization's person's",
          "engagement: in another school's term",
          "engagement: an organization not approved for the school's area",
          "engagement: an organization suspended in the school's area",
          "engagement: another organization's offering",
          "engagement: a person without an approval",
          "engagement: a person approved in another city only"]


def _ask(probe: Probe, pk: int, language: str | None):
    client = APIClient()
    client.force_authenticate(probe.attacker)
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    if probe.body is None:  # the id is in the path
        return client.get(probe.url.format(pk), **headers)
    if probe.method == "get":
        return client.get(probe.url, probe.body(pk), **headers)
    return getattr(client, probe.method)(probe.url, probe.body(pk),
                                         format="multipart" if probe.multipart else "json",
                                         **headers)


def _answer(probe: Probe, pk: int, language: str | None) -> tuple[int, str]:
    response = _ask(probe, pk, language)
    text = response.content.decode()
    if probe.echoed:  # the number typed, as typed: no news to whoever typed it
        text = text.replace(str(pk), "{number}")
    return response.status_code, text


def test_the_probes_cover_every_scene(scene):
    assert sorted(_probes(scene)) == sorted(PROBES)


@pytest.mark.parametrize("name", PROBES)
@pytest.mark.parametrize("language", [None, "en"])  # None: the default, zh-hans
def test_a_number_not_yours_reads_as_a_number_nobody_holds(scene, name, language):
    probe = _probes(scene)[name]
    cases_before = VettingProcess.objects.count()
    known = _answer(probe, probe.known, language)
    unknown = _answer(probe, NOBODY, language)
    assert 400 <= known[0] < 500, known  # refused, whatever it says
    assert known == unknown
    # in the caller's language: Chinese unless English was asked for
    has_chinese = any("\u4e00" <= c <= "\u9fff" for c in known[1])
    assert has_chinese == (language is None), known
    assert VettingProcess.objects.count() == cases_before


def test_the_engagements_of_another_schools_term_read_as_those_of_no_term(scene):
    """A hole found: listed by another school's term the engagements were none (200), by a
    number nobody holds "选择一个有效的选项" (400)."""
    client = APIClient()
    client.force_authenticate(scene.school_user)
    answers = [client.get("/api/v1/engagements/", {"term": pk})
               for pk in (scene.other_term.pk, NOBODY)]
    assert [(a.status_code, a.json()["count"]) for a in answers] == [(200, 0), (200, 0)]
    own = client.get("/api/v1/engagements/", {"term": scene.term.pk})
    assert [row["id"] for row in own.json()["results"]] == [scene.engagement.pk]


def test_a_provider_the_school_may_engage_still_hears_why_not(scene):
    """Scoping narrows what reaches the service; its refusals about what the school may know
    stay: an offering of an organization it may engage, at a fee above the offering's."""
    client = APIClient()
    client.force_authenticate(scene.school_user)
    term = SchoolTermFactory(school=scene.school, name="2027春", project_count=20)
    scene.engagement.approval.categories.add(scene.offering.category)  # approved for it
    response = client.post("/api/v1/engagements/", {
        "school": scene.school.pk, "term": term.pk, "organization": scene.organization.pk,
        "offering": scene.offering.pk, "fee_per_session": "900", "sessions": 10},
        format="json")
    assert response.status_code == 400, response.content
    text = response.content.decode()
    assert "不存在" not in text and "900" in text, text
