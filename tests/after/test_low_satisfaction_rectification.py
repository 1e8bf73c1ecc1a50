"""A term rated under the threshold, as the bureau and the provider go through it: the case
page says what the satisfaction was, in which term, against which threshold; the decision
to rectify tells the provider what to rectify and by when; the case's closing tells it the
rectification was accepted."""

import datetime

import pytest
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from registry import services
from registry.models import Bureau
from registry.roles import Role
from tests.after.beat import at, beat_day
from tests.factories import EngagedOrganizationFactory, UserFactory
from tests.registry.builders import rubric
from workflows.models import Notification, ReviewCaseProcess

pytestmark = pytest.mark.django_db
D0 = datetime.date(2027, 3, 8)  # a Monday
RATED = datetime.date(2027, 5, 8)  # the day after the term's end
D = datetime.timedelta


def _act(client, user, case, node, data):
    task = next(t for t in Task.objects.filter(process_id=case.pk,
                                               status__in=[STATUS.NEW, STATUS.ASSIGNED])
                if t.flow_task.name == node)
    client.force_login(user)
    done = client.post(f"/api/v1/tasks/{task.pk}/act/", {"data": data},
                       content_type="application/json")
    assert done.status_code == 200, done.content
    return done


@pytest.fixture
def rated():
    """An organization rated 40 % (2 of 5 on every item) for its spring term."""
    with at(D0):
        bureau = Bureau.objects.get(jurisdiction__code="360100")
        clerk, decider, owner = UserFactory(), UserFactory(), UserFactory()
        services.role_grant(actor=None, user=clerk, role=Role.BUREAU_CLERK, target=bureau)
        services.role_grant(actor=None, user=decider, role=Role.BUREAU_ADMIN, target=bureau)
        engaged = EngagedOrganizationFactory(spring=True, starts_on=D0, ends_on=RATED - D(1),
                                             valid_from=D0 - D(7), valid_until=D0 + D(300))
        services.role_grant(actor=None, user=owner, role=Role.PROVIDER,
                            target=engaged.organization)
    with at(RATED):
        services.engagement_evaluate(actor=engaged.account, engagement=engaged.engagement,
                                     scores=rubric(2), comments="经常迟到")
    case = ReviewCaseProcess.objects.get(organization=engaged.organization)
    return {"clerk": clerk, "decider": decider, "owner": owner, "case": case}


def test_the_case_page_says_what_the_satisfaction_was(client, rated):
    expected = ("春季（2027年3月8日 – 2027年5月7日）所在学期，其服务的所有学校的平均满意度为 "
                "40.0%，低于 80% 的阈值")
    for reader in ("clerk", "owner"):
        with at(RATED, 10):
            client.force_login(rated[reader])
            page = client.get(f"/selection/review-cases/{rated['case'].pk}/")
        assert page.status_code == 200
        assert expected in page.content.decode(), reader


def test_rectification_is_told_with_its_deadline_then_its_acceptance(client, rated):
    case = rated["case"]
    with at(RATED, 10):
        _act(client, rated["clerk"], case, "investigate",
             {"findings": "满意度 40%", "intended_action": "rectify",
              "reasons": "满意度低于80%，拟责令整改"})
    case.refresh_from_db()
    decided_on = case.response_due + D(1)
    beat_day(decided_on)  # no answer: to the decision
    with at(decided_on, 10):
        _act(client, rated["decider"], case, "decide",
             {"decision": "rectify", "reason": "满意度低",
              "rectification_requirements": "按时到岗，提交考勤记录",
              "rectification_due": "2027-06-14"})
    decided = Notification.objects.get(user=rated["owner"], subject__contains="已决定")
    assert ("请于 2027年6月14日 前完成整改：按时到岗，提交考勤记录。整改情况及证据请在此之前"
            "通过案件页面提交。") in decided.body, decided.body
    assert decided.url == f"/selection/review-cases/{case.pk}/"
    with at(decided_on, 11):
        client.force_login(rated["owner"])
        sent = client.post(f"/api/v1/review-cases/{case.pk}/rectification/",
                           {"evidence": "已建立考勤制度"}, content_type="application/json")
    assert sent.status_code == 200, sent.content
    case.refresh_from_db()
    checked_on = case.reexamination_due + D(1)
    beat_day(checked_on)
    with at(checked_on, 10):
        _act(client, rated["clerk"], case, "rectification_check",
             {"accepted": "yes", "reason": "考勤记录齐全"})
    closed = Notification.objects.get(user=rated["owner"], subject__endswith="已结案")
    assert closed.body.startswith("整改已通过核查：本案件不再要求您做其他事项。"), closed.body
