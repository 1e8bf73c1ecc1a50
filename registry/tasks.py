"""The calendar's work after approval (issue 20), run by the beat schedule (settings).

Each task takes no ids, asks the service for what is due today and acts on it; the
services are idempotent (a rerun, or two runs at once, does nothing twice)."""

from celery import shared_task
from django.db import OperationalError

from registry import services


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
