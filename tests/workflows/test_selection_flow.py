"""The organization selection flow, end to end, through the same entry points as the API."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from viewflow.workflow.timers import fire_due_timers

from registry import services as registry_services
from registry.models import Approval, AuditEvent
from tests.factories import BlacklistingFactory
from tests.workflows.conftest import open_tasks, pdf, upload_all, worker_runs
from workflows import task_actions
from workflows.models import (
    CaseOutcome,
    ExpertAssignment,
    Notification,
    Objection,
    ObjectionEvidence,
)
from workflows.services import corrections, errors, notifications, objections, outcome, selection

SCORES = {"qualification": 90, "course-plan": 80, "safety": 85, "price": 70, "reputation": 75}


def _verify_all(w, case):
    [task] = open_tasks(case, "qualification")
    data = {f"doc_{d.pk}": "verify" for d in w.documents}
    assert task_actions.task_perform(actor=w.clerk, task=task, data=data)


def _score_all(w, case, *, recuse_first=False):
    """Each drawn expert scores; optionally the first declares a conflict first."""
    recused = None
    if recuse_first:
        task = open_tasks(case, "expert_review")[0]
        recused = task.owner
        done = task_actions.task_perform(actor=recused, task=task, data={
                "conflict": "yes", "conflict_note": "申请机构负责人是我的亲属"})
        assert done is False
    while tasks := open_tasks(case, "expert_review"):
        task = tasks[0]
        data = {"conflict": "no", **{f"score_{k}": v for k, v in SCORES.items()}}
        assert task_actions.task_perform(actor=task.owner, task=task, data=data)
    return recused


def _apply(w):
    return selection.selection_apply(actor=w.provider, organization=w.organization,
                                     bureau=w.bureau, offerings=[w.offering])


def _to_notice(w):
    case = _apply(w)
    _verify_all(w, case)
    _score_all(w, case)
    [task] = open_tasks(case, "decision")
    task_actions.task_perform(actor=w.approver, task=task,
                          data={"decision": "approve", "confirm": "yes",
                                "reason": "材料齐全，评分优良"})
    worker_runs()  # the notice opens in the background (at once where Celery runs eagerly)
    case.refresh_from_db()
    assert case.notice_ends_on is not None and case.approval_id is not None
    return case


def test_happy_path_with_a_recused_expert(world):
    w = world
    # given a complete application
    case = _apply(w)
    assert case.outcome == CaseOutcome.OPEN and not case.missing
    # the clerk of the bureau finds it in the queue and verifies every document
    [task] = open_tasks(case, "qualification")
    assert task.owner is None
    _verify_all(w, case)
    case.refresh_from_db()
    assert case.checked_by == w.clerk

    # three experts are drawn from the pool of four; one recuses and is replaced
    assert len(open_tasks(case, "expert_review")) == 3
    recused = _score_all(w, case, recuse_first=True)
    seats = ExpertAssignment.objects.filter(case=case)
    assert seats.filter(status="recused").get().expert == recused
    assert seats.filter(status="scored").count() == 3
    assert recused not in [a.expert for a in seats.filter(status="scored")]
    case.refresh_from_db()
    # weighted mean: (90*30 + 80*25 + 85*20 + 70*15 + 75*10) / 100
    assert str(case.weighted_score) == "82.00"
    assert case.score_spread_flagged is False

    # the approver decides: the approval goes into public notice
    [task] = open_tasks(case, "decision")
    task_actions.task_perform(actor=w.approver, task=task,
                          data={"decision": "approve", "confirm": "yes",
                                "reason": "材料齐全，评分优良"})
    # the decision commits alone; the worker opens the notice right after it
    case.refresh_from_db()
    assert case.decision == "approve" and case.approval is None
    assert worker_runs() == 1
    case.refresh_from_db()
    assert case.approval.status == Approval.Status.PENDING
    assert case.notice_ends_on > timezone.localdate()
    [timer] = open_tasks(case) or [None]
    assert timer is None  # the timer is SCHEDULED, not a human task

    # a real-name objection is dismissed by the clerk
    objection = objections.objection_file(case=case, real_name="王小明", contact="13900000000",
                                          reason="该机构曾多收费用，附收据。")
    objections.objection_resolve(actor=w.clerk, objection=objection, upheld=False,
                                 reason="经核实，收费符合公示标准")

    # when the notice period passes and the dispatcher runs
    end = case.notice_ends_on + datetime.timedelta(days=1)
    with time_machine.travel(datetime.datetime.combine(end, datetime.time(0, 5),
                                                       tzinfo=timezone.get_current_timezone())):
        assert fire_due_timers() == 1
        case.refresh_from_db()
        approval = Approval.objects.get(pk=case.approval_id)
        # then the approval takes effect for at most the term, never past a document's expiry
        assert approval.status == Approval.Status.APPROVED
        assert approval.expert_score == case.weighted_score  # orders school search results
        assert approval.valid_from == end
        assert approval.valid_until <= w.documents[0].expires_on
        assert approval.is_valid_on(end)
    assert case.outcome == CaseOutcome.APPROVED
    actions = list(AuditEvent.objects.for_object(case).values_list("action", flat=True))
    for action in ["case.apply", "case.completeness", "case.qualification_check",
                   "case.experts_drawn", "case.expert_recused", "case.expert_scored",
                   "case.decide", "case.notice_start", "case.objection_filed",
                   "case.objection_resolved", "case.approved"]:
        assert action in actions, action


def test_notice_end_date_follows_the_official_calendar(world):
    # 2026-09-25 (Friday) is the Mid-autumn holiday and Oct 1–7 National Day: counting
    # 5 working days from it gives Sep 28, 29, 30, Oct 8, 9.
    from workflows.workdays import add_working_days

    assert add_working_days(datetime.date(2026, 9, 25), 5) == datetime.date(2026, 10, 9)
    # Saturday Oct 10 is a make-up working day (调休), Sunday Oct 11 is not
    assert add_working_days(datetime.date(2026, 10, 9), 1) == datetime.date(2026, 10, 10)
    assert add_working_days(datetime.date(2026, 10, 9), 2) == datetime.date(2026, 10, 12)
    # an ordinary week: Monday + 5 working days is the next Monday
    assert add_working_days(datetime.date(2026, 11, 2), 5) == datetime.date(2026, 11, 9)


def test_override_list_decides_dates_the_calendar_package_does_not_know(world):
    from tests.factories import CalendarOverrideFactory
    from workflows.workdays import add_working_days

    # 2027 is beyond the package's data: weekdays count unless overridden
    assert add_working_days(datetime.date(2027, 1, 29), 1) == datetime.date(2027, 2, 1)
    CalendarOverrideFactory(date=datetime.date(2027, 2, 1), is_workday=False, note="春节")
    assert add_working_days(datetime.date(2027, 1, 29), 1) == datetime.date(2027, 2, 2)


def test_a_year_the_package_lacks_still_keeps_the_holidays_the_law_fixes(world):
    """A notice published on Friday 2026-12-25 for 5 working days: 元旦 (Friday 2027-01-01)
    is a public holiday by law, so it ends on Monday 2027-01-04, not on New Year's Day."""
    from tests.factories import CalendarOverrideFactory
    from workflows.workdays import add_working_days, is_workday, statutory_holidays

    assert add_working_days(datetime.date(2026, 12, 25), 5) == datetime.date(2027, 1, 4)
    # 春节 2027: 除夕 Friday 5 February to 初三 Monday 8 February; 清明, 端午, 中秋, 国庆
    assert not any(is_workday(datetime.date(2027, 2, d)) for d in (5, 6, 7, 8))
    assert is_workday(datetime.date(2027, 2, 4)) and is_workday(datetime.date(2027, 2, 9))
    for day in [(4, 5), (5, 1), (6, 9), (9, 15), (10, 1)]:
        assert datetime.date(2027, *day) in statutory_holidays(2027)
    # the law's days match the package's for a year it knows (2026: 除夕 16 February)
    known = chinese_calendar_holidays(2026)
    assert statutory_holidays(2026) <= known
    # the bureau's override still decides (a make-up working day announced later)
    CalendarOverrideFactory(date=datetime.date(2027, 1, 1), is_workday=True, note="测试")
    assert add_working_days(datetime.date(2026, 12, 25), 5) == datetime.date(2027, 1, 1)


