"""A case the approver approved, whose public notice then saw an objection upheld, ends not
approved: its page says so under the decision as in its status, not 批准 (the approval
the decision opened never took effect)."""

import datetime
import re

import time_machine
from django.utils import timezone
from viewflow.workflow.timers import fire_due_timers

from tests.workflows.test_selection_flow import _to_notice
from workflows.models import CaseOutcome
from workflows.services import objections, outcome


def _decision_shown(page) -> str:
    found = re.search(r'<p class="case-decision"><strong>(.*?)</strong>(.*?)</p>',
                      page.content.decode(), re.S)
    assert found, page.content.decode()
    return found.group(1) + found.group(2)


def test_an_upheld_objection_shows_the_case_not_approved(world, client):
    w = world
    case = _to_notice(w)  # the approver approved: the public notice runs
    objection = objections.objection_file(case=case, real_name="李华", contact="lh@example.cn",
                                          reason="该机构教学内容涉及学科类培训（奥数）。")
    objections.objection_resolve(actor=w.clerk, objection=objection, upheld=True,
                                 reason="经查属实：开设奥数课程")
    # the notice ends: the case ends rejected on the upheld objection
    end = case.notice_ends_on + datetime.timedelta(days=1)
    with time_machine.travel(datetime.datetime.combine(end, datetime.time(1),
                                                       tzinfo=timezone.get_current_timezone())):
        fire_due_timers()
    case.refresh_from_db()
    assert (case.outcome, case.decision) == (CaseOutcome.REJECTED, "approve")
    # the applicant and the approver read the same final outcome under the decision
    for user in (w.provider, w.approver):
        client.force_login(user)
        page = client.get(f"/selection/cases/{case.pk}/")
        assert page.status_code == 200
        shown = _decision_shown(page)
        assert shown.startswith("已驳回"), shown
        assert "公示期间的异议经核查成立。" in shown
        assert not shown.startswith("批准")
        assert "审批同意的决定未生效。" in page.content.decode()


def test_a_withdrawal_after_the_approval_decision_shows_the_case_withdrawn(world, client):
    w = world
    case = _to_notice(w)
    outcome.case_withdraw(actor=w.provider, case=case)
    client.force_login(w.approver)
    shown = _decision_shown(client.get(f"/selection/cases/{case.pk}/"))
    assert shown.startswith("已撤回"), shown
