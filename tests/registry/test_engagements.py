import datetime
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import translation
from django.utils.dates import MONTHS_AP

from registry import selectors, services
from registry.models import AuditEvent, Engagement, Incident, ReviewRequest
from tests.registry.builders import (
    approve,
    bureau_admin,
    category,
    days,
    organization,
    person,
    rubric,
    school_user,
)
from workflows.models import ReviewCaseProcess


def _term(user, school, *, projects=10, name="2026 秋季学期", start=0, end=120):
    return services.school_term_create(actor=user, school=school, name=name,
                                       starts_on=days(start), ends_on=days(end),
                                       project_count=projects)


@pytest.fixture
def setting(db):
    user, school = school_user("360102")
    term = _term(user, school)
    providers = []
    for i in range(4):
        org = organization(f"南昌第{i}艺术培训有限公司", ("少儿美术", "arts", "30"))
        approve(organization=org, where="360100", categories=("arts",))
        providers.append(org)
    return {"user": user, "school": school, "term": term, "orgs": providers}


def _engage(setting, org, **overrides):
    data = dict(actor=setting["user"], school=setting["school"], term=setting["term"],
                organization=org, offering=org.offerings.first() if org else None,
                fee_per_session=Decimal("25"), sessions=16)
    data.update(overrides)
    return services.engagement_create(**data)


@pytest.mark.django_db
def test_engaging_an_approved_provider_is_recorded_and_audited(setting):
    engagement = _engage(setting, setting["orgs"][0])
    assert engagement.approval.organization == setting["orgs"][0]
    assert (engagement.starts_on, engagement.ends_on) == (setting["term"].starts_on,
                                                          setting["term"].ends_on)
    assert AuditEvent.objects.for_object(engagement).get().action == "engagement.create"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("other county", "not approved"),
        ("suspended", "suspended"),
        ("ends early", "before the engagement ends"),
        ("pending", "not approved"),
    ],
)
def test_the_gate_refuses_providers_that_may_not_serve(setting, case, message, settings):
    settings.LANGUAGE_CODE = "en"
    org = organization("某机构有限公司", ("课程", "arts", "10"))
    if case == "other county":
        approve(organization=org, where="360103", categories=("arts",))
    elif case == "suspended":
        approve(organization=org, categories=("arts",), status="suspended")
    elif case == "ends early":
        approve(organization=org, categories=("arts",), valid_until=days(60))
    elif case == "pending":
        approve(organization=org, categories=("arts",), status="pending")
    from django.utils import translation

    with translation.override("en"), pytest.raises(ValidationError, match=message):
        _engage(setting, org)
    assert not Engagement.objects.exists()


@pytest.mark.django_db
def test_the_cap_holds(setting, settings):
    settings.REGISTRY_EXTERNAL_PROJECT_CAP = 0.30  # 30% of 10 projects: 3
    for org in setting["orgs"][:3]:
        _engage(setting, org)
    with pytest.raises(ValidationError) as excinfo:
        _engage(setting, setting["orgs"][3])
    assert excinfo.value.code == "cap_reached"
    assert Engagement.objects.count() == 3
    # individuals are not external organization projects
    retiree = person("王秀兰")
    approve(person=retiree, categories=("reading",))
    _engage(setting, None, person=retiree, offering=None, category=category("reading"),
            grade_min=1, grade_max=6)


@pytest.mark.django_db
def test_end_before_start_overlap_and_someone_elses_school_are_refused(setting):
    org = setting["orgs"][0]
    with pytest.raises(ValidationError):
        _engage(setting, org, starts_on=days(50), ends_on=days(10))
    _engage(setting, org, starts_on=days(0), ends_on=days(60))
    with pytest.raises(ValidationError) as excinfo:
        _engage(setting, org, starts_on=days(30), ends_on=days(90))
    assert excinfo.value.code == "duplicate"
    _engage(setting, org, starts_on=days(61), ends_on=days(90))  # back to back is fine
    other_user, other_school = school_user("360102")
    with pytest.raises(PermissionDenied):
        _engage(setting, org, actor=other_user)
    other_term = _term(other_user, other_school)
    with pytest.raises(PermissionDenied):
        _engage(setting, setting["orgs"][1], term=other_term)
    with pytest.raises(ValidationError):
        services.school_term_create(actor=setting["user"], school=setting["school"],
                                    name="坏学期", starts_on=days(10), ends_on=days(1),
                                    project_count=5)
    assert Engagement.objects.count() == 2