def chinese_calendar_holidays(year):
    import chinese_calendar

    return set(chinese_calendar.get_holidays(datetime.date(year, 1, 1),
                                             datetime.date(year, 12, 31),
                                             include_weekends=True))


def test_upheld_objection_rejects_the_case_and_revokes_the_pending_approval(world):
    w = world
    case = _to_notice(w)
    objection = objections.objection_file(case=case, real_name="李华", contact="lh@example.cn",
                                          reason="该机构教学内容涉及学科类培训（奥数）。")
    objections.objection_resolve(actor=w.clerk, objection=objection, upheld=True,
                                 reason="经查属实：开设奥数课程")
    case.refresh_from_db()
    assert Approval.objects.get(pk=case.approval_id).status == Approval.Status.REVOKED
    end = case.notice_ends_on + datetime.timedelta(days=1)
    with time_machine.travel(datetime.datetime.combine(end, datetime.time(1),
                                                       tzinfo=timezone.get_current_timezone())):
        fire_due_timers()
    case.refresh_from_db()
    assert case.outcome == CaseOutcome.REJECTED
    # no note for the applicant was written: they read that it was upheld, not the finding
    assert case.outcome_reason == "公示期间的异议经核查成立。"


def test_open_objection_at_notice_end_waits_for_the_clerk(world):
    w = world
    case = _to_notice(w)
    objections.objection_file(case=case, real_name="赵六", contact="13800000001",
                              reason="场地存在消防隐患，附照片。")
    end = case.notice_ends_on + datetime.timedelta(days=1)
    with time_machine.travel(datetime.datetime.combine(end, datetime.time(1),
                                                       tzinfo=timezone.get_current_timezone())):
        fire_due_timers()
        [task] = open_tasks(case, "resolve_objections")
        objection = case.objections.get()
        task_actions.task_perform(actor=w.clerk, task=task, data={
                f"objection_{objection.pk}": "dismissed",
                f"objection_{objection.pk}_reason": "消防部门已验收合格"})
    case.refresh_from_db()
    assert case.outcome == CaseOutcome.APPROVED


