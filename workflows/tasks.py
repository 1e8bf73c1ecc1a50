"""Background work of the workflows: timers, notification email, overdue corrections,
the credential sweep and reminders. Task names are stored in the beat schedule and in
queued messages: keep them."""

import dataclasses

from celery import shared_task
from django.db import OperationalError
from viewflow.workflow.timers import fire_due_timers

from workflows.services import corrections, notifications, reminders, sweep


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True,
             max_retries=5)
def fire_workflow_timers() -> int:
    """viewflow's timer dispatcher (the public notice ends through it). Safe to overlap:
    each timer is re-checked under its process lock."""
    return fire_due_timers()


@shared_task(acks_late=True, autoretry_for=(OperationalError, OSError), retry_backoff=True,
             max_retries=8)
def send_notification_emails(ids=None) -> int:
    """Email notifications recorded unsent; sends each at most once (row lock + mark)."""
    return notifications.notifications_send(ids=ids)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True,
             max_retries=5)
def reject_overdue_corrections() -> int:
    """Cases whose correction deadline passed without a resubmission end rejected."""
    return corrections.corrections_reject_overdue()


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True,
             max_retries=5)
def credential_sweep() -> dict:
    """The daily credential sweep (idempotent: a rerun or an overlapping run adds nothing)."""
    return dataclasses.asdict(sweep.credential_sweep())


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True,
             max_retries=5)
def deliver_reminders() -> int:
    """Deliver recorded reminders; each exactly once (row lock, marked in one transaction)."""
    return reminders.reminders_deliver()
