"""Background work of the workflows: timers, notification email, overdue corrections."""

from celery import shared_task
from django.db import OperationalError
from viewflow.workflow.timers import fire_due_timers

from workflows import services


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
    return services.notifications_send(ids=ids)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True,
             max_retries=5)
def reject_overdue_corrections() -> int:
    """Cases whose correction deadline passed without a resubmission end rejected."""
    return services.corrections_reject_overdue()


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True,
             max_retries=5)
def credential_sweep() -> dict:
    """The daily credential sweep (idempotent: a rerun or an overlapping run adds nothing)."""
    import dataclasses

    from workflows import recertification

    return dataclasses.asdict(recertification.credential_sweep())


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True,
             max_retries=5)
def deliver_reminders() -> int:
    """Deliver recorded reminders; each exactly once (row lock, marked in one transaction)."""
    from workflows import recertification

    return recertification.reminders_deliver()


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True,
             max_retries=5)
def review_cases_tick() -> int:
    """Review cases whose deadline passed move on (no answer, no 复核 asked, a
    rectification not evidenced: back to the clerk). Idempotent."""
    from workflows import review_cases

    return review_cases.review_cases_tick()