@pytest.mark.parametrize("bad", [
    {"real_name": "", "contact": "138", "reason": "理由充分的异议内容"},
    {"real_name": "匿名", "contact": "138", "reason": "理由充分的异议内容"},
    {"real_name": "王五", "contact": " ", "reason": "理由充分的异议内容"},
    {"real_name": "王五", "contact": "138", "reason": ""},
])
def test_anonymous_or_empty_objections_are_refused(world, bad):
    case = _to_notice(world)
    with pytest.raises(ValidationError):
        objections.objection_file(case=case, **bad)
    assert not Objection.objects.exists()


def test_objection_outside_the_notice_is_refused(world):
    case = _apply(world)
    with pytest.raises(errors.CaseStateError):
        objections.objection_file(case=case, real_name="王五", contact="138",
                                  reason="理由充分的异议内容")


def test_incomplete_application_goes_back_and_comes_again_after_correction(world):
    w = world
    # given an organization missing its safety plan
    from documents.models import Document

    Document.objects.filter(organization=w.organization,
                            document_type__code="safety_plan").update(
        superseded_at=timezone.now())
    case = _apply(w)
    case.refresh_from_db()
    assert case.correction_rounds == 0  # a round counts when it is submitted
    assert any("安全预案" in p["document_type"]
               for p in case.missing)
    [task] = open_tasks(case, "correction")
    # the provider is told what is missing, by email and in the app
    assert w.provider.notifications.filter(subject__contains=str(case.pk)).exists()
    # another provider cannot act on it
    with pytest.raises(PermissionDenied):
        task_actions.task_perform(actor=w.other_provider, task=task, data={})
    # submitting without the missing document is refused, naming it; no round is used
    with pytest.raises(ValidationError, match="安全预案|Safety"):
        task_actions.task_perform(actor=w.provider, task=task, data={})
    case.refresh_from_db()
    assert case.correction_rounds == 0
    # the provider uploads it and resubmits
    upload_all(w.provider, w.organization, skip=[d.document_type.code for d in w.documents
                                                 if d.document_type.code != "safety_plan"])
    assert task_actions.task_perform(actor=w.provider, task=task, data={})
    assert open_tasks(case, "qualification")
    case.refresh_from_db()
    assert case.correction_rounds == 1


