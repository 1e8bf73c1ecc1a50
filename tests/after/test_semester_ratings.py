"""Issue 20 (3): at the end of each term the school rates each engagement on the rubric
(a score per item; the satisfaction is computed from them). The beat asks the school, the
task waits on its engagements page, and a provider whose satisfaction falls under the
threshold (80 % by default) gets a review case on its own. Web page and API; default
settings, on a shifted clock."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from registry import services
from registry.models import EVALUATION_RUBRIC, Bureau, Engagement, Evaluation
from registry.roles import Role
from registry.services import after_approval
from tests.after.beat import at, beat_day
from tests.factories import EngagedOrganizationFactory, UserFactory
from tests.registry.builders import approve, organization, school_user
from workflows.models import Notification, ReviewCaseProcess

pytestmark = pytest.mark.django_db
START = datetime.date(2027, 2, 22)
END = START + datetime.timedelta(days=120)
AFTER = END + datetime.timedelta(days=1)
D = datetime.timedelta
GOOD = {"safety": 5, "teaching": 4, "content": 4, "reliability": 5, "conduct": 5,
        "feedback": 4}  # (15 + 8 + 8 + 5 + 5 + 4) / 50 = 90 %


@pytest.fixture
def w():
    with at(START):
        clerk = UserFactory()
        services.role_grant(actor=None, user=clerk, role=Role.BUREAU_CLERK,
                            target=Bureau.objects.get(jurisdiction__code="360100"))
        engaged = EngagedOrganizationFactory(
            spring=True, term_name="2027年春季学期", starts_on=START, ends_on=END,
            valid_from=START - D(30), valid_until=START + D(330))
    return type("W", (), {"clerk": clerk, "org": engaged.organization, "school": engaged.school,
                          "term": engaged.term, "school_account": engaged.account,
                          "engagement": engaged.engagement})


def _form(engagement, scores, comments=""):
    data = {"engagement": engagement.pk, f"e{engagement.pk}-comments": comments}
    data.update({f"e{engagement.pk}-score_{k}": v for k, v in scores.items()})
    return data


def test_term_end_asks_the_school_and_a_low_rating_on_the_rubric_opens_a_review_case(
        client, w):
    page = reverse("registry:term-ratings", args=[w.term.pk])
    # the day after the term ends, the beat asks the school; the task is on its page
    beat_day(AFTER)
    asked = Notification.objects.filter(user=w.school_account).values_list("body", flat=True)
    assert any("评价表" in body for body in asked), list(asked)
    with at(AFTER, 10):
        client.force_login(w.school_account)
        engagements = client.get(reverse("registry:school-engagements")).content.decode()
        assert 'id="ratings-due"' in engagements and page in engagements
        form = client.get(page)
        assert form.status_code == 200
        text = form.content.decode()
        assert all(str(item.label) in text for item in EVALUATION_RUBRIC)
        # a score missing and one out of range: 400 beside the engagement, nothing kept
        refused = client.post(page, _form(w.engagement, {**GOOD, "safety": "6",
                                                         "feedback": ""}))
        assert refused.status_code == 400
        assert "选择一个有效的选项" in refused.content.decode() or \
            "这个字段是必填项" in refused.content.decode()
        assert not Evaluation.objects.exists()
        # rated low on every item (3/5 = 60 %): recorded, and the bureau gets a review case
        done = client.post(page, _form(w.engagement, dict.fromkeys(GOOD, 3), "看护不到位"))
        assert done.status_code == 302
        evaluation = Evaluation.objects.get(engagement=w.engagement)
        assert evaluation.percent == Decimal("60.00") and evaluation.satisfaction == 3
        assert evaluation.scores == dict.fromkeys(GOOD, 3)
        shown = client.get(page).content.decode()
        assert "60.0%" in shown and "低于 80%" in shown
        # once only
        again = client.post(page, _form(w.engagement, GOOD))
        assert again.status_code == 400 and Evaluation.objects.count() == 1
        assert 'id="ratings-due"' not in client.get(
            reverse("registry:school-engagements")).content.decode()
    case = ReviewCaseProcess.objects.get(organization=w.org)
    assert case.trigger == "low_satisfaction" and case.stage == "investigation"
    assert case.details["satisfaction_share"] == 0.6 and case.details["threshold"] == 0.8
    assert [t.flow_task.name for t in Task.objects.filter(process_id=case.pk,
                                                         status=STATUS.NEW)] == ["investigate"]


def test_another_school_may_not_rate_and_the_page_is_not_theirs(client, w):
    other, _school = school_user("360102")
    page = reverse("registry:term-ratings", args=[w.term.pk])
    with at(AFTER):
        client.force_login(other)
        # another school's term is one nobody holds to it (tests/security/
        # test_privacy_probes_ids_web.py compares the pages word for word)
        assert client.get(page).status_code == 404
        assert client.post(page, _form(w.engagement, GOOD)).status_code == 404
    assert not Evaluation.objects.exists()


def test_the_api_gives_the_rubric_and_takes_scores(client, w):
    with at(AFTER):
        client.force_login(w.school_account)
        rubric = client.get("/api/v1/evaluation-rubric/").json()
        assert [i["key"] for i in rubric["items"]] == [i.key for i in EVALUATION_RUBRIC]
        assert rubric["threshold_percent"] == 80 and rubric["top_score"] == 5
        url = f"/api/v1/engagements/{w.engagement.pk}/evaluate/"
        unknown = client.post(url, {"scores": {**GOOD, "punctuality": 5}},
                              content_type="application/json")
        assert unknown.status_code == 400 and "punctuality" in str(unknown.json())
        fractional = client.post(url, {"scores": {**GOOD, "safety": 4.5}},
                                 content_type="application/json")
        assert fractional.status_code == 400
        assert not Evaluation.objects.exists()
        done = client.post(url, {"scores": GOOD, "comments": "学生喜欢"},
                           content_type="application/json")
        assert done.status_code == 201, done.content
        assert done.json()["percent"] == "90.00" and done.json()["scores"] == GOOD
        shown = client.get(f"/api/v1/engagements/{w.engagement.pk}/").json()
    assert shown["evaluation"]["percent"] == "90.00" and shown["satisfaction"] == 5
    assert not ReviewCaseProcess.objects.exists()  # 90 % is above the threshold


def test_a_rating_before_the_engagement_ends_is_refused(client, w):
    with at(END - D(10)):
        client.force_login(w.school_account)
        early = client.post(f"/api/v1/engagements/{w.engagement.pk}/evaluate/",
                            {"scores": GOOD}, content_type="application/json")
    assert early.status_code == 400 and "2027年6月22日" in str(early.json())
    assert not Evaluation.objects.exists()


def test_an_engagement_ended_early_is_rated_without_waiting_for_its_planned_end(client, w):
    # given an engagement that ran and that the school ended a month early
    Engagement.objects.filter(pk=w.engagement.pk).update(status=Engagement.Status.ACTIVE)
    page = reverse("registry:term-ratings", args=[w.term.pk])
    with at(END - D(30), 10):
        services.engagement_end(actor=w.school_account, engagement=w.engagement,
                                reason="机构停办")
        client.force_login(w.school_account)
        # when the school opens the term's rating page and rates it
        shown = client.get(page).content.decode()
        assert f'id="rate-{w.engagement.pk}"' in shown
        rated = client.post(page, _form(w.engagement, GOOD))
    # then the rating is recorded at once
    assert rated.status_code == 302, rated.content.decode()[:2000]
    assert Evaluation.objects.get(engagement=w.engagement).percent == Decimal("90")


def _causes_of_low_satisfaction() -> list[dict]:
    """Each time a review was asked for low satisfaction: a case opened, or the cause
    added to the one still open."""
    asked = []
    for case in ReviewCaseProcess.objects.order_by("pk"):
        if case.trigger == "low_satisfaction":
            asked.append(case.details)
        asked += [c for c in case.details.get("more_causes", [])
                  if c["trigger"] == "low_satisfaction"]
    return asked


def test_satisfaction_is_the_school_terms_a_bad_term_long_past_does_not_weigh(client):
    long_ago = datetime.date(2025, 2, 24)
    with at(long_ago):
        engaged = EngagedOrganizationFactory(
            spring=True, term_name="2025年春季学期", starts_on=long_ago,
            valid_from=long_ago - D(10), valid_until=END + D(60))
    org, school_account, school = engaged.organization, engaged.account, engaged.school
    old_term, old = engaged.term, engaged.engagement
    # that term went badly (2/5 = 40 %): the bureau was asked to review, then
    with at(long_ago + D(121)):
        services.engagement_evaluate(actor=school_account, engagement=old,
                                     scores=dict.fromkeys(GOOD, 2))
    assert [c["satisfaction_share"] for c in _causes_of_low_satisfaction()] == [0.4]
    # two years on, this term, at two schools (each names its own term)
    with at(START):
        other_account, other_school = school_user("360102")
        here = services.school_term_create(actor=school_account, school=school,
                                           name="2027年春季学期", starts_on=START,
                                           ends_on=END, project_count=10)
        there = services.school_term_create(actor=other_account, school=other_school,
                                            name="2027春", starts_on=START + D(7),
                                            ends_on=END - D(5), project_count=8)
        good = services.engagement_create(actor=school_account, school=school, term=here,
                                          organization=org, fee_per_session=Decimal("20"),
                                          sessions=16)
        bad = services.engagement_create(actor=other_account, school=other_school,
                                         term=there, organization=org,
                                         fee_per_session=Decimal("20"), sessions=12)
    # rated 90 % on the rubric, through the API: this term is good, whatever 2025 was
    # (over all time it would be (40 + 90) / 2 = 65 %, under 80 %)
    with at(AFTER, 10):
        client.force_login(school_account)
        done = client.post(f"/api/v1/engagements/{good.pk}/evaluate/", {"scores": GOOD},
                           content_type="application/json")
    assert done.status_code == 201, done.content
    assert [c["satisfaction_share"] for c in _causes_of_low_satisfaction()] == [0.4]
    # the other school rates the same term 60 %: (90 + 60) / 2 = 75 % → a review is asked
    with at(AFTER, 11):
        client.force_login(other_account)
        done = client.post(f"/api/v1/engagements/{bad.pk}/evaluate/",
                           {"scores": dict.fromkeys(GOOD, 3)}, content_type="application/json")
    assert done.status_code == 201, done.content
    causes = _causes_of_low_satisfaction()
    assert [c["satisfaction_share"] for c in causes] == [0.4, 0.75]
    assert causes[-1]["term"] == there.pk and causes[-1]["threshold"] == 0.8
    assert services.satisfaction_share(term=old_term, organization=org) == 0.4
    assert services.satisfaction_share(term=here, organization=org) == 0.75


def _engage(account, school, term, org):
    with at(START):
        return services.engagement_create(actor=account, school=school, term=term,
                                          organization=org, fee_per_session=Decimal("20"),
                                          sessions=16)


def _school_with_term(name: str, term_name: str, org, *, ends_on=END, account=None):
    """A school (with its user) whose term ``term_name`` runs from START to ``ends_on``,
    with one engagement of ``org``."""
    account, school = school_user("360102", name=name) if account is None else account
    with at(START):
        term = services.school_term_create(actor=account, school=school, name=term_name,
                                           starts_on=START, ends_on=ends_on, project_count=10)
    _engage(account, school, term, org)
    return account, school, term


def test_each_school_is_asked_to_rate_its_own_term_named_with_its_count(client, w):
    # given two schools whose terms ended the same day: w's, with two engagements to rate,
    # and 育才小学's, with one; a third user acts for both schools
    with at(START):
        org2 = organization("南昌启航体育俱乐部", ("少儿篮球", "sport", "30"))
        approve(organization=org2, where="360100", categories=("sport",),
                valid_from=START - D(30), valid_until=START + D(330))
    _engage(w.school_account, w.school, w.term, org2)
    account_b, school_b, term_b = _school_with_term("南昌市育才小学", "育才2027春", w.org)
    both = UserFactory()
    for school in (w.school, school_b):
        services.role_grant(actor=None, user=both, role=Role.SCHOOL, target=school)
    # when the calendar asks for the ratings, the day after the terms ended
    with at(AFTER, 3):
        assert after_approval.term_evaluations_request(today=AFTER) == 2
    # then each school's user is told once, of their own school and term, with its count
    mine = list(Notification.objects.filter(user=w.school_account))
    theirs = list(Notification.objects.filter(user=account_b))
    assert len(mine) == 1 and len(theirs) == 1
    assert mine[0].concerns == w.school.name and theirs[0].concerns == "南昌市育才小学"
    assert mine[0].subject == "2027年春季学期已结束：请评价 2 个引进项目"
    assert theirs[0].subject == "育才2027春已结束：请评价 1 个引进项目"
    assert (f"{w.school.name}的2027年春季学期（2027年2月22日 – 2027年6月22日）已结束，"
            "有 2 个引进项目待评价") in mine[0].body
    assert "评价表" in mine[0].body and "80%" in mine[0].body
    assert "育才" not in mine[0].subject + mine[0].body
    assert w.school.name not in theirs[0].subject + theirs[0].body + theirs[0].concerns
    engagements = reverse("registry:school-engagements")
    assert mine[0].url == f"{engagements}?school={w.school.pk}#ratings-due"
    assert theirs[0].url == f"{engagements}?school={school_b.pk}#ratings-due"
    # the user acting for both schools gets one for each, and each link names its school:
    # the page shows that school's term waiting, not the other's
    told = {n.concerns: n for n in Notification.objects.filter(user=both)}
    assert set(told) == {w.school.name, "南昌市育才小学"}
    assert "2027年春季学期" in told[w.school.name].subject
    assert "育才2027春" in told["南昌市育才小学"].subject
    with at(AFTER, 10):
        client.force_login(both)
        page = client.get(told["南昌市育才小学"].url.split("#")[0])
    assert page.status_code == 200
    shown = page.content.decode()
    assert 'id="ratings-due"' in shown
    assert reverse("registry:term-ratings", args=[term_b.pk]) in shown
    assert reverse("registry:term-ratings", args=[w.term.pk]) not in shown
    # and a later run asks nobody again
    with at(AFTER + D(1), 3):
        assert after_approval.term_evaluations_request(today=AFTER + D(1)) == 0
    assert Notification.objects.filter(user=both).count() == 2


def test_asking_three_schools_takes_the_queries_asking_one_does(w):
    ContentType.objects.get_by_natural_key("registry", "school")  # cached, as in a worker
    with at(AFTER, 3), CaptureQueriesContext(connection) as one:
        assert after_approval.term_evaluations_request(today=AFTER) == 1
    later = END + D(30)
    accounts = [_school_with_term(f"南昌市第{n}小学", "2027年春季学期", w.org, ends_on=later)[0]
                for n in range(3)]
    with at(later + D(1), 3), CaptureQueriesContext(connection) as three:
        assert after_approval.term_evaluations_request(today=later + D(1)) == 3
    assert len(three) == len(one), [q["sql"] for q in three]
    # the docstring's six; the savepoints of its transaction (none of them in a worker's
    # outer one, two for the insert's) are not counted there
    statements = [q["sql"] for q in three if "SAVEPOINT" not in q["sql"]]
    assert len(statements) <= 6, statements
    for n, account in enumerate(accounts):
        assert [(t.concerns, t.subject) for t in Notification.objects.filter(user=account)] == [
            (f"南昌市第{n}小学", "2027年春季学期已结束：请评价 1 个引进项目")]
