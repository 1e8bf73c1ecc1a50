"""A cause added to a review case waiting on an administrator (the decision, or the
re-examination 复核) is told to the administrator handling it now: the one who took the
task, or, while it waits in the queue, the bureau's administrators who may take it (not
the one who investigated, nor, for the 复核, the one who decided). Not to the clerk who
investigated: the case is no longer theirs."""

import datetime

import pytest
from django.urls import reverse
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from registry import services
from registry.models import Bureau
from registry.roles import Role
from tests.after.beat import at
from tests.factories import EngagedOrganizationFactory, UserFactory
from workflows.models import Notification, ReviewCaseProcess

pytestmark = pytest.mark.django_db
D0 = datetime.date(2027, 3, 8)
D = datetime.timedelta


def _subjects(user) -> list[str]:
    return list(Notification.objects.filter(user=user).values_list("subject", flat=True))


def _task(case, node):
    [task] = [t for t in Task.objects.filter(process_id=case.pk,
                                             status__in=[STATUS.NEW, STATUS.ASSIGNED])
              if t.flow_task.name == node]
    return task


def _act(client, user, case, node, data):
    client.force_login(user)
    done = client.post(f"/api/v1/tasks/{_task(case, node).pk}/act/", {"data": data},
                       content_type="application/json")
    assert done.status_code == 200, done.content
    case.refresh_from_db()


@pytest.fixture
def w(client):
    """A case on a school's incident report, investigated by a clerk who is an
    administrator too, answered by the provider: it waits for the decision."""
    with at(D0):
        bureau = Bureau.objects.get(jurisdiction__code="360100")
        staff = {}
        for name, roles in (("clerk", (Role.BUREAU_CLERK, Role.BUREAU_ADMIN)),
                            ("other_clerk", (Role.BUREAU_CLERK,)),
                            ("decider", (Role.BUREAU_ADMIN,)),
                            ("examiner", (Role.BUREAU_ADMIN,))):
            staff[name] = UserFactory()
            for role in roles:
                services.role_grant(actor=None, user=staff[name], role=role, target=bureau)
        engaged = EngagedOrganizationFactory(spring=True, starts_on=D0, valid_from=D0 - D(7),
                                             valid_until=D0 + D(300))
        owner = UserFactory()
        services.role_grant(actor=None, user=owner, role=Role.PROVIDER,
                            target=engaged.organization)
    with at(D0, 10):
        client.force_login(engaged.account)
        reported = client.post(reverse("registry:engagement-incident",
                                       args=[engaged.engagement.pk]),
                               {"kind": "safety", "description": "学生在走廊摔伤，无人看护",
                                "occurred_on": D0.isoformat()})
        assert reported.status_code == 302
    case = ReviewCaseProcess.objects.get(organization=engaged.organization)
    with at(D0, 11):
        _act(client, staff["clerk"], case, "investigate",
             {"findings": "看护人员离岗二十分钟", "intended_action": "rectify",
              "reasons": "未履行安全看护责任，拟责令整改"})
    with at(D0 + D(2)):
        client.force_login(owner)
        answered = client.post(reverse("workflows:review-case", args=[case.pk]),
                               {"step": "respond", "text": "已更换看护人员",
                                "evidence": "培训签到表"})
        assert answered.status_code == 302
    case.refresh_from_db()
    assert case.stage == "decision"
    return type("W", (), {"bureau": bureau, "org": engaged.organization, "owner": owner,
                          "case": case, **staff})


def _complaint(client, w, day):
    """Another clerk records a parent's complaint about the provider: it joins the case."""
    Notification.objects.all().delete()
    with at(day):
        client.force_login(w.other_clerk)
        opened = client.post("/api/v1/review-cases/", {
            "bureau": w.bureau.pk, "organization": w.org.pk, "trigger": "complaint",
            "summary": "家长投诉：课后服务时间无人看管"}, content_type="application/json")
    assert opened.status_code in (200, 201), opened.content
    assert ReviewCaseProcess.objects.filter(organization=w.org).count() == 1
    return f"审查案件 #{w.case.pk} 追加事由："


def _told(user, prefix) -> bool:
    return any(s.startswith(prefix) for s in _subjects(user))


def test_with_the_decision_in_the_queue_the_administrators_who_may_take_it_are_told(
        client, w):
    prefix = _complaint(client, w, D0 + D(3))
    assert _told(w.decider, prefix) and _told(w.examiner, prefix), _subjects(w.decider)
    # not the clerk who investigated (the case is with the administrators, and four eyes
    # keep them from deciding it), nor the clerk who added the cause
    assert not _told(w.clerk, prefix), _subjects(w.clerk)
    assert not _told(w.other_clerk, prefix)
    body = Notification.objects.get(user=w.decider, subject__startswith=prefix).body
    assert body.startswith("您经办的案件追加了新的事由。"), body


def test_the_administrator_who_took_the_decision_is_told_alone(client, w):
    task = _task(w.case, "decide")
    with at(D0 + D(3)):
        client.force_login(w.decider)
        taken = client.post(f"/reviewcase/{w.case.pk}/decide/{task.pk}/assign/")
    assert taken.status_code in (200, 302)
    prefix = _complaint(client, w, D0 + D(3))
    assert _told(w.decider, prefix), _subjects(w.decider)
    assert not _told(w.examiner, prefix) and not _told(w.clerk, prefix)


def test_at_the_reexamination_the_administrator_who_may_take_it_is_told(client, w):
    with at(D0 + D(3)):
        _act(client, w.decider, w.case, "decide",
             {"decision": "rectify", "reason": "安全责任未落实",
              "rectification_requirements": "配齐看护人员",
              "rectification_due": (D0 + D(30)).isoformat()})
    with at(D0 + D(4)):
        client.force_login(w.owner)
        asked = client.post(f"/api/v1/review-cases/{w.case.pk}/reexamination/",
                            {"statement": "已整改完毕，请求复核"},
                            content_type="application/json")
        assert asked.status_code == 200, asked.content
    w.case.refresh_from_db()
    assert w.case.stage == "reexamination"
    prefix = _complaint(client, w, D0 + D(5))
    # neither the decider nor the investigating clerk may re-examine: the other is told
    assert _told(w.examiner, prefix), _subjects(w.examiner)
    assert not _told(w.decider, prefix) and not _told(w.clerk, prefix)
