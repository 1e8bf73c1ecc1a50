"""What every workflows service shares: its audit call, its text check, and the calendar's
way of going through a batch."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable

from django.core.exceptions import ValidationError
from django.db import DatabaseError, OperationalError, connection

from registry import services as registry_services


def audit(actor, action, case, *, from_state="", to_state="", reason="", data=None):
    registry_services.audit_record(actor=actor, action=action, target=case,
                                   from_state=from_state, to_state=to_state, reason=reason,
                                   data=data)


def require_text(text: str, field: str, message) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: message})
    return text


logger = logging.getLogger("workflows.calendar")


class ItemsFailed(Exception):
    """Some items of a calendar batch raised (each logged, each rolled back alone by its
    own transaction); ``done`` of the others were done."""

    def __init__(self, done: int, failed: list):
        super().__init__(f"{len(failed)} item(s) failed: {failed[:20]}")
        self.done, self.failed = done, failed


@contextlib.contextmanager
def one_core():
    """The calendar's statements within take no parallel workers of PostgreSQL: one
    core each, whatever the database server has. A sweep's candidates are read from
    hundreds of thousands of rows (``make bench``: about 0.9 s at 100k organizations / 1M
    people, parallel or not, on two cores); with two workers it held every core of the
    database server that whole time, and the schools' searches waited behind it. Session
    level (its steps commit apart), set back as it was when the block ends."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        before = cursor.fetchone()[0]
        cursor.execute("SET max_parallel_workers_per_gather = 0")
    try:
        yield
    finally:
        # not where it cannot be: a transaction marked for rollback (which takes the SET
        # with it), or a connection lost (closed after the task, the setting with it)
        if not connection.needs_rollback:
            with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
                cursor.execute("SELECT set_config('max_parallel_workers_per_gather', %s, false)",
                               [before])


def each_apart(pks: Iterable, work: Callable[[object], bool], *, what: str) -> int:
    """``work(pk)`` for each of ``pks``; ``work`` runs its own transaction. One that raises
    is logged and the others go on: one bad row must not hold back the calendar for every
    row after it, night after night. Returns how many returned true; raises
    :class:`ItemsFailed` at the end if any raised (so the run is seen to fail). A lost
    database connection stops at once (the task retries)."""
    done, failed = 0, []
    for pk in pks:
        try:
            if work(pk):
                done += 1
        except OperationalError:
            raise
        except Exception:
            logger.exception("%s: item %s failed", what, pk)
            failed.append(pk)
    if failed:
        raise ItemsFailed(done, failed)
    return done