@pytest.mark.django_db
def test_engagements_through_the_api(setting, client, django_assert_max_num_queries):
    client.force_login(setting["user"])
    org = setting["orgs"][0]
    response = client.post("/api/v1/engagements/", {
        "term": setting["term"].pk, "organization": org.pk,
        "offering": org.offerings.first().pk, "fee_per_session": "25", "sessions": 16,
    })
    assert response.status_code == 201, response.content
    bad = client.post("/api/v1/engagements/", {
        "term": setting["term"].pk, "organization": org.pk, "fee_per_session": "-1",
        "sessions": 16,
    })
    assert bad.status_code == 400
    suspended = organization("暂停机构有限公司", ("课程", "arts", "10"))
    approve(organization=suspended, categories=("arts",), status="suspended")
    refused = client.post("/api/v1/engagements/", {
        "term": setting["term"].pk, "organization": suspended.pk, "fee_per_session": "25",
        "sessions": 16,
    })
    # a provider the school may not engage (suspended here) reads as a number nobody holds
    # (tests/security/test_privacy_probes_ids.py); the service still says why to whoever
    # reaches it (test_the_gate_refuses_providers_that_may_not_serve)
    assert (refused.status_code, refused.json()) == (
        400, {"detail": ["学期、机构、项目或人员不存在，或不在本校可引进的范围内。"]})
    other_user, other_school = school_user("360103")
    other_term = _term(other_user, other_school)
    foreign = client.post("/api/v1/engagements/", {
        "term": other_term.pk, "organization": org.pk, "fee_per_session": "25", "sessions": 1,
    })
    # another school's term reads as a number nobody holds (test_privacy_probes_ids.py)
    assert (foreign.status_code, foreign.json()) == (
        400, {"detail": ["学期、机构、项目或人员不存在，或不在本校可引进的范围内。"]})
    foreign = client.post("/api/v1/engagements/", {
        "school": other_school.pk, "term": other_term.pk, "organization": org.pk,
        "fee_per_session": "25", "sessions": 1,
    })
    assert foreign.status_code == 403
    for org in setting["orgs"][1:3]:
        _engage(setting, org)
    with django_assert_max_num_queries(8):
        listing = client.get("/api/v1/engagements/")
    assert listing.status_code == 200 and listing.json()["count"] == 3


@pytest.mark.django_db
def test_bureaus_see_every_engagement_in_their_jurisdiction_schools_only_their_own(
        setting, client, django_assert_max_num_queries):
    _engage(setting, setting["orgs"][0])
    other_user, other_school = school_user("360103")
    other_term = _term(other_user, other_school)
    services.engagement_create(actor=other_user, school=other_school, term=other_term,
                               organization=setting["orgs"][1], fee_per_session=Decimal("20"),
                               sessions=10)
    jiujiang_user, jiujiang_school = school_user("360102")  # same county, own school
    admin, bureau = bureau_admin("360100")
    county_admin, county_bureau = bureau_admin("360102")
    assert selectors.engagements_for_jurisdictions([bureau.jurisdiction_id]).count() == 2
    assert selectors.engagements_for_jurisdictions([county_bureau.jurisdiction_id]).count() == 1
    client.force_login(admin)
    with django_assert_max_num_queries(8):
        assert client.get("/api/v1/engagements/").json()["count"] == 2
    with django_assert_max_num_queries(12):
        page = client.get(f"/registry/bureau/{bureau.pk}/")
    assert page.status_code == 200 and other_school.name in page.content.decode()
    client.force_login(jiujiang_user)
    assert client.get("/api/v1/engagements/").json()["count"] == 0
    client.force_login(setting["user"])
    assert client.get("/api/v1/engagements/").json()["count"] == 1
    with django_assert_max_num_queries(14):
        page = client.get("/registry/school/engagements/")
    assert page.status_code == 200 and "南昌第0艺术培训有限公司" in page.content.decode()
    assert client.get(f"/registry/bureau/{bureau.pk}/").status_code == 403


@pytest.mark.django_db
def test_engagement_through_the_browser(setting, client):
    client.force_login(setting["user"])
    org = setting["orgs"][0]
    response = client.post("/registry/school/engagements/", {
        "eng-term": setting["term"].pk, "eng-organization": org.pk,
        "eng-fee_per_session": "25", "eng-sessions": "16",
    })
    assert response.status_code == 302
    response = client.post("/registry/school/engagements/", {
        "eng-term": setting["term"].pk, "eng-organization": org.pk,
        "eng-fee_per_session": "25", "eng-sessions": "16",
    })
    assert response.status_code == 400
    assert "重叠" in response.content.decode()  # zh-hans, the default
    assert Engagement.objects.count() == 1


