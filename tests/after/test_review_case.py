"""The review case, with the default settings, through HTTP and the beat
schedule on a shifted clock: incident → the clerk's task → notice → the provider answers
→ suspension reaches everyone the same day → 复核 → lifted, everything restored, all told.
And the bad inputs: an answer after the deadline, a second 复核, a decision by the clerk
who investigated: a clear 4xx, nothing changed."""

import datetime

import pytest
from django.urls import reverse
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from registry import services
from registry.models import Approval, AuditEvent, Bureau, Engagement
from registry.roles import Role
from tests.after.beat import SHANGHAI, at, beat_day
from tests.factories import EngagedOrganizationFactory, PersonFactory, UserFactory
from workflows.models import Notification, ReviewCaseProcess

pytestmark = pytest.mark.django_db
D0 = datetime.date(2027, 3, 8)  # a Monday; 5 working days later: Monday 15 March
D = datetime.timedelta


def _told(user, since=None) -> list[str]:
    rows = Notification.objects.filter(user=user)
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    return list(rows.values_list("subject", flat=True))


def _task(case, node):
    tasks = [t for t in Task.objects.filter(process_id=case.pk,
                                            status__in=[STATUS.NEW, STATUS.ASSIGNED])
             if t.flow_task.name == node]
    assert len(tasks) == 1, [t.flow_task.name for t in Task.objects.filter(process_id=case.pk)]
    return tasks[0]


def _act(client, user, case, node, data):
    client.force_login(user)
    return client.post(f"/api/v1/tasks/{_task(case, node).pk}/act/", {"data": data},
                       content_type="application/json")


@pytest.fixture
def w():
    with at(D0):
        bureau = Bureau.objects.get(jurisdiction__code="360100")
        staff = {}
        for name, role in (("clerk", Role.BUREAU_CLERK), ("decider", Role.BUREAU_ADMIN),
                           ("examiner", Role.BUREAU_ADMIN)):
            staff[name] = UserFactory()
            services.role_grant(actor=None, user=staff[name], role=role, target=bureau)
        # the clerk who investigates is an administrator too: only the rule stops them deciding
        services.role_grant(actor=None, user=staff["clerk"], role=Role.BUREAU_ADMIN,
                            target=bureau)
        engaged = EngagedOrganizationFactory(spring=True, starts_on=D0, valid_from=D0 - D(7),
                                             valid_until=D0 + D(300))
        org = engaged.organization
        owner = UserFactory()
        services.role_grant(actor=None, user=owner, role=Role.PROVIDER, target=org)
        coach = PersonFactory(name="李教练", organization=org, user=UserFactory())
    return type("W", (), {"bureau": bureau, "org": org, "approval": engaged.approval,
                          "owner": owner, "coach": coach, "school_account": engaged.account,
                          "engagement": engaged.engagement, **staff})


def _report_incident(client, w) -> ReviewCaseProcess:
    with at(D0, 10):
        client.force_login(w.school_account)
        page = client.post(reverse("registry:engagement-incident", args=[w.engagement.pk]),
                           {"kind": "safety", "description": "课后服务时间学生在走廊摔伤，无人看护",
                            "occurred_on": D0.isoformat()})
        assert page.status_code == 302
    return ReviewCaseProcess.objects.get(organization=w.org)


def _investigate(client, w, case, action="suspend"):
    with at(D0, 11):
        done = _act(client, w.clerk, case, "investigate",
                    {"findings": "看护人员离岗二十分钟", "intended_action": action,
                     "reasons": "未履行安全看护责任，拟暂停准入"})
    assert done.status_code == 200, done.content
    case.refresh_from_db()
    return case


