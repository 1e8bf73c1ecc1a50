"""Shared by the sign-up tests: the worker sends the email at once, and the link is read
from the test outbox as a person reads it from their mailbox."""

import re

import pytest
from django.core import mail

LINK = re.compile(r"https?://\S+")
PASSWORD = "Kehou-fuwu-2026"


@pytest.fixture
def worker(django_capture_on_commit_callbacks):
    """Run what is queued after each commit through Celery's eager mode (the worker's code,
    in this process), so that the email is in ``mail.outbox`` when the request returns."""
    from config.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True

    class Runner:
        def __call__(self, fn, *args, **kwargs):
            with django_capture_on_commit_callbacks(execute=True):
                return fn(*args, **kwargs)

    yield Runner()
    app.conf.task_always_eager = before


def last_link(to: str) -> str:
    messages = [m for m in mail.outbox if to in m.to]
    assert messages, f"no email to {to}"
    return LINK.findall(messages[-1].body)[-1]


def path_of(link: str) -> str:
    return "/" + link.split("://", 1)[1].split("/", 1)[1]