@pytest.mark.django_db
def test_evaluation_at_term_end_and_low_satisfaction_opens_a_review(setting, settings):
    settings.REGISTRY_SATISFACTION_THRESHOLD = 0.80
    first = _engage(setting, setting["orgs"][0], ends_on=days(30))
    with pytest.raises(ValidationError) as excinfo:
        services.engagement_evaluate(actor=setting["user"], engagement=first, scores=rubric(5))
    assert excinfo.value.code == "too_early"
    with time_machine.travel(days(31) + datetime.timedelta(hours=12), tick=False):
        services.engagement_evaluate(actor=setting["user"], engagement=first, scores=rubric(4))
        assert not ReviewRequest.objects.exists()  # 4/5 = 80% is not below 80%
        with pytest.raises(ValidationError):
            services.engagement_evaluate(actor=setting["user"], engagement=first,
                                         scores=rubric(1))
    second = _engage(setting, setting["orgs"][0], starts_on=days(40), ends_on=days(60))
    with time_machine.travel(days(61) + datetime.timedelta(hours=12), tick=False):
        services.engagement_evaluate(actor=setting["user"], engagement=second,
                                     scores=rubric(3))
    # in the same term: (80 % + 60 %) / 2 = 70 %: a review case, the workflow the bureau
    # works through
    case = ReviewCaseProcess.objects.get()
    assert case.organization == setting["orgs"][0] and case.trigger == "low_satisfaction"
    assert case.bureau.jurisdiction.code == "360100"
    assert case.stage == "investigation" and case.details["satisfaction_share"] == 0.7
    assert AuditEvent.objects.for_object(case).get().action == "review_case.open"
    assert not ReviewRequest.objects.exists()


@pytest.mark.django_db
def test_incidents_any_time_through_api_and_browser(setting, client):
    engagement = _engage(setting, setting["orgs"][0])
    client.force_login(setting["user"])
    response = client.post(f"/api/v1/engagements/{engagement.pk}/incidents/", {
        "kind": "new_lessons", "description": "在课后服务时间讲授新课",
        "occurred_on": days(0).isoformat(),
    })
    assert response.status_code == 201
    bad = client.post(f"/api/v1/engagements/{engagement.pk}/incidents/", {
        "kind": "weather", "description": "x", "occurred_on": days(0).isoformat()})
    assert bad.status_code == 400
    client.post(f"/registry/school/engagements/{engagement.pk}/incident/", {
        "kind": "safety", "description": "学生摔伤", "occurred_on": days(0).isoformat()})
    assert list(Incident.objects.values_list("kind", flat=True).order_by("pk")) == [
        "new_lessons", "safety"]
    assert AuditEvent.objects.filter(action="incident.report").count() == 2
    other_user, _ = school_user("360102")
    client.force_login(other_user)
    assert client.post(f"/api/v1/engagements/{engagement.pk}/incidents/", {
        "kind": "fees", "description": "x", "occurred_on": days(0).isoformat()
    }).status_code == 404
    with pytest.raises(PermissionDenied):
        services.incident_report(actor=other_user, engagement=engagement, kind="fees",
                                 description="乱收费", occurred_on=days(0))


@pytest.mark.django_db
def test_admin_lists_the_new_records_read_only(setting, admin_client):
    _engage(setting, setting["orgs"][0])
    for model in ("publication", "engagement", "reviewrequest", "blacklisting"):
        assert admin_client.get(f"/admin/registry/{model}/").status_code == 200
    assert admin_client.get("/admin/registry/engagement/add/").status_code == 403


@pytest.mark.django_db
def test_search_result_links_to_a_prefilled_engagement_form(setting, client):
    client.force_login(setting["user"])
    org = setting["orgs"][0]
    page = client.get("/registry/school/search/", {"keyword": "美术"}).content.decode()
    link = f"organization={org.pk}"
    assert link in page
    form = client.get(f"/registry/school/engagements/?{link}").content.decode()
    assert f'name="eng-organization" value="{org.pk}"' in form


