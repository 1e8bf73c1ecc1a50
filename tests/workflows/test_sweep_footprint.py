"""The credential sweep is background work: on PostgreSQL its statements take one core
each (no parallel workers), and the connection is left as the sweep found it."""

import datetime

import pytest
from django.db import connection

from workflows.services import sweep

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="parallel query is PostgreSQL's (the CI's second run)"),
]


def _workers() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        return cursor.fetchone()[0]


def test_the_sweep_reads_without_parallel_workers_and_gives_the_setting_back(monkeypatch):
    seen = []

    def step(*, today):
        seen.append(_workers())
        return 0

    for name in ("reminders_record", "approvals_suspend_expired", "digests_send"):
        monkeypatch.setattr(sweep, name, step)
    before = _workers()
    assert before != "0"  # PostgreSQL's default (2): otherwise this test proves nothing

    sweep.credential_sweep(today=datetime.date(2026, 3, 1))

    assert seen == ["0", "0", "0"]
    assert _workers() == before


def test_a_step_that_fails_still_gives_the_setting_back(monkeypatch):
    def failing(*, today):
        raise RuntimeError("boom")

    monkeypatch.setattr(sweep, "digests_send", failing)
    before = _workers()
    with pytest.raises(sweep.SweepIncomplete):
        sweep.credential_sweep(today=datetime.date(2026, 3, 1))
    assert _workers() == before