def test_incident_to_suspension_to_reexamination_and_back(client, w):
    # a school reports an incident: the bureau's clerk has a task and is told
    case = _report_incident(client, w)
    assert case.trigger == "incident" and case.stage == "investigation"
    _task(case, "investigate")
    assert any("新任务" in s or "task" in s.lower() for s in _told(w.clerk)), _told(w.clerk)
    # nothing to the provider before the notice (but the engagement the school recorded)
    assert not [s for s in _told(w.owner) if "引进项目" not in s], _told(w.owner)

    # the clerk investigates; the provider receives the notice with its answer deadline
    case = _investigate(client, w, case)
    assert case.stage == "notice"
    assert case.response_due == datetime.date(2027, 3, 15)  # 5 working days
    assert any("拟" in s or "告知" in s for s in _told(w.owner)), _told(w.owner)

    # the provider answers on the case page
    with at(D0 + D(2)):
        client.force_login(w.owner)
        page = client.get(reverse("workflows:review-case", args=[case.pk]))
        assert page.status_code == 200 and "未履行安全看护责任" in page.content.decode()
        answered = client.post(reverse("workflows:review-case", args=[case.pk]),
                               {"step": "respond", "text": "已更换看护人员并加强培训",
                                "evidence": "培训签到表"})
        assert answered.status_code == 302
    case.refresh_from_db()
    assert case.stage == "decision" and case.response_text.startswith("已更换")

    # the clerk who investigated may not decide: 403, nothing changed
    events = AuditEvent.objects.count()
    with at(D0 + D(3)):
        refused = _act(client, w.clerk, case, "decide",
                       {"decision": "suspend", "reason": "安全责任未落实"})
    assert refused.status_code == 403, refused.content
    assert AuditEvent.objects.count() == events
    assert Approval.objects.get(pk=w.approval.pk).status == "approved"
    assert _task(case, "decide").status == STATUS.NEW

    # another administrator suspends: everyone is told the same day, the engagement follows
    decision_day = datetime.datetime(2027, 3, 11, tzinfo=SHANGHAI)  # from midnight, local
    with at(D0 + D(3)):
        done = _act(client, w.decider, case, "decide",
                    {"decision": "suspend", "reason": "安全责任未落实"})
        assert done.status_code == 200, done.content
        client.force_login(w.school_account)
        dashboard = client.get(reverse("registry:school-engagements")).content.decode()
    assert Approval.objects.get(pk=w.approval.pk).status == "suspended"
    assert Engagement.objects.get(pk=w.engagement.pk).status == "suspended"
    assert "暂停" in dashboard and "另行安排" in dashboard
    for user in (w.owner, w.coach.user, w.school_account):
        assert any("暂停" in s for s in _told(user, since=decision_day)), _told(user)
    case.refresh_from_db()
    assert case.stage == "decided" and case.decided_by == w.decider

    # the provider asks for 复核 (API); a second request is refused, nothing changed
    with at(D0 + D(4)):
        client.force_login(w.owner)
        asked = client.post(f"/api/v1/review-cases/{case.pk}/reexamination/",
                            {"statement": "已整改完毕，请求复核"}, content_type="application/json")
        assert asked.status_code == 200, asked.content
        events = AuditEvent.objects.count()
        again = client.post(f"/api/v1/review-cases/{case.pk}/reexamination/",
                            {"statement": "再次请求"}, content_type="application/json")
    assert again.status_code == 400 and "已" in str(again.json())
    assert AuditEvent.objects.count() == events
    case.refresh_from_db()
    assert case.stage == "reexamination" and case.reexamination_statement == "已整改完毕，请求复核"

    # the decider may not re-examine their own decision
    with at(D0 + D(5)):
        refused = _act(client, w.decider, case, "reexamine",
                       {"outcome": "lifted", "reason": "复核"})
    assert refused.status_code == 403

    # someone who neither decided nor investigated lifts it: restored, and all are told
    Notification.objects.all().delete()
    with at(D0 + D(7)):
        done = _act(client, w.examiner, case, "reexamine",
                    {"outcome": "lifted", "reason": "整改到位，撤销暂停"})
        assert done.status_code == 200, done.content
    assert Approval.objects.get(pk=w.approval.pk).status == "approved"
    # back where it was before the suspension
    assert Engagement.objects.get(pk=w.engagement.pk).status == w.engagement.status
    for user in (w.owner, w.coach.user, w.school_account):
        assert any("解除" in s for s in _told(user)), _told(user)
    case.refresh_from_db()
    assert case.stage == "closed"
    actions = set(AuditEvent.objects.filter(action__startswith="review_case.")
                  .values_list("action", flat=True))
    assert {"review_case.open", "review_case.investigate", "review_case.notice",
            "review_case.respond", "review_case.decide", "review_case.reexamination_request",
            "review_case.reexamine", "review_case.close"} <= actions


