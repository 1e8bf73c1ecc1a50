"""Each fact an annual review weighs is one review's only. Consecutive reviews' periods
(考核期间) meet at a day: what happened on it, and while a review waited for its decision,
is the earlier review's or the next one's, never both; an engagement (引进) is the review's
in which it began, so one running across a review's day is not counted twice; the first
review of an approval counts the day it came into force."""

import datetime

import pytest
from viewflow.workflow.status import STATUS

from registry import services
from registry.models import Incident
from registry.services import after_approval
from tests.after.annual_pages import review_page, review_task
from tests.after.beat import at
from tests.factories import EngagedOrganizationFactory, PersonFactory, UserFactory
from tests.registry.builders import approve, bureau_admin
from workflows import task_actions
from workflows.models import AnnualReviewProcess
from workflows.services import list_review
from workflows.services.annual_review import annual_review_evidence, annual_reviews_open

pytestmark = pytest.mark.django_db
D = datetime.timedelta
START = datetime.date(2027, 1, 11)  # the approval comes into force
FIRST = datetime.date(2027, 6, 1)  # the bureau's annual review date
WAITING = datetime.date(2027, 6, 5)  # the first review waits for its decision
DECIDED = datetime.date(2027, 6, 10)
SECOND = datetime.date(2028, 6, 1)


def _incident(engaged, day, description):
    with at(day, 15):
        return services.incident_report(actor=engaged.account, engagement=engaged.engagement,
                                        kind="fees", occurred_on=day,
                                        description=description)


@pytest.fixture
def two_reviews(client):
    """An approval from 11 January 2027 and a spring engagement from that day to 10 July,
    across the review of 1 June; incidents on the first day, on the review's day and while
    it waited for its decision; renewed (1+1) on 10 June; an autumn engagement; the next
    year's review on 1 June 2028."""
    with at(START):
        admin, _bureau = bureau_admin("360100")
        engaged = EngagedOrganizationFactory(
            term_name="2027春季", starts_on=START, ends_on=datetime.date(2027, 7, 10),
            sessions=16, valid_from=START, valid_until=START + D(364))
    _incident(engaged, START, "第一天未按约定到校")
    with at(FIRST, 3):
        assert annual_reviews_open(today=FIRST) == 1
    _incident(engaged, FIRST, "考核当天多收了教材费")
    _incident(engaged, WAITING, "考核待决期间多收了报名费")
    first = review_task(engaged.approval, FIRST)
    with at(DECIDED, 10):
        first_page = review_page(client, admin, first)
        assert task_actions.task_perform(actor=admin, task=first, data={
            "decision": "renew", "reason": "整改到位", "confirm": True})
    with at(datetime.date(2027, 9, 1)):
        EngagedOrganizationFactory(
            organization=engaged.organization, approval=engaged.approval,
            account=engaged.account, school=engaged.school, term_name="2027秋季",
            starts_on=datetime.date(2027, 9, 1), ends_on=datetime.date(2028, 1, 5))
    with at(SECOND, 3):
        assert annual_reviews_open(today=SECOND) == 1
    second = review_task(engaged.approval, SECOND)
    with at(SECOND, 10):
        second_page = review_page(client, admin, second)
    return type("R", (), {"engaged": engaged, "first_page": first_page,
                          "second_page": second_page,
                          "first": AnnualReviewProcess.objects.get(pk=first.process_id),
                          "second": AnnualReviewProcess.objects.get(pk=second.process_id)})


def test_the_first_review_counts_its_first_day_and_its_own_day_not_what_came_after(
        two_reviews):
    shown = two_reviews.first_page
    assert "考核期内引进 1 次；事件报告 2 起。" in shown, shown
    assert "第一天未按约定到校" in shown and "考核当天多收了教材费" in shown
    assert "考核待决期间多收了报名费" not in shown


def test_the_next_review_counts_what_came_after_the_first_ones_day_once(two_reviews):
    shown = two_reviews.second_page
    # the spring engagement that ran across 1 June began in the first review's period;
    # the autumn one is this review's
    assert "考核期内引进 1 次；事件报告 1 起。" in shown, shown
    assert "考核待决期间多收了报名费" in shown
    assert "考核当天多收了教材费" not in shown and "第一天未按约定到校" not in shown


def test_every_incident_is_one_reviews(two_reviews):
    first = {i.pk for i in annual_review_evidence(two_reviews.first)["incidents"]}
    second = {i.pk for i in annual_review_evidence(two_reviews.second)["incidents"]}
    assert not first & second
    assert first | second == set(Incident.objects.filter(
        engagement__organization=two_reviews.engaged.organization).values_list("pk",
                                                                               flat=True))
    assert (annual_review_evidence(two_reviews.first)["engagements"]
            + annual_review_evidence(two_reviews.second)["engagements"]) == 2


def test_a_requery_opened_on_a_reviews_day_is_that_reviews_only(client, settings):
    # given a bureau whose yearly record re-query falls on its annual review date, and a
    # person approved in January: the re-query opens on the review's day, not done
    settings.REGISTRY_REQUERY_DATE = "06-01"
    with at(START):
        admin, bureau = bureau_admin("360100")
        person = PersonFactory(name="周老师", user=UserFactory())
        approval = approve(person=person, where="360100", categories=("reading",),
                           valid_from=START, valid_until=START + D(364))
    with at(FIRST, 3):
        assert after_approval.requeries_open(today=FIRST) == 1
        assert annual_reviews_open(today=FIRST) == 1
    first = review_task(approval, FIRST)
    with at(FIRST, 10):
        assert "未完成的年度入职查询：1 项" in review_page(client, admin, first)
        assert task_actions.task_perform(actor=admin, task=first, data={
            "decision": "keep", "reason": "待复查完成", "confirm": True})
    # when the review of the list opens the next review in November
    with at(datetime.date(2027, 11, 2)):
        review = list_review.list_review_start(actor=admin, bureau=bureau)
    case = AnnualReviewProcess.objects.get(list_review=review, approval=approval)
    assert case.period_start == FIRST
    # then the re-query the first review weighed is not counted again
    with at(datetime.date(2027, 11, 2), 10):
        shown = review_page(client, admin, case.task_set.get(flow_task_type="HUMAN",
                                                       status=STATUS.NEW))
    assert "未完成的年度入职查询：0 项" in shown, shown
