"""What the bureaus ask for by offering (issue 21, points 4 and 5): a course plan (课程方案)
for each active offering, uploaded and replaced per offering on the web and through the API;
and the high-risk sports licence (高危险性体育项目) for any provider offering a high-risk
category (swimming), which the completeness check names when it is missing; and for a
person approved (or being approved) to teach one, the qualification to teach it."""

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from documents import selectors
from documents.models import Document, DocumentType
from registry.models import Organization, ServiceCategory
from tests.documents.conftest import upload
from tests.factories import OfferingFactory, OrganizationFactory
from tests.registry.builders import approve
from workflows.services import checks

pytestmark = pytest.mark.django_db
URL = "/api/v1/documents/"


def _api(user):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_authenticate(user)
    return client


def _plan(organization, **extra):
    return {"organization": organization.pk, "document_type": "course_plan",
            "file": upload(name="plan.pdf"), "issued_on": timezone.localdate().isoformat(),
            **extra}


def _items(checklist, code):
    return [item for item in checklist.items if item.document_type.code == code]


def test_each_active_offering_needs_its_own_course_plan(provider, organization):
    chess = OfferingFactory(organization=organization, title="少儿围棋")
    ball = OfferingFactory(organization=organization, title="少儿篮球")
    OfferingFactory(organization=organization, title="停办的班", is_active=False)
    items = _items(selectors.requirement_checklist(organization), "course_plan")
    assert [(i.offering, i.state) for i in items] == [(chess, "missing"), (ball, "missing")]
    api = _api(provider)
    # no offering named, or another organization's: a 400, nothing stored
    response = api.post(URL, _plan(organization), format="multipart")
    assert response.status_code == 400 and "offering" in response.json()
    assert "课程方案" in str(response.json())
    elsewhere = OfferingFactory(organization=OrganizationFactory())
    response = api.post(URL, _plan(organization, offering=elsewhere.pk), format="multipart")
    assert response.status_code == 400 and "offering" in response.json()
    # a document that is one per provider is about no offering
    response = api.post(URL, {**_plan(organization, offering=chess.pk),
                              "document_type": "safety_plan"}, format="multipart")
    assert response.status_code == 400 and "offering" in response.json()
    assert not Document.objects.exists()
    response = api.post(URL, _plan(organization, offering=chess.pk), format="multipart")
    assert response.status_code == 201, response.content
    first = response.json()
    assert first["offering"] == chess.pk
    checklist = api.get(f"{URL}checklist/", {"organization": organization.pk}).json()
    plans = [i for i in checklist["items"] if i["document_type"] == "course_plan"]
    assert [(i["offering"], i["state"]) for i in plans] == [(chess.pk, "pending"),
                                                            (ball.pk, "missing")]
    missing = next(i for i in plans if i["offering"] == ball.pk)
    assert "少儿篮球" in missing["message"] and "课程方案" in missing["message"]
    # a new upload replaces that offering's plan, and only that one
    response = api.post(URL, _plan(organization, offering=chess.pk), format="multipart")
    assert response.status_code == 201
    old = Document.objects.get(pk=first["id"])
    assert old.superseded_by_id == response.json()["id"]
    response = api.post(URL, _plan(organization, offering=ball.pk), format="multipart")
    assert response.status_code == 201
    current = Document.objects.filter(document_type__code="course_plan", superseded_at=None)
    assert sorted(current.values_list("offering__title", flat=True)) == ["少儿围棋", "少儿篮球"]


def test_the_course_plan_is_uploaded_for_an_offering_on_the_web(provider, organization):
    OfferingFactory(organization=organization, title="少儿围棋")
    ball = OfferingFactory(organization=organization, title="少儿篮球")
    client = Client()
    client.force_login(provider)
    url = f"/documents/organization/{organization.pk}/"
    page = client.get(url)
    assert page.status_code == 200 and 'name="offering"' in page.content.decode()
    assert "课程方案（少儿篮球）" in page.content.decode()
    refused = client.post(url, {"document_type": "course_plan", "file": upload(),
                                "issued_on": timezone.localdate().isoformat()})
    assert refused.status_code == 400 and "课程方案" in refused.content.decode()
    done = client.post(url, {"document_type": "course_plan", "file": upload(),
                             "issued_on": timezone.localdate().isoformat(),
                             "offering": str(ball.pk)})
    assert done.status_code == 302
    assert Document.objects.get().offering == ball


def _sports_club(**kwargs):
    return OrganizationFactory(provider_kind=Organization.ProviderKind.SPORTS_CLUB, **kwargs)


