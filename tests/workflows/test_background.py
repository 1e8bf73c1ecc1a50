"""What follows a clerk's check and an approver's decision runs in the worker, after the
action commits (workflows.nodes.Background): the action commits alone, the worker is asked
on commit, a lost message is made good by the timer sweep, and what would make the
background step fail is refused in the action itself."""

import logging

import pytest
from django.core.exceptions import ValidationError
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from registry import services as registry_services
from registry.models import Approval
from tests.workflows.conftest import open_tasks, worker_runs
from tests.workflows.test_selection_flow import _apply, _score_all, _verify_all
from workflows import task_actions
from workflows.services import errors, selection
from workflows.tasks import fire_workflow_timers

UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def _scored_case(w):
    case = _apply(w)
    _verify_all(w, case)
    _score_all(w, case)
    [task] = open_tasks(case, "decision")
    return case, task


def _fresh_connections(app):
    """Let go of the app's broker connection and producer pools (without closing them:
    kombu keeps producer pools per broker URL, and eager calls take a producer too), so the
    next message uses the broker_url now set."""
    app._pool = None
    app.amqp._producer_pool = None


def _background(case):
    return Task.objects.filter(process_id=case.pk, flow_task_type="TIMER",
                               status=STATUS.SCHEDULED).order_by("pk")


@pytest.mark.django_db
def test_the_decision_commits_alone_and_asks_the_worker_on_commit(
        world, django_capture_on_commit_callbacks):
    from config.celery import app

    case, task = _scored_case(world)
    with django_capture_on_commit_callbacks() as callbacks:
        task_actions.task_perform(actor=world.approver, task=task,
                              data={"decision": "approve", "confirm": "yes",
                                    "reason": "材料齐全，评分优良"})
    case.refresh_from_db()
    # the decision is recorded; the notice is not opened in the approver's transaction
    assert case.decision == "approve" and case.approval_id is None
    [step] = _background(case)
    assert step.flow_task.name == "decided"
    assert callbacks, "the worker is asked once the decision commits"

    # the worker (eager here: the same code, in this process) opens the notice at once
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        for callback in callbacks:
            callback()
    finally:
        app.conf.task_always_eager = before
    case.refresh_from_db()
    assert case.approval.status == Approval.Status.PENDING and case.notice_ends_on
    step.refresh_from_db()
    assert step.status == STATUS.DONE


@pytest.mark.django_db
def test_with_the_broker_down_the_timer_sweep_opens_the_notice_later(
        world, django_capture_on_commit_callbacks, caplog, monkeypatch):
    from config.celery import app

    case, task = _scored_case(world)
    with django_capture_on_commit_callbacks() as callbacks:
        task_actions.task_perform(actor=world.approver, task=task,
                              data={"decision": "approve", "confirm": "yes",
                                    "reason": "材料齐全，评分优良"})
    original = app.conf.broker_url, app.conf.broker_connection_retry, \
        app.conf.task_publish_retry
    # Celery reads CELERY_BROKER_URL from the environment before its own setting (CI sets it)
    monkeypatch.setenv("CELERY_BROKER_URL", UNREACHABLE_BROKER)
    app.conf.broker_url, app.conf.task_publish_retry = UNREACHABLE_BROKER, False
    _fresh_connections(app)
    try:
        with caplog.at_level(logging.WARNING, logger="workflows.nodes"):
            for callback in callbacks:
                callback()  # the message cannot be sent: logged, nothing raised
    finally:
        monkeypatch.undo()
        (app.conf.broker_url, app.conf.broker_connection_retry,
         app.conf.task_publish_retry) = original
        _fresh_connections(app)
    assert "timer sweep will run it" in caplog.text
    case.refresh_from_db()
    assert case.approval_id is None and _background(case).exists()
    # the minutely sweep (beat) fires it when the broker is back
    assert fire_workflow_timers() == 1
    case.refresh_from_db()
    assert case.approval.status == Approval.Status.PENDING


@pytest.mark.django_db
def test_what_would_stop_the_notice_is_refused_in_the_decision(world):
    case, task = _scored_case(world)
    # the organization got an open approval here meanwhile: the notice could not open
    registry_services.approval_create(actor=world.root, jurisdiction=world.bureau.jurisdiction,
                                      organization=world.organization)
    with pytest.raises(ValidationError):
        task_actions.task_perform(actor=world.approver, task=task,
                              data={"decision": "approve", "confirm": "yes",
                                    "reason": "材料齐全，评分优良"})
    case.refresh_from_db()
    assert case.decision == "" and not _background(case).exists()
    assert open_tasks(case, "decision")  # still the approver's, nothing half-done


@pytest.mark.django_db
def test_the_clerks_check_commits_alone_and_the_panel_is_drawn_after(world, settings):
    case = _apply(world)
    [task] = [t for t in Task.objects.filter(process_id=case.pk, status=STATUS.NEW)
              if t.flow_task.name == "qualification"]
    data = {f"doc_{d.pk}": "verify" for d in world.documents}
    assert task_actions.task_perform(actor=world.clerk, task=task, data=data)
    assert not case.assignments.exists() and _background(case).exists()
    assert worker_runs() == 1
    assert case.assignments.count() == settings.WORKFLOW_EXPERT_PANEL_SIZE

    # a pool too small for the panel is said to the clerk, not found later by the worker
    settings.WORKFLOW_EXPERT_PANEL_SIZE = 50
    other = _apply_again(world)
    [task] = [t for t in Task.objects.filter(process_id=other.pk, status=STATUS.NEW)
              if t.flow_task.name == "qualification"]
    with pytest.raises(errors.CaseStateError):
        task_actions.task_perform(actor=world.clerk, task=task, data={
                f"doc_{d.pk}": "verify" for d in world.second_documents})
    assert not _background(other).exists()


def _apply_again(w):
    """A second organization of the same provider, with its documents, applying."""
    from registry.roles import Role
    from tests.factories import OfferingFactory, OrganizationFactory
    from tests.workflows.conftest import upload_all

    organization = OrganizationFactory(county=w.organization.county)
    registry_services.role_grant(actor=w.root, user=w.provider, role=Role.PROVIDER,
                                 target=organization)
    offering = OfferingFactory(organization=organization)  # first: its course plan is asked
    w.second_documents = upload_all(w.provider, organization)
    return selection.selection_apply(actor=w.provider, organization=organization,
                                     bureau=w.bureau, offerings=[offering])


@pytest.mark.django_db
def test_a_step_that_fails_in_the_worker_is_shown_to_the_bureau(world, client):
    from django.urls import reverse

    from workflows.dashboard import failed_steps

    case, task = _scored_case(world)
    task_actions.task_perform(actor=world.approver, task=task,
                          data={"decision": "approve", "confirm": "yes",
                                "reason": "材料齐全，评分优良"})
    # between the decision and the worker, an open approval appears (the notice cannot open)
    registry_services.approval_create(actor=world.root, jurisdiction=world.bureau.jurisdiction,
                                      organization=world.organization)
    worker_runs()
    case.refresh_from_db()
    assert case.approval_id is None  # nothing half-written
    [failed] = failed_steps(world.bureau)
    assert failed.process_id == case.pk and failed.status == STATUS.ERROR
    client.force_login(world.admin)
    page = client.get(reverse("workflows:dashboard", args=[world.bureau.pk]))
    assert "个在办案件的自动步骤执行失败" in page.content.decode()
