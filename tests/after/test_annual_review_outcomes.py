"""The annual review as the bureau administrator decides it and the provider hears of it:
the task page says what each outcome does (with its dates), what the year's incidents
were and whether a review case is still open; a second 1+1 is refused before the
confirmation; the renewal's notification leads to the page that shows the new date."""

import datetime

import pytest
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from registry import services
from registry.models import Approval
from registry.roles import Role
from tests.after.beat import at
from tests.factories import EngagedOrganizationFactory, UserFactory
from tests.registry.builders import bureau_admin
from workflows.models import AnnualReviewProcess, Notification
from workflows.services.annual_review import annual_reviews_open

pytestmark = pytest.mark.django_db
START = datetime.date(2027, 1, 11)
REVIEW = datetime.date(2027, 6, 1)
D = datetime.timedelta


@pytest.fixture
def year():
    """An organization approved in January until 10 January 2028, engaged by a school in
    spring, with an incident reported in February; the annual review opened on 1 June."""
    with at(START):
        admin, _bureau = bureau_admin("360100")
        engaged = EngagedOrganizationFactory(spring=True, starts_on=START, valid_from=START,
                                             valid_until=START + D(364))
        org, approval, school = engaged.organization, engaged.approval, engaged.school
        provider = UserFactory()
        services.role_grant(actor=None, user=provider, role=Role.PROVIDER, target=org)
    with at(START + D(40)):
        services.incident_report(actor=engaged.account, engagement=engaged.engagement,
                                 kind="safety", occurred_on=START + D(30),
                                 description="课间无人看护，一名学生在走廊摔伤膝盖")
    with at(REVIEW, 3):
        assert annual_reviews_open(today=REVIEW) == 1
    case = AnnualReviewProcess.objects.get(approval=approval)
    task = Task.objects.get(process_id=case.pk, status=STATUS.NEW, flow_task_type="HUMAN")
    return {"admin": admin, "provider": provider, "org": org, "approval": approval,
            "case": case, "task": task, "school": school}


def _execute(client, year, data=None):
    """The review's form as the administrator sees it (GET), or as it answers ``data``."""
    task = year["task"]
    base = f"/annualreview/{task.process_id}/review/{task.pk}"
    client.force_login(year["admin"])
    assert client.post(f"{base}/assign/").status_code in (200, 302)
    page = (client.get(f"{base}/execute/") if data is None
            else client.post(f"{base}/execute/", data))
    return page


def test_the_notice_of_the_review_names_every_outcome(year):
    note = Notification.objects.get(user=year["admin"], subject__startswith="年度考核到期")
    assert "续期（1+1，仅一次）、保留、暂停或撤销" in note.body, note.body


def test_the_task_page_says_what_the_incident_was_and_that_a_case_is_open(client, year):
    with at(REVIEW, 10):
        page = _execute(client, year)
    assert page.status_code == 200
    text = page.content.decode()
    assert "事件报告：2027年2月10日，测试小学" in text, text
    assert "安全：课间无人看护，一名学生在走廊摔伤膝盖" in text
    # the safety incident opened a review case at the bureau, not closed yet
    assert "该服务提供方尚有未结的审查案件（#" in text


def test_renewing_asks_to_confirm_with_the_new_end_date(client, year):
    with at(REVIEW, 10):
        asked = _execute(client, year, {"decision": "renew", "reason": "满意度高"})
        kept = client.post(asked.request["PATH_INFO"], {"decision": "keep", "reason": "保留"})
    assert asked.status_code == 200
    # one more term after 10 January 2028, without a gap
    assert "准入资格续期一次（1+1），至 2029年1月9日；此后须重新遴选。" in asked.content.decode()
    # keeping it does not add a year: it runs to the end of its current term
    assert "准入资格继续有效，至 2028年1月10日 期满，不续期。" in kept.content.decode()
    assert Approval.objects.get(pk=year["approval"].pk).renewals == 0


def test_a_second_renewal_is_refused_before_the_confirmation(client, year):
    Approval.objects.filter(pk=year["approval"].pk).update(renewals=1)
    with at(REVIEW, 10):
        page = _execute(client, year, {"decision": "renew", "reason": "再续"})
    text = page.content.decode()
    assert "该准入资格已续期一次（1+1）：须重新遴选。" in text
    assert "请确认" not in text  # not asked to confirm what cannot be done


def test_the_renewal_notice_opens_the_providers_page_with_the_new_date(client, year):
    with at(REVIEW, 10):
        done = _execute(client, year, {"decision": "renew", "reason": "满意度高，无事故",
                                       "confirm": "on"})
    assert done.status_code == 302
    note = Notification.objects.get(user=year["provider"], subject__endswith="准入资格已续期")
    assert note.url == f"/registry/portal/organizations/{year['org'].pk}/"
    with at(REVIEW, 11):
        client.force_login(year["provider"])
        page = client.get(note.url)
    assert page.status_code == 200
    assert "2029年1月9日" in page.content.decode()


def test_keeping_tells_the_provider_it_ends_without_renewal_and_why(client, year):
    with at(REVIEW, 10):
        done = _execute(client, year, {"decision": "keep", "reason": "事故整改未完成，暂不续期",
                                       "confirm": "on"})
    assert done.status_code == 302
    note = Notification.objects.get(user=year["provider"], subject__contains="年审")
    assert note.subject == "南昌弈林围棋培训有限公司：年审决定保留准入资格"
    assert note.body == ("准入资格继续有效，至 2028年1月10日 期满，不续期；期满后如需继续提供服务，"
                         "请参加新一轮遴选。理由：事故整改未完成，暂不续期")
    assert note.url == f"/registry/portal/organizations/{year['org'].pk}/"
    assert Approval.objects.get(pk=year["approval"].pk).valid_until == datetime.date(2028, 1, 10)
