"""A 1+1 renewal from a year of evaluations, with the default settings, through
the beat schedule on a shifted clock: the annual review opens on 1 June while the approval
is in force, a positive decision renews it once, the second year's cannot."""

import datetime
from decimal import Decimal

import pytest
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from registry import services
from registry.models import Approval, AuditEvent
from tests.after.beat import at, beat_day
from tests.factories import EngagedOrganizationFactory
from tests.registry.builders import bureau_admin, rubric
from workflows.models import AnnualReviewProcess, Notification
from workflows.services.annual_review import annual_review_evidence

pytestmark = pytest.mark.django_db
START = datetime.date(2027, 1, 11)
D = datetime.timedelta


def _review_task(approval, period_end):
    case = AnnualReviewProcess.objects.get(approval=approval, period_end=period_end)
    return Task.objects.get(process_id=case.pk, status=STATUS.NEW,
                            flow_task_type="HUMAN")


def _review_page(client, task) -> str:
    """The annual review's form, as the bureau administrator sees it, with its evidence."""
    base = f"/annualreview/{task.process_id}/review/{task.pk}"
    taken = client.post(f"{base}/assign/")
    assert taken.status_code in (200, 302), taken.status_code
    page = client.get(f"{base}/execute/")
    assert page.status_code == 200
    text = page.content.decode()
    client.post(f"{base}/unassign/")
    return text


def test_a_good_year_renews_once_then_a_new_selection(client):
    with at(START):
        admin, _bureau = bureau_admin("360100")
        engaged = EngagedOrganizationFactory(spring=True, starts_on=START, valid_from=START,
                                             valid_until=START + D(364))
    org, approval, engagement = engaged.organization, engaged.approval, engaged.engagement
    school_account, school = engaged.account, engaged.school
    # the day after the term ends the school is asked to rate it (once), and rates it
    beat_day(START + D(121))
    beat_day(START + D(122))
    asked = [s for s in Notification.objects.filter(user=school_account)
             .values_list("subject", flat=True) if "评价" in s]
    assert len(asked) == 1, asked
    with at(START + D(121)):
        services.engagement_evaluate(actor=school_account, engagement=engagement,
                                     scores=rubric(5), comments="学生喜欢")
    # 1 June: the annual review opens while the approval is in force (default settings)
    first_review = datetime.date(2027, 6, 1)
    beat_day(first_review - D(1))
    assert not AnnualReviewProcess.objects.exists()
    beat_day(first_review)
    task = _review_task(approval, first_review)
    with at(first_review, 10):
        client.force_login(admin)
        page = client.get(f"/api/v1/tasks/{task.pk}/")
        assert page.status_code == 200
        # the year's evidence: the term rated on the rubric, shown on the task's page
        shown = _review_page(client, task)
        assert ("考核期间（2027年1月11日 – 2027年6月1日）内结束的学期按评价表的满意度："
                "100.0%") in shown, shown
        assert "春季）100.0%，评价 1 份" in shown
        done = client.post(f"/api/v1/tasks/{task.pk}/act/",
                           {"data": {"decision": "renew", "reason": "满意度 5/5，无事故",
                                     "confirm": True}},
                           content_type="application/json")
    assert done.status_code == 200, done.content
    approval.refresh_from_db()
    assert approval.status == "approved" and approval.renewals == 1
    assert approval.valid_until == START + D(364 + 365)
    # the renewed term starts the day after the first one ends; the next review weighs the
    # terms that ended since the renewing one (1 June): an autumn term ending before the
    # renewed term began, rated 100 %, and a spring term in it, rated 60 %
    autumn_start, spring_start = datetime.date(2027, 9, 1), datetime.date(2028, 2, 21)
    rated = {}
    for name, starts_on, ends_on, score in (
            ("2027秋季", autumn_start, datetime.date(2028, 1, 5), 5),
            ("2028春季", spring_start, datetime.date(2028, 5, 20), 3)):
        with at(starts_on):  # the same school engages it again
            later = EngagedOrganizationFactory(
                organization=org, approval=approval, account=school_account, school=school,
                term_name=name, starts_on=starts_on, ends_on=ends_on, sessions=16).engagement
        with at(ends_on + D(1)):
            rated[name] = services.engagement_evaluate(actor=school_account, engagement=later,
                                                       scores=rubric(score))
    # the next year's review: renewal is refused (1+1 done), nothing changes; keep is fine
    second_review = datetime.date(2028, 6, 1)
    beat_day(second_review)
    task = _review_task(approval, second_review)
    case = AnnualReviewProcess.objects.get(pk=task.process_id)
    evidence = annual_review_evidence(case)
    assert evidence["rated_from"] == datetime.date(2027, 6, 1)
    assert evidence["satisfaction"] == Decimal("80.0") and not evidence["below_threshold"]
    assert [(t["name"], t["percent"], t["count"]) for t in evidence["terms"]] == [
        ("2027秋季", Decimal("100.0"), 1), ("2028春季", Decimal("60.0"), 1)]
    assert [e.pk for e in evidence["evaluations"]] == [rated["2027秋季"].pk,
                                                       rated["2028春季"].pk]
    with at(second_review, 10):
        client.force_login(admin)
        shown = _review_page(client, task)
    assert ("考核期间（2027年6月1日 – 2028年6月1日）内结束的学期按评价表的满意度："
            "80.0%（阈值 80%）。") in shown, shown
    assert "2027秋季" in shown and "低于阈值" not in shown
    events = AuditEvent.objects.count()
    with at(second_review, 10):
        client.force_login(admin)
        refused = client.post(f"/api/v1/tasks/{task.pk}/act/",
                              {"data": {"decision": "renew", "reason": "再续", "confirm": True}},
                              content_type="application/json")
        assert refused.status_code == 400 and "遴选" in str(refused.json())
        assert AuditEvent.objects.count() == events
        kept = client.post(f"/api/v1/tasks/{task.pk}/act/",
                           {"data": {"decision": "keep", "reason": "继续服务至期满",
                                     "confirm": True}},
                           content_type="application/json")
    assert kept.status_code == 200
    assert Approval.objects.get(pk=approval.pk).valid_until == START + D(364 + 365)
