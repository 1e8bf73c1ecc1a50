"""Background work of the registry: an organization's invitation email, and the calendar's
work after approval, run by the beat schedule (settings).

The calendar's tasks take no ids, ask the service for what is due today and act on it; the
services are idempotent (a rerun, or two runs at once, does nothing twice)."""

from smtplib import SMTPException

from celery import shared_task
from django.db import OperationalError

from registry import mail, services


@shared_task(acks_late=True, autoretry_for=(OperationalError, OSError, SMTPException),
             retry_backoff=True, max_retries=8)
def send_provider_invitation(invitation_id: int, base_url: str) -> bool:
    """Email the invitation; does nothing once it is used or expired."""
    return mail.provider_invitation_send(invitation_id=invitation_id, base_url=base_url)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True,
             max_retries=5)
def term_reminders() -> int:
    """60/30/7 days before an approval's term ends, the provider and its schools are told."""
    return services.term_reminders_send()


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True,
             max_retries=5)
def requeries_open() -> int:
    """On each bureau's date, every person in service gets a yearly re-query task."""
    return services.requeries_open()


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True,
             max_retries=5)
def requeries_overdue() -> int:
    """A re-query not done in time suspends the person's approval, with notice."""
    return services.requeries_suspend_overdue()


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True,
             max_retries=5)
def term_evaluations() -> int:
    """At each school term's end, the school is asked to rate its engagements."""
    return services.term_evaluations_request()


@shared_task(acks_late=True)
def run_background_job(job_id: int) -> str | None:
    """A long operation a user started (publishing, an export, the yearly list review),
    with its progress; a rerun of the message does nothing (the job is no longer queued).
    Not retried: a job that fails says why on its page, and the user starts it again."""
    return services.job_run(job_id=job_id)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True,
             max_retries=3)
def background_jobs_resend() -> int:
    """Beat, every minute: background jobs still queued that the worker did not pick up
    (the broker was down when they were sent, or the message was lost) are sent again, and
    running jobs whose worker died (no heartbeat for ``REGISTRY_JOB_STALE_MINUTES``) are
    started again or, after ``REGISTRY_JOB_RUN_ATTEMPTS`` starts, failed; a job never runs
    twice at once (``job_run`` starts only a queued job, under a row lock)."""
    return services.jobs_resend_stalled()