def test_rejected_document_sends_back_and_rounds_are_limited(world, settings):
    w = world
    settings.WORKFLOW_MAX_CORRECTION_ROUNDS = 1
    case = _apply(w)
    [task] = open_tasks(case, "qualification")
    licence = w.documents[0]
    data = {f"doc_{d.pk}": "verify" for d in w.documents}
    data[f"doc_{licence.pk}"] = "reject"
    # a rejection needs a reason
    with pytest.raises(ValidationError):
        task_actions.task_perform(actor=w.clerk, task=task, data=data)
    data[f"doc_{licence.pk}_reason"] = "执照已被吊销"
    task_actions.task_perform(actor=w.clerk, task=task, data=data)
    [task] = open_tasks(case, "correction")
    # the licence is not replaced: refused, naming it, and the round is not used
    with pytest.raises(ValidationError, match=licence.document_type.name):
        task_actions.task_perform(actor=w.provider, task=task, data={"confirm": "on"})
    # replaced inside the task, then rejected again in the only allowed round
    replacement = pdf("licence-new.pdf")
    assert task_actions.task_perform(actor=w.provider, task=task, data={
        "item0_issued_on": str(timezone.localdate()), "item0_answer": "已重新办理"},
        files={"item0_file": replacement})
    case.refresh_from_db()
    assert case.correction_rounds == 1
    [task] = open_tasks(case, "qualification")
    new = case.organization.documents.get(superseded_at__isnull=True,
                                          document_type=licence.document_type)
    assert new.original_name == "licence-new.pdf"
    task_actions.task_perform(actor=w.clerk, task=task, data={
        f"doc_{new.pk}": "reject", f"doc_{new.pk}_reason": "仍为吊销状态"})
    worker_runs()  # the worker moves the case on right after the check
    case.refresh_from_db()
    # still not corrected after the last allowed round: the case ends rejected
    assert case.outcome == CaseOutcome.REJECTED
    assert not open_tasks(case)


def test_approver_cannot_be_the_clerk_or_an_expert_of_the_case(world):
    w = world
    case = _apply(w)
    _verify_all(w, case)
    _score_all(w, case)
    # give the clerk and a panel expert the approver role as well
    from registry.roles import Role

    expert = case.assignments.filter(status="scored").first().expert
    for user in (w.clerk, expert):
        registry_services.role_grant(actor=w.root, user=user,
                                     role=Role.BUREAU_APPROVER, target=w.bureau)
    [task] = open_tasks(case, "decision")
    for user in (w.clerk, expert):
        with pytest.raises(PermissionDenied):
            task_actions.task_perform(actor=user, task=task,
                                  data={"decision": "approve", "confirm": "yes", "reason": "同意"})
    case.refresh_from_db()
    assert case.decision == "" and open_tasks(case, "decision")
    assert not AuditEvent.objects.for_object(case).filter(action="case.decide").exists()


def test_acting_twice_or_out_of_jurisdiction(world):
    w = world
    case = _apply(w)
    [task] = open_tasks(case, "qualification")
    data = {f"doc_{d.pk}": "verify" for d in w.documents}
    with pytest.raises(PermissionDenied):
        task_actions.task_perform(actor=w.other_clerk, task=task, data=data)
    task_actions.task_perform(actor=w.clerk, task=task, data=data)
    with pytest.raises(errors.TaskAlreadyHandled):
        task_actions.task_perform(actor=w.clerk, task=task, data=data)


