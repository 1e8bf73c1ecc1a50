"""The period an annual review looks back on (考核期间) starts a year before the review, but
never before the approval came into force (what came before was another approval's), nor
before the end of the approval's last decided review (a 1+1 renewal weighed that time).
Both ways of opening reviews say so: the bureau's yearly date (one case at a time) and the
yearly review of the whole list (written in bulk by SQL)."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from registry import services
from registry.models import Bureau
from registry.roles import Role
from tests.after.beat import at
from tests.factories import UserFactory
from tests.registry.builders import approve, organization, school_user
from workflows import task_actions
from workflows.models import AnnualReviewProcess
from workflows.services import list_review
from workflows.services.annual_review import annual_reviews_open

pytestmark = pytest.mark.django_db
D = datetime.timedelta
BEFORE = datetime.date(2026, 9, 1)  # the provider's previous approval, for one autumn
START = datetime.date(2027, 1, 11)  # its present approval
REVIEW = datetime.date(2027, 6, 1)  # the bureau's annual review date


def _year_reviewed(client, user, case) -> str:
    """The case page's 考核期间, as its reader sees it."""
    client.force_login(user)
    page = client.get(reverse("workflows:case-of", args=["annual-review", case.pk]))
    assert page.status_code == 200, page.status_code
    text = page.content.decode()
    start = text.index("<dt>考核期间</dt><dd>") + len("<dt>考核期间</dt><dd>")
    return text[start:text.index("</dd>", start)]


@pytest.fixture
def renewed_provider():
    """A provider approved for one autumn (an incident reported in October), then, after
    that approval ended, approved again in January; the annual review opened on 1 June."""
    bureau = Bureau.objects.get(jurisdiction__code="360100")
    admin = UserFactory()
    services.role_grant(actor=None, user=admin, role=Role.BUREAU_ADMIN, target=bureau)
    org = organization("南昌弈林围棋培训有限公司", ("少儿围棋启蒙班", "arts", "25"))
    with at(BEFORE):
        previous = approve(organization=org, where="360100", categories=("arts",),
                           valid_from=BEFORE, valid_until=datetime.date(2026, 12, 31))
        school_account, school = school_user("360102")
        autumn = services.school_term_create(actor=school_account, school=school,
                                             name="秋季", starts_on=BEFORE,
                                             ends_on=datetime.date(2026, 12, 31),
                                             project_count=10)
        engagement = services.engagement_create(
            actor=school_account, school=school, term=autumn, organization=org,
            fee_per_session=Decimal("20"), sessions=16)
    with at(datetime.date(2026, 10, 20)):
        services.incident_report(actor=school_account, engagement=engagement, kind="fees",
                                 occurred_on=datetime.date(2026, 10, 15),
                                 description="上一份许可期间多收了教材费")
    with at(datetime.date(2027, 1, 4)):
        services.approval_expire(actor=None, approval=previous, reason="期满")
    with at(START):
        approval = approve(organization=org, where="360100", categories=("arts",),
                           valid_from=START, valid_until=START + D(364))
    with at(REVIEW, 3):
        assert annual_reviews_open(today=REVIEW) == 1
    return {"admin": admin, "approval": approval,
            "case": AnnualReviewProcess.objects.get(approval=approval)}


def test_the_year_reviewed_starts_when_the_approval_came_into_force(client,
                                                                   renewed_provider):
    case = renewed_provider["case"]
    assert (case.period_start, case.period_end) == (START, REVIEW)
    with at(REVIEW, 10):
        shown = _year_reviewed(client, renewed_provider["admin"], case)
    assert shown == "2027年1月11日 – 2027年6月1日", shown