@pytest.mark.django_db
def test_malformed_school_or_bureau_is_a_400_not_a_500(setting, client):
    client.force_login(setting["user"])
    assert client.post("/api/v1/engagements/", {"school": "abc", "term": 1,
                                                "fee_per_session": "1",
                                                "sessions": 1}).status_code == 400
    assert client.post("/api/v1/terms/", {"school": "x"}).status_code == 400
    assert client.get("/registry/school/engagements/", {"school": "x"}).status_code == 400
    assert client.get("/api/v1/search/organizations/", {"school": "x"}).status_code == 400
    admin, _bureau = bureau_admin("360100")
    client.force_login(admin)
    assert client.post("/api/v1/sanctions/", {"action": "suspend"}).status_code == 400
    assert client.post("/api/v1/publications/publish/", {"bureau": "x"}).status_code == 400


@pytest.mark.django_db
def test_an_engagement_cannot_start_before_the_approval_does(setting):
    """Found by the browser journey: a term already under way must not back-date teaching
    to before the provider was approved."""
    from django.utils import translation

    org = organization("晚批准艺术培训有限公司", ("课程", "arts", "10"))
    approve(organization=org, categories=("arts",), valid_from=days(-10))
    term = _term(setting["user"], setting["school"], name="2026 已开学学期", start=-30, end=90)
    with translation.override("en"), pytest.raises(ValidationError, match="approval starts"):
        _engage(setting, org, term=term)
    assert not Engagement.objects.filter(organization=org).exists()
    engagement = _engage(setting, org, term=term, starts_on=days(-10),
                         fee_per_session=Decimal("10"))
    assert engagement.starts_on == days(-10)


def _written(day: datetime.date, language: str) -> str:
    """How a reader of ``language`` is shown a date (the site's DATE_FORMAT): "Y年n月j日",
    or "N j, Y" (AP style months: "April 1, 2026", "Jan. 28, 2027")."""
    if language == "zh-hans":
        return f"{day.year}年{day.month}月{day.day}日"
    with translation.override("en"):
        return f"{MONTHS_AP[day.month]} {day.day}, {day.year}"


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_refusals_give_dates_in_the_readers_format(setting, language):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(setting["user"])

    def refusal(url, data) -> str:
        response = api.post(url, data, format="json", HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 400, response.content.decode()
        return " ".join(m for messages in response.json().values() for m in messages)

    # an approval that ends before the engagement would
    short = organization("某机构有限公司", ("课程", "arts", "10"))
    approve(organization=short, categories=("arts",), valid_until=days(60))
    message = refusal("/api/v1/engagements/", {
        "school": setting["school"].pk, "term": setting["term"].pk,
        "organization": short.pk, "fee_per_session": "25", "sessions": 16})
    assert _written(days(60), language) in message
    assert days(60).isoformat() not in message
    # an approval that starts after the engagement would
    late = organization("另一机构有限公司", ("课程", "arts", "10"))
    approve(organization=late, categories=("arts",), valid_from=days(-10))
    begun = _term(setting["user"], setting["school"], name="已开始的学期", start=-20, end=30)
    message = refusal("/api/v1/engagements/", {
        "school": setting["school"].pk, "term": begun.pk, "organization": late.pk,
        "fee_per_session": "25", "sessions": 16})
    assert _written(days(-10), language) in message
    assert days(-10).isoformat() not in message
    # a rating before the engagement ends
    engagement = _engage(setting, setting["orgs"][0], ends_on=days(30))
    message = refusal(f"/api/v1/engagements/{engagement.pk}/evaluate/",
                      {"scores": rubric(5)})
    assert _written(days(30), language) in message
    assert days(30).isoformat() not in message


@pytest.mark.django_db
def test_a_refusals_date_is_written_when_the_message_is(setting):
    # the message is translated lazily, when shown; its date must follow it, not the
    # language active when the service refused
    engagement = _engage(setting, setting["orgs"][0], ends_on=days(30))
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        services.engagement_evaluate(actor=setting["user"], engagement=engagement,
                                     scores=rubric(5))
    with translation.override("en"):
        assert refused.value.messages == [
            f"An engagement is rated at its end ({_written(days(30), 'en')})."]


@pytest.mark.django_db
@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="a PostgreSQL query plan (CI runs it there)")
def test_a_providers_engagements_are_found_by_key_not_by_reading_the_table():
    """A provider's contracts page lists the engagements of the organizations it acts for
    and its own. Filtered by ``organization IN (…) OR person IN (…) OR person.user = …``,
    PostgreSQL read every engagement (a sequential scan); their ids asked first, as one
    union, it finds them by their indexes."""
    from guardian.shortcuts import assign_perm

    from registry.models import Organization, Person
    from registry.roles import Role
    from tests.factories import (
        ApprovalFactory,
        EngagementFactory,
        GroupFactory,
        OrganizationFactory,
        PersonFactory,
        SchoolTermFactory,
        UserFactory,
    )

    # given other providers' engagements, a few each, as at scale
    term, theirs = SchoolTermFactory(), ApprovalFactory(status="approved")
    others = Organization.objects.bulk_create(OrganizationFactory.build_batch(1000))
    people = Person.objects.bulk_create(PersonFactory.build_batch(1000))
    Engagement.objects.bulk_create(
        [EngagementFactory.build(term=term, approval=theirs, organization=o)
         for o in others for _ in range(3)]
        + [EngagementFactory.build(term=term, approval=theirs, organization=None, person=p)
           for p in people])
    # and a user acting for an organization, for another through a group, and as itself
    user, own, via_group = UserFactory(), OrganizationFactory(), OrganizationFactory()
    services.role_grant(actor=None, user=user, role=Role.PROVIDER, target=own)
    team = GroupFactory(name="provider team")
    team.user_set.add(user)
    assign_perm("registry.act_for_organization", team, via_group)
    itself = PersonFactory(user=user)
    mine = [EngagementFactory(term=term, approval=ApprovalFactory(status="approved",
                                                                    organization=o))
            for o in (own, via_group)]
    mine.append(Engagement.objects.create(
        term=term, school=term.school, approval=theirs, person=itself,
        starts_on=term.starts_on, ends_on=term.starts_on + datetime.timedelta(days=100),
        fee_per_session=Decimal("20"), sessions=10))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    # when its engagements are asked for, then only they are found, by key
    found = selectors.engagements_for_provider_user(user)
    assert sorted(e.pk for e in found) == sorted(e.pk for e in mine)
    plan = selectors.engagements_for_provider_user(user)[:200].explain()
    assert "Seq Scan on registry_engagement" not in plan, plan


