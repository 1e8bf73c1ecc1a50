"""A rating under the threshold, as the bureau's clerks receive it: the task notice of the
case it opens says why (the schools, the figure against the threshold, the term); a second
low rating while that case is open joins it, as another cause, and the clerk handling it
is told why, in the bureau's language, whatever the rating school's page was in; no second
case. And what the school is asked to rate at the end of a term: the same engagements on
its page as in the notice it was sent (a terminated one is not rated, a suspended one once
restored). Web pages and API, default settings, on a shifted clock."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from registry import services
from registry.models import AuditEvent, Bureau, Engagement, Evaluation
from registry.roles import Role
from tests.after.beat import at, beat_day
from tests.factories import UserFactory
from tests.registry.builders import approve, bureau_admin, organization, rubric, school_user
from workflows.models import Notification, ReviewCaseProcess

pytestmark = pytest.mark.django_db
D0 = datetime.date(2027, 3, 8)  # a Monday
END = datetime.date(2027, 5, 7)
RATED = END + datetime.timedelta(days=1)
D = datetime.timedelta
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def w():
    """An organization engaged by two schools for their spring terms; two clerks."""
    with at(D0):
        bureau = Bureau.objects.get(jurisdiction__code="360100")
        clerks = [UserFactory(), UserFactory()]
        for clerk in clerks:
            services.role_grant(actor=None, user=clerk, role=Role.BUREAU_CLERK, target=bureau)
        org = organization("南昌弈林围棋培训有限公司", ("少儿围棋启蒙班", "arts", "25"))
        approve(organization=org, where="360100", categories=("arts",),
                valid_from=D0 - D(7), valid_until=D0 + D(300))
        schools = []
        for name, term_name in (("南昌市东湖小学", "东湖2027春"), ("南昌市育才小学", "育才2027春")):
            account, school = school_user("360102", name=name)
            term = services.school_term_create(actor=account, school=school, name=term_name,
                                               starts_on=D0, ends_on=END, project_count=10)
            engagement = services.engagement_create(
                actor=account, school=school, term=term, organization=org,
                fee_per_session=Decimal("20"), sessions=16)
            schools.append({"account": account, "school": school, "term": term,
                            "engagement": engagement})
    return {"bureau": bureau, "clerks": clerks, "org": org, "schools": schools}


def _rate(client, school, score, hour, **headers):
    """The school rates its engagement on the rating page, ``score`` on every item."""
    engagement = school["engagement"]
    data = {"engagement": engagement.pk, f"e{engagement.pk}-comments": "经常迟到"}
    data.update({f"e{engagement.pk}-score_{k}": v for k, v in rubric(score).items()})
    with at(RATED, hour):
        client.force_login(school["account"])
        done = client.post(reverse("registry:term-ratings", args=[school["term"].pk]), data,
                           **headers)
    assert done.status_code == 302, done.content.decode()[:2000]


def _told(user) -> list:
    return list(Notification.objects.filter(user=user).order_by("pk"))


def test_the_clerks_task_notice_says_which_school_rated_the_figure_and_the_term(client, w):
    # when the first school rates the provider 60 % (3 of 5 on every item)
    _rate(client, w["schools"][0], 3, 10)
    # then a case opens, and each clerk's task notice says why
    case = ReviewCaseProcess.objects.get(organization=w["org"])
    assert case.trigger == "low_satisfaction"
    for clerk in w["clerks"]:
        [notice] = _told(clerk)
        assert notice.subject.startswith("新任务：") and f"#{case.pk}" in notice.subject
        assert ("南昌弈林围棋培训有限公司在东湖2027春（2027年3月8日 – 2027年5月7日）所在学期，"
                "其服务的所有学校的平均满意度为 60.0%，低于 80% 的阈值。"
                "评价学校：南昌市东湖小学（60.0%）。") in notice.body, notice.body
        assert notice.url == f"/selection/review-cases/{case.pk}/"


def test_a_low_rating_while_the_case_is_open_joins_it_and_tells_the_clerk_handling_it(
        client, w):
    # given a case opened on the first school's 60 %, whose investigation a clerk took
    _rate(client, w["schools"][0], 3, 10)
    case = ReviewCaseProcess.objects.get(organization=w["org"])
    handling, other = w["clerks"]
    task = Task.objects.get(process_id=case.pk, status=STATUS.NEW,
                            flow_task_type="HUMAN")
    with at(RATED, 11):
        client.force_login(handling)
        taken = client.post(f"/reviewcase/{case.pk}/investigate/{task.pk}/assign/")
    assert taken.status_code in (200, 302)
    before = {clerk.pk: len(_told(clerk)) for clerk in w["clerks"]}
    # when the second school rates it 40 %: the term's average is now 50 %
    _rate(client, w["schools"][1], 2, 14)
    # then the clerk handling the open case is told why; the other clerk is not disturbed
    told = _told(handling)[before[handling.pk]:]
    assert [n.subject for n in told] == [f"审查案件 #{case.pk} 追加事由：满意度偏低"]
    assert told[0].body.startswith("您经办的案件追加了新的事由。"), told[0].body
    assert ("南昌弈林围棋培训有限公司在育才2027春（2027年3月8日 – 2027年5月7日）所在学期，"
            "其服务的所有学校的平均满意度为 50.0%，低于 80% 的阈值。"
            "评价学校：南昌市东湖小学（60.0%）、南昌市育才小学（40.0%）。") in told[0].body
    assert told[0].url == f"/selection/review-cases/{case.pk}/"
    assert len(_told(other)) == before[other.pk]
    # and no second case: the rating joins the open one as another cause
    assert ReviewCaseProcess.objects.filter(organization=w["org"]).count() == 1
    case.refresh_from_db()
    [cause] = case.details["more_causes"]
    assert cause["trigger"] == "low_satisfaction" and cause["satisfaction_share"] == 0.5
    assert cause["term"] == w["schools"][1]["term"].pk
    assert cause["school"] == w["schools"][1]["school"].pk
    assert cause["evaluation"] == Evaluation.objects.get(
        engagement=w["schools"][1]["engagement"]).pk
    assert AuditEvent.objects.for_object(case).filter(action="review_case.cause").count() == 1
    # the case's history says a cause was added, in the clerk's words
    with at(RATED, 15):
        client.force_login(handling)
        page = client.get(f"/selection/review-cases/{case.pk}/")
    assert page.status_code == 200 and "追加立案事由" in page.content.decode()


def test_with_nobody_on_the_case_every_clerk_is_told_in_the_bureaus_language(client, w):
    # given schools whose users read the site in English
    _rate(client, w["schools"][0], 3, 10, **EN)
    case = ReviewCaseProcess.objects.get(organization=w["org"])
    for clerk in w["clerks"]:  # the task notice is in the bureau's language
        [notice] = _told(clerk)
        assert notice.subject.startswith("新任务："), notice.subject
        assert "评价学校：南昌市东湖小学（60.0%）。" in notice.body, notice.body
    # when the second school rates low before any clerk took the case
    _rate(client, w["schools"][1], 2, 14, **EN)
    # then every clerk is told, in Chinese
    for clerk in w["clerks"]:
        [_, cause] = _told(clerk)
        assert cause.subject == f"审查案件 #{case.pk} 追加事由：满意度偏低"
        assert "平均满意度为 50.0%，低于 80% 的阈值" in cause.body, cause.body
    assert ReviewCaseProcess.objects.filter(organization=w["org"]).count() == 1


def test_the_school_is_asked_on_its_page_for_what_it_was_told_to_rate(client, w):
    # given, at the first school, beside its draft engagement: one it withdrew, one the
    # bureau suspended, both before the term ended
    school = w["schools"][0]
    account, term = school["account"], school["term"]
    admin, bureau = bureau_admin("360100")
    with at(D0):
        others = [services.engagement_create(
            actor=account, school=school["school"], term=term, organization=org,
            fee_per_session=Decimal("20"), sessions=16, starts_on=D0 + D(n),
            ends_on=END - D(n)) for n, org in ((1, _org("南昌启航体育俱乐部", "sport")),
                                                (2, _org("南昌墨香书法培训中心", "arts")))]
    with at(D0 + D(20)):
        services.engagement_withdraw(actor=account, engagement=others[0], reason="计划调整")
        services.engagement_suspend(actor=admin, bureau=bureau, engagement=others[1],
                                    reason="安全隐患调查")
    # when the calendar asks for the ratings, the day after the term ended
    beat_day(RATED)
    [asked] = Notification.objects.filter(user=account, subject__contains="已结束")
    assert asked.subject == "东湖2027春已结束：请评价 1 个引进项目", asked.subject
    # then its engagements page counts the same one
    with at(RATED, 10):
        client.force_login(account)
        page = client.get(asked.url.split("#")[0]).content.decode()
        assert "东湖2027春（2027年5月7日结束）：1 个引进项目待按评价表评价" in page, page
        sheet = client.get(reverse("registry:term-ratings", args=[term.pk]))
        shown = sheet.content.decode()
        assert f'id="rate-{school["engagement"].pk}"' in shown
        assert f'id="rate-{others[0].pk}"' not in shown and "已终止：不参与评价。" in shown
        assert f'id="rate-{others[1].pk}"' not in shown and "已暂停：恢复后再评价。" in shown
        # nor does either engagement's own page offer a rating (the draft's does)
        offered = {e.pk: 'id="engagement-rate"' in client.get(
            reverse("registry:engagement-detail", args=[e.pk])).content.decode()
            for e in (school["engagement"], *others)}
        assert offered == {school["engagement"].pk: True, others[0].pk: False,
                           others[1].pk: False}
        # and a rating of either is refused, saying why
        refused = [client.post(f"/api/v1/engagements/{e.pk}/evaluate/",
                               {"scores": rubric(5)}, content_type="application/json")
                   for e in others]
    assert [r.status_code for r in refused] == [400, 400]
    assert "已终止的引进项目不参与评价。" in str(refused[0].json())
    assert "已暂停的引进项目恢复后再评价。" in str(refused[1].json())
    assert not Evaluation.objects.filter(engagement__in=others).exists()
    # once the suspension is lifted, the engagement waits on the page for its rating
    with at(RATED + D(3), 10):
        services.engagement_restore(actor=admin, bureau=bureau, engagement=others[1],
                                    reason="调查完毕，无问题")
        assert Engagement.objects.get(pk=others[1].pk).status == Engagement.Status.DRAFT
        client.force_login(account)
        page = client.get(asked.url.split("#")[0]).content.decode()
        shown = client.get(reverse("registry:term-ratings", args=[term.pk])).content.decode()
    assert "东湖2027春（2027年5月7日结束）：2 个引进项目待按评价表评价" in page
    assert f'id="rate-{others[1].pk}"' in shown


def _org(name, category):
    org = organization(name, (f"{name}课程", category, "25"))
    approve(organization=org, where="360100", categories=(category,),
            valid_from=D0 - D(7), valid_until=D0 + D(300))
    return org