def test_the_previous_approvals_incident_is_not_this_reviews(client, renewed_provider):
    task = Task.objects.get(process_id=renewed_provider["case"].pk, status=STATUS.NEW,
                            flow_task_type="HUMAN")
    base = f"/annualreview/{task.process_id}/review/{task.pk}"
    with at(REVIEW, 10):
        client.force_login(renewed_provider["admin"])
        assert client.post(f"{base}/assign/").status_code in (200, 302)
        page = client.get(f"{base}/execute/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "考核期内引进 0 次；事件报告 0 起。" in text, text
    assert "多收了教材费" not in text


def test_an_approval_older_than_a_year_is_reviewed_for_the_whole_year(client):
    bureau = Bureau.objects.get(jurisdiction__code="360100")
    admin = UserFactory()
    services.role_grant(actor=None, user=admin, role=Role.BUREAU_ADMIN, target=bureau)
    with at(datetime.date(2025, 9, 1)):
        approval = approve(organization=organization("老牌机构"), where="360100",
                           categories=("arts",), valid_from=datetime.date(2025, 9, 1),
                           valid_until=datetime.date(2027, 8, 31))
    with at(REVIEW, 3):
        assert annual_reviews_open(today=REVIEW) == 1
    case = AnnualReviewProcess.objects.get(approval=approval)
    with at(REVIEW, 10):
        shown = _year_reviewed(client, admin, case)
    assert shown == "2026年6月1日 – 2027年6月1日", shown


def test_a_review_on_the_bureaus_date_starts_where_the_last_decided_one_ended(client):
    # given a list review in November that kept the approval
    bureau = Bureau.objects.get(jurisdiction__code="360100")
    admin = UserFactory()
    services.role_grant(actor=None, user=admin, role=Role.BUREAU_ADMIN, target=bureau)
    november = datetime.date(2026, 11, 2)
    with at(november):
        approval = approve(organization=organization("十一月审过的机构"), where="360100",
                           categories=("arts",), valid_from=datetime.date(2025, 9, 1),
                           valid_until=datetime.date(2027, 8, 31))
        prior = list_review.list_review_start(actor=admin, bureau=bureau)
        case = AnnualReviewProcess.objects.get(list_review=prior)
        assert task_actions.task_perform(
            actor=admin, task=case.task_set.get(flow_task_type="HUMAN", status=STATUS.NEW),
            data={"decision": "keep", "reason": "年度审查", "confirm": True})
    # when the bureau's date opens this year's review in June
    with at(REVIEW, 3):
        assert annual_reviews_open(today=REVIEW) == 1
    case = AnnualReviewProcess.objects.get(approval=approval, list_review=None)
    # then it looks back to November, not to last June (November's review weighed that)
    with at(REVIEW, 10):
        shown = _year_reviewed(client, admin, case)
    assert shown == "2026年11月2日 – 2027年6月1日", shown


LIST_DAY = datetime.date(2027, 4, 12)
REVIEWED_ON = LIST_DAY - D(100)  # 2 January 2027


def _listed(name, valid_from, valid_until):
    return approve(organization=organization(name), where="360100", categories=("arts",),
                   valid_from=valid_from, valid_until=valid_until)


def test_the_list_review_writes_the_same_years_in_bulk(client):
    # given an approval renewed (1+1) and one kept by last year's review of the list,
    # decided on 2 January; then one in force for three years and never reviewed, and one
    # granted a month ago
    bureau = Bureau.objects.get(jurisdiction__code="360100")
    admin = UserFactory()
    services.role_grant(actor=None, user=admin, role=Role.BUREAU_ADMIN, target=bureau)
    three_years_ago = LIST_DAY - D(3 * 365)
    with at(REVIEWED_ON):
        renewed = _listed("续期机构", three_years_ago, LIST_DAY + D(30))
        kept = _listed("保留机构", three_years_ago, LIST_DAY + D(200))
        prior = list_review.list_review_start(actor=admin, bureau=bureau)
        for case in AnnualReviewProcess.objects.filter(list_review=prior):
            task = case.task_set.get(flow_task_type="HUMAN", status=STATUS.NEW)
            decision = "renew" if case.approval_id == renewed.pk else "keep"
            assert task_actions.task_perform(actor=admin, task=task, data={
                "decision": decision, "reason": "年度审查", "confirm": True})
    prior.year -= 1  # it was last year's review of the list
    prior.save(update_fields=["year"])
    with at(LIST_DAY - D(30)):
        unreviewed = _listed("三年老机构", three_years_ago, LIST_DAY + D(200))
        new = _listed("新机构", LIST_DAY - D(30), LIST_DAY + D(300))

    # when this year's review of the list opens them all at once
    with at(LIST_DAY):
        review = list_review.list_review_start(actor=admin, bureau=bureau)
    cases = {c.approval_id: c for c in AnnualReviewProcess.objects.filter(list_review=review)}

    # then each case's year starts as one opened on the bureau's date would
    assert len(cases) == 4
    assert cases[new.pk].period_start == LIST_DAY - D(30)
    assert cases[unreviewed.pk].period_start == datetime.date(2026, 4, 12)
    assert cases[renewed.pk].period_start == cases[kept.pk].period_start == REVIEWED_ON
    with at(LIST_DAY, 10):
        assert _year_reviewed(client, admin, cases[new.pk]) == "2027年3月13日 – 2027年4月12日"
        assert _year_reviewed(client, admin, cases[renewed.pk]) == \
            "2027年1月2日 – 2027年4月12日"
        assert _year_reviewed(client, admin, cases[unreviewed.pk]) == \
            "2026年4月12日 – 2027年4月12日"