@pytest.mark.django_db
@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="a PostgreSQL query plan (CI runs it there)")
def test_the_engagements_api_finds_a_schools_engagements_by_key_not_by_reading_the_table():
    """``/api/v1/engagements/`` lists what the caller may read: its schools', its
    provider's, its bureaus' schools'. As one ``OR`` of those conditions (on different
    relations) PostgreSQL read every engagement for every caller; as a union of ids found
    by their indexes, under few enough joins to be planned freely, it reads the school's."""
    import random

    from registry.models import Organization, Person, School
    from registry.requests import schools_of
    from registry.roles import Role
    from tests.factories import (
        ApprovalFactory,
        EngagementFactory,
        OrganizationFactory,
        PersonFactory,
        SchoolFactory,
        SchoolTermFactory,
        UserFactory,
    )

    # given many schools with other providers' engagements, as at scale
    term, theirs = SchoolTermFactory(), ApprovalFactory(status="approved")
    rng = random.Random(7)
    schools = School.objects.bulk_create(SchoolFactory.build_batch(3000))
    organizations = Organization.objects.bulk_create(OrganizationFactory.build_batch(3000))
    people = Person.objects.bulk_create(PersonFactory.build_batch(2000))
    Engagement.objects.bulk_create(
        [EngagementFactory.build(term=term, approval=theirs, organization=o,
                                 school=rng.choice(schools))
         for o in organizations for _ in range(10)]
        + [EngagementFactory.build(term=term, approval=theirs, organization=None, person=p,
                                   school=rng.choice(schools)) for p in people])
    # and a school's user, whose school has engagements of its own
    user = UserFactory()
    services.role_grant(actor=None, user=user, role=Role.SCHOOL, target=term.school)
    mine = [EngagementFactory(term=term, approval=theirs, school=term.school,
                              organization=rng.choice(organizations)) for _ in range(3)]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    # when the school lists its engagements, then it gets its own
    from rest_framework.test import APIClient

    api_client = APIClient()
    api_client.force_authenticate(user)
    listed = api_client.get("/api/v1/engagements/", {"page_size": 100}).json()
    assert sorted(e["id"] for e in listed["results"]) == sorted(e.pk for e in mine)
    # found by key: the page and its count
    visible = selectors.engagements_visible_to(
        user, school_ids=schools_of(user).values_list("pk", flat=True), jurisdiction_ids=[])
    for plan in (visible.order_by("-starts_on", "-pk")[:20].explain(),
                 visible.order_by()._chain().explain()):
        assert "Seq Scan on registry_engagement" not in plan, plan