@pytest.mark.parametrize("score", [-1, 101, "abc"])
def test_scores_outside_the_rubric_are_refused(world, score):
    w = world
    case = _apply(w)
    _verify_all(w, case)
    task = open_tasks(case, "expert_review")[0]
    data = {"conflict": "no", **{f"score_{k}": v for k, v in SCORES.items()}}
    data["score_safety"] = score
    with pytest.raises(ValidationError) as excinfo:
        task_actions.task_perform(actor=task.owner, task=task, data=data)
    assert "score_safety" in excinfo.value.message_dict
    assert not case.assignments.filter(status="scored").exists()


def test_wide_score_spread_is_flagged(world):
    w = world
    case = _apply(w)
    _verify_all(w, case)
    for i, task in enumerate(open_tasks(case, "expert_review")):
        value = 95 if i == 0 else 40
        task_actions.task_perform(actor=task.owner, task=task, data={
                "conflict": "no", **{f"score_{k}": value for k in SCORES}})
    case.refresh_from_db()
    assert case.score_spread_flagged is True


def test_applying_twice_while_open_is_refused(world):
    _apply(world)
    with pytest.raises(ValidationError):
        _apply(world)


def test_applications_outside_an_open_call_are_refused(world):
    w = world
    today = timezone.localdate()
    selection.call_open(actor=w.admin, bureau=w.bureau, title="2026年第二批征集",
                        opens_on=today + datetime.timedelta(days=3),
                        closes_on=today + datetime.timedelta(days=20))
    with pytest.raises(ValidationError) as excinfo:
        _apply(w)
    assert "征集" in str(excinfo.value)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=5)):
        case = _apply(w)
        assert case.call.title == "2026年第二批征集"


def test_suspended_organization_cannot_apply(world):
    w = world
    from registry import services as registry_services
    from registry.models import Jurisdiction

    approval = registry_services.approval_create(
        actor=w.root, jurisdiction=Jurisdiction.objects.get(code="360102"),
        organization=w.organization)
    today = timezone.localdate()
    registry_services.approval_approve(actor=w.root, approval=approval, valid_from=today,
                                       valid_until=today + datetime.timedelta(days=30))
    registry_services.approval_suspend(actor=w.root, approval=approval, reason="安全事故")
    with pytest.raises(ValidationError):
        _apply(w)


def test_provider_may_withdraw_before_approval(world):
    w = world
    case = _to_notice(w)
    outcome.case_withdraw(actor=w.provider, case=case)
    case.refresh_from_db()
    assert case.outcome == CaseOutcome.WITHDRAWN
    assert Approval.objects.get(pk=case.approval_id).status == Approval.Status.REVOKED
    with pytest.raises(errors.CaseStateError):
        outcome.case_withdraw(actor=w.provider, case=case)


def test_notifications_are_emailed_after_commit_and_retried_if_email_fails(world, settings):
    w = world
    settings.EMAIL_BACKEND = "tests.workflows.failing_email.Backend"
    case = _apply(world)
    _verify_all(w, case)  # notifies the drawn experts
    from workflows.models import Notification

    unsent = Notification.objects.filter(emailed_at__isnull=True)
    assert unsent.exists()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox.clear()
    sent = notifications.notifications_send()
    assert sent >= 1 and len(mail.outbox) == sent
    assert notifications.notifications_send() == 0  # nothing is sent twice


def test_clerk_of_the_bureau_applied_to_reaches_an_organization_from_elsewhere(world):
    """An organization registered in 景德镇 applies to 南昌: 南昌's clerk may read and review
    its documents for the case; a clerk of a third bureau may not."""
    from documents.permissions import may_review_documents, may_view_documents
    from tests.factories import JurisdictionFactory, jurisdiction

    w = world
    jdz_county = JurisdictionFactory(code="360202", name="昌江区",
                                     parent=jurisdiction("360200"))
    w.organization.county = jdz_county
    w.organization.save(update_fields=["county"])
    assert not may_review_documents(w.clerk, w.organization)
    _apply(w)
    assert may_review_documents(w.clerk, w.organization)
    assert may_view_documents(w.approver, w.organization)
    third = w.staff("bureau_clerk", bureau=__import__("registry.models", fromlist=["Bureau"])
                    .Bureau.objects.get(jurisdiction__code="360300"))
    assert not may_view_documents(third, w.organization)