def test_a_high_risk_category_brings_the_licence_into_the_checklist(provider):
    swimming = ServiceCategory.objects.get(code="swimming")
    assert swimming.is_high_risk and swimming.parent.code == "sport"
    club = _sports_club()
    OfferingFactory(organization=club, title="少儿篮球")
    codes = {t.code for t in selectors.document_types_for(club)}
    assert "high_risk_sports_licence" not in codes
    OfferingFactory(organization=club, title="少儿游泳", category=swimming)
    assert "high_risk_sports_licence" in {t.code for t in selectors.document_types_for(club)}
    # any provider offering it, not only a sports club
    school = OrganizationFactory()
    OfferingFactory(organization=school, title="暑期游泳", category=swimming)
    assert "high_risk_sports_licence" in {t.code
                                          for t in selectors.document_types_for(school)}


def test_the_completeness_check_names_the_missing_high_risk_licence(provider):
    club = _sports_club()
    OfferingFactory(organization=club, title="少儿游泳",
                    category=ServiceCategory.objects.get(code="swimming"))
    problems = checks.document_problems(club, submission=True)
    licence = [p for p in problems if "高危险性体育项目" in p["document_type"]]
    assert licence and licence[0]["state"] == "missing"
    assert "高危险性体育项目" in licence[0]["message"]
    plan = [p for p in problems if p["document_type"] == "课程方案（少儿游泳）"]
    assert plan and plan[0]["state"] == "missing"


def test_the_checklist_is_a_fixed_number_of_queries(organization,
                                                    django_assert_max_num_queries):
    for n in range(5):
        OfferingFactory(organization=organization, title=f"课程{n}",
                        category=ServiceCategory.objects.get(code="swimming"))
    with django_assert_max_num_queries(3):
        checklist = selectors.requirement_checklist(organization)
    assert len(_items(checklist, "course_plan")) == 5
    assert _items(checklist, "high_risk_sports_licence")


QUALIFICATION = "high_risk_sports_qualification"


def test_a_person_teaching_a_high_risk_sport_needs_the_qualification(person,
                                                                    django_assert_max_num_queries):
    # given: the catalogue's qualification for high-risk sports (data, for every kind)
    kind = DocumentType.objects.get(code=QUALIFICATION)
    assert kind.subject == "person" and kind.for_high_risk and kind.is_required
    assert "高危险性体育项目" in kind.name
    # a person approved for nothing high-risk may upload it (it is offered), not required
    assert QUALIFICATION in {t.code for t in selectors.document_types_for(person)}
    with django_assert_max_num_queries(3):
        checklist = selectors.requirement_checklist(person)
    [item] = _items(checklist, QUALIFICATION)
    assert not item.required
    assert QUALIFICATION not in {p["document_type"] for p in checks.document_problems(person)}
    # being approved to teach swimming (what the approver is about to approve): required
    swimming = ServiceCategory.objects.get(code="swimming")
    [item] = _items(selectors.requirement_checklist(person, categories=[swimming]),
                    QUALIFICATION)
    assert item.required and item.state == "missing" and "高危险性体育项目" in item.message
    reading = ServiceCategory.objects.get(code="reading")
    [item] = _items(selectors.requirement_checklist(person, categories=[reading]),
                    QUALIFICATION)
    assert not item.required
    # holding an open approval for swimming: required, and the completeness check names it
    approve(person=person, categories=("swimming",), grades=(1, 3), status="suspended")
    problems = [p for p in checks.document_problems(person)
                if "高危险性体育项目从业资格证书" in p["document_type"]]
    assert problems and problems[0]["state"] == "missing"
    assert "高危险性体育项目从业资格证书" in problems[0]["message"]


def test_the_admin_may_mark_a_person_type_for_high_risk_sports(client, admin_user):
    # data, admin-editable: a diving certificate asked of people teaching a high-risk sport
    client.force_login(admin_user)
    response = client.post("/admin/documents/documenttype/add/", {
        "code": "diving_coach", "name": "潜水教练证", "subject": "person",
        "is_required": "on", "for_high_risk": "on", "expires": "on", "is_active": "on",
        "sort_order": "71"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert DocumentType.objects.get(code="diving_coach").for_high_risk
    # one per offering stays an organization's matter
    response = client.post("/admin/documents/documenttype/add/", {
        "code": "odd_plan", "name": "个人课程方案", "subject": "person",
        "per_offering": "on", "sort_order": "72"})
    assert response.status_code == 200
    assert not DocumentType.objects.filter(code="odd_plan").exists()
