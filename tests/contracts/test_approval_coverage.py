"""What an individual's approval covers (issue 21, point 7): the categories and the grades
(年级段) the bureau named. Rosters and engagements of an individual refuse a person whose
approval does not cover what they would teach, naming the person and what is missing; the
school search of people filters by grade. Legacy approvals that name no grades cover all."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from registry import services
from registry.models import (
    Approval,
    Engagement,
    Person,
    ProviderAvailability,
    RosterMember,
    approval_covers,
)
from tests.contracts.conftest import engage
from tests.factories import OfferingFactory
from tests.registry.builders import approve, category, person

pytestmark = pytest.mark.django_db


def _coach(name, *, grades, categories=("sport",)):
    coach = person(name)
    approve(person=coach, where="360100", categories=categories, grades=grades)
    return coach


def test_the_rule_covers_a_sub_item_and_a_range_of_grades(contract):
    approval = approve(person=person("周规则"), categories=("integrated",), grades=(4, 6))
    mental_health = category("mental-health")
    assert approval_covers(approval, category=mental_health, grades=(4, 6)) == []
    assert approval_covers(approval, category=mental_health, grades=(5, 5)) == []
    assert approval_covers(approval, category=category("arts"), grades=(3, 6)) == [
        "category", "grades"]
    # a high-risk sub-item is covered only where it is named: 体育 does not cover 游泳
    sport = approve(person=person("周体育"), categories=("sport",), grades=(4, 6))
    assert approval_covers(sport, category=category("swimming"), grades=(4, 6)) == [
        "category"]
    swimming = approve(person=person("周游泳"), categories=("swimming",), grades=(4, 6))
    assert approval_covers(swimming, category=category("swimming"), grades=(4, 6)) == []
    # approved before grades were named: every grade, as it was approved
    legacy = approve(person=person("吴旧证"), categories=("sport",))
    assert legacy.grade_min is None and approval_covers(legacy, grades=(1, 9)) == []


def test_the_roster_refuses_a_person_approved_for_other_grades_naming_both(contract):
    # the offering (少儿篮球) is for grades 1–6
    juniors = _coach("钱初中", grades=(7, 9))
    engagement = engage(contract)
    client = Client()
    client.force_login(contract["user"])
    response = client.post(f"/registry/engagements/{engagement.pk}/roster/",
                           {"person": str(juniors.pk)})
    assert response.status_code == 400
    text = response.content.decode()
    assert "钱初中" in text and "7–9年级" in text and "1–6年级" in text
    assert not RosterMember.objects.filter(person=juniors).exists()
    # through the API, the same refusal
    response = client.post(f"/api/v1/engagements/{engagement.pk}/roster/",
                           {"person": str(juniors.pk)}, content_type="application/json")
    assert response.status_code == 400
    assert "钱初中" in str(response.json()) and "7–9年级" in str(response.json())
    # one whose approval covers grades 1–6 is put on it
    primary = _coach("孙小学", grades=(1, 6))
    response = client.post(f"/api/v1/engagements/{engagement.pk}/roster/",
                           {"person": str(primary.pk)}, content_type="application/json")
    assert response.status_code == 201, response.content
    assert RosterMember.objects.filter(person=primary).exists()


def test_the_roster_refuses_a_person_approved_for_another_category(contract):
    engagement = engage(contract)
    client = Client()
    client.force_login(contract["user"])
    response = client.post(f"/api/v1/engagements/{engagement.pk}/roster/",
                           {"person": str(contract["painter"].pk)},
                           content_type="application/json")
    assert response.status_code == 400
    assert "王画师" in str(response.json()) and "体育" in str(response.json())


def test_an_individual_is_engaged_only_for_what_their_approval_covers(contract):
    coach = _coach("李游泳", grades=(4, 6), categories=("swimming",))
    need = services.term_need_add(actor=contract["user"], term=contract["term"],
                                  category=category("swimming"), grade_min=1, grade_max=3,
                                  places=20, budget_per_session=Decimal("40"))
    with pytest.raises(ValidationError) as refused:
        engage(contract, organization=None, offering=None, person=coach, need=need,
               roster=[], fee_per_session=Decimal("30"))
    assert "李游泳" in str(refused.value) and "1–3年级" in str(refused.value)
    assert not contract["term"].engagements.exists()
    arts = services.term_need_add(actor=contract["user"], term=contract["term"],
                                  category=category("arts"), grade_min=4, grade_max=6,
                                  places=20, budget_per_session=Decimal("40"))
    with pytest.raises(ValidationError) as refused:
        engage(contract, organization=None, offering=None, person=coach, need=arts,
               roster=[], fee_per_session=Decimal("30"))
    assert "李游泳" in str(refused.value) and "文化艺术" in str(refused.value)
    fits = services.term_need_add(actor=contract["user"], term=contract["term"],
                                  category=category("swimming"), grade_min=4, grade_max=5,
                                  places=20, budget_per_session=Decimal("40"))
    engagement = engage(contract, organization=None, offering=None, person=coach, need=fits,
                        roster=[], fee_per_session=Decimal("30"))
    assert engagement.approval.person == coach


def test_the_school_search_of_people_filters_by_grade(contract, django_assert_max_num_queries):
    _coach("赵低段", grades=(1, 3))
    _coach("钱高段", grades=(7, 9))
    rows = ProviderAvailability.objects.filter(person__name="钱高段")
    assert {(r.grade_min, r.grade_max) for r in rows} == {(7, 9)}
    client = Client()
    client.force_login(contract["user"])
    with django_assert_max_num_queries(12):
        response = client.get("/api/v1/search/people/", {"grade": 2, "category": "sport"})
    assert response.status_code == 200, response.content
    names = [r["name"] for r in response.json()["results"]]
    # the two coaches of the fixture hold approvals that name no grades: every grade
    assert "赵低段" in names and "钱高段" not in names and "张建华" in names
    low = next(r for r in response.json()["results"] if r["name"] == "赵低段")
    assert (low["approvals"][0]["grade_min"], low["approvals"][0]["grade_max"]) == (1, 3)
    names = [r["name"] for r in client.get("/api/v1/search/people/",
                                            {"grade": 8}).json()["results"]]
    assert "钱高段" in names and "赵低段" not in names
    assert client.get("/api/v1/search/people/", {"grade": 10}).status_code == 400
    page = client.get("/registry/school/search/", {"type": "people", "keyword": "", "grade": 8})
    assert page.status_code == 200
    assert "钱高段" in page.content.decode() and "7–9年级" in page.content.decode()
    assert "赵低段" not in page.content.decode()


def test_the_rebuilt_availability_keeps_the_grades(contract):
    _coach("周重建", grades=(2, 5))
    services.availability_rebuild()
    row = ProviderAvailability.objects.get(person__name="周重建")
    assert (row.grade_min, row.grade_max) == (2, 5)
    legacy = ProviderAvailability.objects.filter(person=contract["coaches"][0]).first()
    assert (legacy.grade_min, legacy.grade_max) == (1, 9)


def test_an_approval_with_grades_out_of_order_is_refused(contract):
    with pytest.raises(ValidationError):
        approve(person=person("郑倒序"), grades=(6, 3))
    assert not Approval.objects.filter(person__name="郑倒序").exists()


def _individual_body(contract, coach, **extra):
    return {"school": contract["school"].pk, "term": contract["term"].pk,
            "person": coach.pk, "fee_per_session": "30", "sessions": 16, **extra}


def test_an_individual_engaged_without_a_need_is_checked_against_their_approval(contract):
    # given: a swimming coach approved for grades 4–6, and a school with no term plan need
    coach = _coach("李游泳", grades=(4, 6), categories=("swimming",))
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(contract["user"])
    # when: the school engages them for grades 7–9 through the API and on the web
    api = client.post("/api/v1/engagements/", _individual_body(
        contract, coach, category=category("swimming").pk, grade_min=7, grade_max=9),
        content_type="application/json")
    web = client.post("/registry/school/engagements/", {
        "school": contract["school"].pk, "eng-term": contract["term"].pk,
        "eng-person": coach.pk, "eng-fee_per_session": "30", "eng-sessions": "16",
        "eng-category": category("swimming").pk, "eng-grade_min": "7", "eng-grade_max": "9"})
    # then: refused, naming the person, what they are approved for and what was asked
    assert api.status_code == 400, api.content
    assert "李游泳" in str(api.json()) and "4–6年级" in str(api.json())
    assert "7–9年级" in str(api.json())
    assert web.status_code == 400
    assert "李游泳" in web.content.decode() and "4–6年级" in web.content.decode()
    # and for a category their approval does not name: refused by name too
    api = client.post("/api/v1/engagements/", _individual_body(
        contract, coach, category=category("arts").pk, grade_min=4, grade_max=6),
        content_type="application/json")
    assert api.status_code == 400 and "文化艺术" in str(api.json())
    assert not contract["term"].engagements.exists()
    # a category and grades the approval covers: engaged
    made = client.post("/api/v1/engagements/", _individual_body(
        contract, coach, category=category("swimming").pk, grade_min=4, grade_max=5),
        content_type="application/json")
    assert made.status_code == 201, made.content
    assert (made.json()["grade_min"], made.json()["grade_max"]) == (4, 5)


def test_an_individuals_engagement_must_name_what_is_taught(contract):
    # given: a coach approved for sport, grades 1–6
    coach = _coach("王篮球", grades=(1, 6))
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(contract["user"])
    # when: the school names neither a category nor grades (nor a need that would)
    api = client.post("/api/v1/engagements/", _individual_body(contract, coach),
                      content_type="application/json")
    half = client.post("/api/v1/engagements/", _individual_body(
        contract, coach, category=category("sport").pk), content_type="application/json")
    web = client.post("/registry/school/engagements/", {
        "school": contract["school"].pk, "eng-term": contract["term"].pk,
        "eng-person": coach.pk, "eng-fee_per_session": "30", "eng-sessions": "16"})
    # then: a 400 that says what to name, in the user's language; nothing is created
    assert api.status_code == 400
    assert "类别" in api.json()["category"][0] and "年级" in api.json()["grade_max"][0]
    assert half.status_code == 400 and "category" not in half.json()
    assert "年级" in half.json()["grade_max"][0]
    assert web.status_code == 400 and "年级" in web.content.decode()
    assert not contract["term"].engagements.exists()
    with pytest.raises(ValidationError) as refused:
        engage(contract, organization=None, offering=None, person=coach, roster=[],
               fee_per_session=Decimal("30"))
    assert {e.code for errors in refused.value.error_dict.values() for e in errors} == {
        "engagement_category_missing", "engagement_grades_missing"}
    assert not contract["term"].engagements.exists()


def test_the_engagement_form_offers_the_categories_the_persons_approval_covers(contract):
    coach = _coach("赵体育", grades=(1, 6), categories=("sport",))
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(contract["user"])
    page = client.get("/registry/school/engagements/",
                      {"school": contract["school"].pk, "person": coach.pk})
    assert page.status_code == 200
    form = page.content.decode().split('id="record-engagement"')[1].split("</form>")[0]
    assert 'name="eng-category"' in form and "<select" in form
    # the approval's category and its sub-items, but not the high-risk 游泳 it does not
    # name; nothing else
    assert "体育" in form and "游泳" not in form and "文化艺术" not in form


def test_grades_taught_within_a_wider_need_are_what_the_approval_must_cover(contract):
    # the need is for grades 1–6; the school engages a coach approved for 4–6 to teach 4–5
    coach = _coach("孙分段", grades=(4, 6))
    need = services.term_need_add(actor=contract["user"], term=contract["term"],
                                  category=category("sport"), grade_min=1, grade_max=6,
                                  places=20, budget_per_session=Decimal("40"))
    engagement = engage(contract, organization=None, offering=None, person=coach, need=need,
                        roster=[], fee_per_session=Decimal("30"), grade_min=4, grade_max=5)
    assert (engagement.grade_min, engagement.grade_max) == (4, 5)
    # the whole need's grades would not be covered
    with pytest.raises(ValidationError) as refused:
        engage(contract, organization=None, offering=None, person=coach, need=need,
               roster=[], fee_per_session=Decimal("30"), starts_on=engagement.ends_on)
    assert "1–6年级" in str(refused.value)


def test_an_organization_is_engaged_only_for_an_offering_its_approval_covers(contract):
    # given an organization approved for sport that has since added a swimming offering (a
    # high-risk sub-item of sport: never vetted, its licence never checked) and a
    # calligraphy one (arts: never vetted)
    org = contract["org"]
    swimming = OfferingFactory(organization=org, category=category("swimming"),
                               title="少儿游泳", fee_per_session=Decimal("40"))
    calligraphy = OfferingFactory(organization=org, category=category("arts"),
                                  title="少儿书法", fee_per_session=Decimal("40"))
    client = Client()
    client.force_login(contract["user"])
    body = {"term": contract["term"].pk, "organization": org.pk, "fee_per_session": "35",
            "sessions": 16}

    # when the school engages it for the calligraphy offering: refused, naming both, and
    # nothing is written
    before = Engagement.objects.count()
    refused = client.post("/api/v1/engagements/", {**body, "offering": calligraphy.pk},
                          content_type="application/json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert refused.status_code == 400, refused.content
    assert org.name in str(refused.json()) and "文化艺术" in str(refused.json())
    assert Engagement.objects.count() == before

    # and for the swimming offering: refused too, naming 游泳
    refused = client.post("/api/v1/engagements/", {**body, "offering": swimming.pk},
                          content_type="application/json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert refused.status_code == 400, refused.content
    assert "游泳" in str(refused.json())
    assert Engagement.objects.count() == before
    # the school's search offers only the basketball one, what its approval covers
    [found] = [r for r in client.get("/api/v1/search/organizations/").json()["results"]
               if r["id"] == org.pk]
    assert [o["id"] for o in found["offerings"]] == [contract["offering"].pk]
    # and its page links only that one to an engagement, saying why not the others
    page = client.get(f"/registry/providers/{org.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    html = page.content.decode().replace("&amp;", "&")
    linked = [o.pk for o in (swimming, calligraphy, contract["offering"])
              if f"organization={org.pk}&offering={o.pk}" in html]
    assert linked == [contract["offering"].pk]
    assert html.count("不在其准入范围内") == 2
    # the basketball one (sport itself): engaged
    response = client.post("/api/v1/engagements/", {**body, "offering": contract["offering"].pk},
                           content_type="application/json")
    assert response.status_code == 201, response.content


def test_a_person_approved_for_sport_is_neither_found_nor_engaged_for_swimming(contract):
    # given a coach approved for sport (体育), not for swimming (游泳, high-risk: the bureau
    # never checked a qualification to teach it), and one approved for swimming
    _coach("郑体育", grades=(1, 6), categories=("sport",))
    swimmer = _coach("冯游泳", grades=(1, 6), categories=("swimming",))
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(contract["user"])
    # when the school searches people for swimming: only the one approved for it
    found = client.get("/api/v1/search/people/", {"category": "swimming"})
    assert found.status_code == 200, found.content
    names = [r["name"] for r in found.json()["results"]]
    assert "冯游泳" in names and "郑体育" not in names
    # and for sport: both (an approval for swimming teaches a sport)
    names = [r["name"] for r in client.get("/api/v1/search/people/",
                                            {"category": "sport"}).json()["results"]]
    assert {"冯游泳", "郑体育"} <= set(names)
    # and engaging the sport coach to teach swimming is refused, naming 游泳
    need = services.term_need_add(actor=contract["user"], term=contract["term"],
                                  category=category("swimming"), grade_min=1, grade_max=6,
                                  places=20, budget_per_session=Decimal("40"))
    with pytest.raises(ValidationError) as refused:
        engage(contract, organization=None, offering=None,
               person=Person.objects.get(name="郑体育"), need=need, roster=[],
               fee_per_session=Decimal("30"))
    assert "郑体育" in str(refused.value) and "游泳" in str(refused.value)
    engagement = engage(contract, organization=None, offering=None, person=swimmer,
                        need=need, roster=[], fee_per_session=Decimal("30"))
    assert engagement.approval.person == swimmer
