"""The ratings on the rubric (学期考核) an annual review weighs are those of the school terms
that ended in its period (考核期间), as its other facts are, and its task page says that
period: after a 1+1 renewal, the next review counts the term that ended between the
renewing review and the start of the new term, and not the term the renewing review
counted already (it ended on that review's day)."""

import datetime
from decimal import Decimal

import pytest

from registry import services
from tests.after.annual_pages import review_page, review_task
from tests.after.beat import at
from tests.factories import EngagedOrganizationFactory
from tests.registry.builders import bureau_admin, rubric
from workflows.models import AnnualReviewProcess
from workflows.services.annual_review import annual_review_evidence, annual_reviews_open

pytestmark = pytest.mark.django_db
D = datetime.timedelta
START = datetime.date(2027, 1, 11)  # the approval comes into force
FIRST = datetime.date(2027, 6, 1)  # the bureau's annual review date
SECOND = datetime.date(2028, 6, 1)


def _term(engaged, name, starts_on, ends_on, score, rated_on):
    """The same school engages the provider for another term and rates it on ``rated_on``."""
    with at(starts_on):
        later = EngagedOrganizationFactory(
            organization=engaged.organization, approval=engaged.approval,
            account=engaged.account, school=engaged.school, term_name=name,
            starts_on=starts_on, ends_on=ends_on, sessions=16).engagement
    with at(rated_on):
        return services.engagement_evaluate(actor=engaged.account, engagement=later,
                                            scores=rubric(score))


@pytest.fixture
def renewed(client):
    """An approval from 11 January 2027, its spring term ending on the review day, 1 June,
    rated 100 % that morning; the review renews it (1+1) to 9 January 2029."""
    with at(START):
        admin, _bureau = bureau_admin("360100")
        engaged = EngagedOrganizationFactory(term_name="2027春季", starts_on=START,
                                             ends_on=FIRST, sessions=16, valid_from=START,
                                             valid_until=START + D(364))
    with at(FIRST, 8):
        services.engagement_evaluate(actor=engaged.account, engagement=engaged.engagement,
                                     scores=rubric(5))
        assert annual_reviews_open(today=FIRST) == 1
    task = review_task(engaged.approval, FIRST)
    with at(FIRST, 10):
        first_page = review_page(client, admin, task)
        done = client.post(f"/api/v1/tasks/{task.pk}/act/",
                           {"data": {"decision": "renew", "reason": "满意度高，无事故",
                                     "confirm": True}}, content_type="application/json")
    assert done.status_code == 200, done.content
    engaged.approval.refresh_from_db()
    assert engaged.approval.renewals == 1
    assert engaged.approval.valid_until == datetime.date(2029, 1, 9)
    return type("R", (), {"admin": admin, "engaged": engaged, "first_page": first_page})


def test_the_first_reviews_page_says_its_period_and_the_term_that_ended_in_it(renewed):
    assert ("考核期间（2027年1月11日 – 2027年6月1日）内结束的学期按评价表的满意度："
            "100.0%（阈值 80%）。") in renewed.first_page, renewed.first_page
    assert "2027春季" in renewed.first_page


def test_the_next_review_counts_the_term_between_the_renewal_and_the_new_term_once(
        client, renewed):
    # given an autumn term that ended on 5 January 2028, after the renewing review and
    # before the renewed term began (11 January), rated 60 %; and a spring term of the
    # renewed term rated 100 %
    autumn = _term(renewed.engaged, "2027秋季", datetime.date(2027, 9, 1),
                   datetime.date(2028, 1, 5), 3, datetime.date(2028, 1, 6))
    spring = _term(renewed.engaged, "2028春季", datetime.date(2028, 2, 21),
                   datetime.date(2028, 5, 20), 5, datetime.date(2028, 5, 21))
    # when the next year's review opens
    with at(SECOND, 3):
        assert annual_reviews_open(today=SECOND) == 1
    task = review_task(renewed.engaged.approval, SECOND)
    case = AnnualReviewProcess.objects.get(pk=task.process_id)
    assert (case.period_start, case.period_end) == (FIRST, SECOND)
    # then it weighs both terms that ended in its period, and not the spring of 2027 that
    # ended on the first review's day and was weighed there: (60 + 100) / 2
    evidence = annual_review_evidence(case)
    assert [(t["name"], t["percent"], t["count"]) for t in evidence["terms"]] == [
        ("2027秋季", Decimal("60.0"), 1), ("2028春季", Decimal("100.0"), 1)]
    assert sorted(e.pk for e in evidence["evaluations"]) == sorted([autumn.pk, spring.pk])
    assert evidence["satisfaction"] == Decimal("80.0") and not evidence["below_threshold"]
    # and its page says so, for the period the case page shows
    with at(SECOND, 10):
        shown = review_page(client, renewed.admin, task)
    assert ("考核期间（2027年6月1日 – 2028年6月1日）内结束的学期按评价表的满意度："
            "80.0%（阈值 80%）。") in shown, shown
    assert "2027秋季" in shown and "2028春季" in shown
    assert "2027春季" not in shown


def test_a_term_that_ends_while_the_review_waits_is_the_next_reviews(client, renewed):
    # given no term ended in the next review's period, and one that ends while it waits
    # for the decision, rated then
    with at(SECOND, 3):
        assert annual_reviews_open(today=SECOND) == 1
    _term(renewed.engaged, "2028夏季", datetime.date(2028, 3, 1),
          datetime.date(2028, 6, 20), 2, datetime.date(2028, 6, 21))
    # when the administrator opens its task page a few days later
    with at(datetime.date(2028, 6, 25), 10):
        shown = review_page(client, renewed.admin, review_task(renewed.engaged.approval, SECOND))
    # then it says no term of its period was rated, for that period
    assert "考核期间（2027年6月1日 – 2028年6月1日）内结束的学期尚无按评价表的评价。" in shown, shown
    assert "2028夏季" not in shown and "2027春季" not in shown