def test_the_provider_finds_the_review_case_about_it_in_my_applications(client, w):
    case = _investigate(client, w, _report_incident(client, w))
    # the organization's provider opens 我的申请: the case about it is there, where it stands
    with at(D0, 12):
        client.force_login(w.owner)
        body = client.get(reverse("workflows:cases")).content.decode()
        assert f'href="{reverse("workflows:review-case", args=[case.pk])}"' in body
        assert w.org.name in body and str(case.get_stage_display()) in body
        # the school that reported it, and a member of staff, have no such row
        for user in (w.school_account, w.coach.user):
            client.force_login(user)
            page = client.get(reverse("workflows:cases")).content.decode()
            assert reverse("workflows:review-case", args=[case.pk]) not in page


def test_an_answer_after_the_deadline_is_refused_and_the_case_goes_on(client, w):
    case = _investigate(client, w, _report_incident(client, w))
    # the day after the deadline the beat moves the case to the decision by itself
    beat_day(datetime.date(2027, 3, 16))
    case.refresh_from_db()
    assert case.stage == "decision" and case.responded_at is None
    _task(case, "decide")
    events = AuditEvent.objects.count()
    with at(datetime.date(2027, 3, 16), 10):
        client.force_login(w.owner)
        late = client.post(f"/api/v1/review-cases/{case.pk}/respond/",
                           {"text": "迟到的申辩"}, content_type="application/json")
        page = client.post(reverse("workflows:review-case", args=[case.pk]),
                           {"step": "respond", "text": "迟到的申辩"})
    assert late.status_code == 400 and "2027" in str(late.json())
    assert page.status_code == 400
    assert AuditEvent.objects.count() == events
    case.refresh_from_db()
    assert case.response_text == ""


def _rectification_ordered(client, w, due: str):
    """A case decided on 16 March, unanswered: rectify by ``due``."""
    case = _investigate(client, w, _report_incident(client, w), action="rectify")
    beat_day(datetime.date(2027, 3, 16))  # no answer: to the decision
    with at(datetime.date(2027, 3, 16), 10):
        done = _act(client, w.decider, case, "decide",
                    {"decision": "rectify", "reason": "看护制度不健全",
                     "rectification_requirements": "建立看护签到制度",
                     "rectification_due": due})
    assert done.status_code == 200, done.content
    return case


def test_a_rectification_not_evidenced_by_its_deadline_comes_back_to_the_clerk(client, w):
    case = _rectification_ordered(client, w, "2027-03-26")
    # 整改中: the approval shows it and stays in force
    approval = Approval.objects.get(pk=w.approval.pk)
    assert approval.status == "approved"
    assert approval.rectification_due == datetime.date(2027, 3, 26)
    # no evidence, no 复核: once the deadlines pass the case returns to the clerk by itself
    for day in (datetime.date(2027, 3, 29), datetime.date(2027, 4, 8)):
        beat_day(day)
    case.refresh_from_db()
    assert case.stage == "investigation"
    _task(case, "investigate")
    assert AuditEvent.objects.filter(action="review_case.back_to_clerk").count() == 1
    # and evidence is refused now that the deadline has passed
    with at(datetime.date(2027, 4, 8), 10):
        client.force_login(w.owner)
        late = client.post(f"/api/v1/review-cases/{case.pk}/rectification/",
                           {"evidence": "补交"}, content_type="application/json")
    assert late.status_code == 400


def test_rectification_evidenced_early_goes_to_the_clerk_without_waiting_for_the_deadline(
        client, w):
    case = _rectification_ordered(client, w, "2027-05-31")
    # the provider shows the rectification done the next day, inside the 复核 window
    with at(datetime.date(2027, 3, 17), 10):
        client.force_login(w.owner)
        sent = client.post(f"/api/v1/review-cases/{case.pk}/rectification/",
                           {"evidence": "已建立看护签到制度，附签到表"},
                           content_type="application/json")
    assert sent.status_code == 200, sent.content
    # when the 复核 window closes, the clerk has the evidence to check at once, weeks
    # before the deadline
    case.refresh_from_db()
    beat_day(case.reexamination_due + datetime.timedelta(days=1))
    case.refresh_from_db()
    assert case.stage == "rectification_check"
    _task(case, "rectification_check")