def test_objection_evidence_is_checked_like_a_document(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    case = _to_notice(world)
    fake = SimpleUploadedFile("evidence.pdf", b"MZ\x90\x00 not a pdf",
                              content_type="application/pdf")
    from tests.workflows.conftest import pdf

    # one bad file among good ones: nothing kept, no row
    with pytest.raises(ValidationError):
        objections.objection_file(case=case, real_name="王小明", contact="139",
                                  reason="该机构收费高于公示标准。", evidence=[pdf("a.pdf"), fake])
    assert not Objection.objects.exists() and not ObjectionEvidence.objects.exists()

    objection = objections.objection_file(
          case=case, real_name="王小明", contact="139", reason="该机构收费高于公示标准。",
          evidence=[pdf("收据.pdf"), pdf("照片说明.pdf"), pdf("合同.pdf")])
    files = list(objection.evidence_files.all())
    assert [f.original_name for f in files] == ["收据.pdf", "照片说明.pdf", "合同.pdf"]
    assert all(len(f.sha256) == 64 and f.storage_key for f in files)
    with pytest.raises(ValidationError):  # a fourth file
        objections.objection_file(case=case, real_name="王小明", contact="139",
                                  reason="该机构收费高于公示标准。",
                                  evidence=[pdf(f"{n}.pdf") for n in range(4)])
    assert Objection.objects.count() == 1


def test_staff_are_told_when_a_task_waits_in_their_queue(world):
    w = world
    case = _apply(w)
    assert w.clerk.notifications.filter(subject__contains=f"#{case.pk}").exists()
    assert not w.approver.notifications.filter(subject__contains=f"#{case.pk}").exists()
    _verify_all(w, case)
    _score_all(w, case)
    assert w.approver.notifications.filter(subject__contains=f"#{case.pk}").exists()


def test_overdue_correction_ends_the_case_rejected(world):
    w = world
    from documents.models import Document

    Document.objects.filter(organization=w.organization,
                            document_type__code="safety_plan").update(
        superseded_at=timezone.now())
    case = _apply(w)
    assert open_tasks(case, "correction")
    assert corrections.corrections_reject_overdue() == 0  # not due yet
    later = timezone.now() + datetime.timedelta(days=11)
    with time_machine.travel(later, tick=False):
        assert corrections.corrections_reject_overdue() == 1
        assert corrections.corrections_reject_overdue() == 0  # idempotent
    case.refresh_from_db()
    assert case.outcome == CaseOutcome.REJECTED and not open_tasks(case)


def test_a_provider_blacklisted_during_the_notice_is_not_approved(world):
    # given a case in public notice, and then the organization blacklisted (by another
    # bureau's case)
    w = world
    case = _to_notice(w)
    BlacklistingFactory(organization=w.organization)

    # when the notice period passes and the dispatcher runs
    end = case.notice_ends_on + datetime.timedelta(days=1)
    with time_machine.travel(datetime.datetime.combine(end, datetime.time(0, 5),
                                                       tzinfo=timezone.get_current_timezone())):
        assert fire_due_timers() == 1

    # then the approval never takes effect, the case ends rejected saying why, and the
    # provider is told
    case.refresh_from_db()
    assert case.outcome == CaseOutcome.REJECTED
    assert "黑名单" in case.outcome_reason
    assert Approval.objects.get(pk=case.approval_id).status != Approval.Status.APPROVED
    assert Notification.objects.filter(user=w.provider, subject__contains=f"#{case.pk}").exists()
    # and no other way puts it in force
    with pytest.raises(ValidationError) as refused:
        registry_services.approval_approve(
            actor=None, approval=Approval.objects.get(pk=case.approval_id),
            valid_from=end, valid_until=end + datetime.timedelta(days=30))
    assert refused.value.code == "blacklisted"
