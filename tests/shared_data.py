"""Test data built once and used by the consecutive tests of a worker that ask for it.

A big world (the two sides of tests/security/conftest.py: half a minute of a worker's time
to build through the services) is built in a transaction of its own, which stays open while
the tests that use it run one after another, whatever their module: each test's own
transaction (pytest-django's ``db``) is a savepoint inside it, rolled back at the test's
end, so each test starts from the very rows it would have built itself. The transaction is
rolled back before the first test that does not ask for the world (``release_unused``,
called by tests/conftest.py before each test's set-up), so no other test ever sees those
rows, and at the end of the session.

The tests that use such a world are marked ``heavy``: under ``make test`` they are handed out
first, so on each worker they follow one another and the world is built once per worker.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction

_OPEN: dict[str, SharedData] = {}  # the fixture's name → its world, while built


class SharedData:
    """One world, kept for the tests that ask for the fixture ``fixture``."""

    def __init__(self, fixture: str, build: Callable[[], Any]):
        self.fixture, self.build = fixture, build
        self.outer = None
        self.value = None

    @property
    def built(self) -> bool:
        return self.outer is not None

    def get(self, blocker) -> Any:
        """The world, built now in a transaction of its own when it is not already. Must be
        called outside any test's transaction (from a fixture of a scope above function's,
        which pytest sets up before ``db``)."""
        if self.outer is None:
            with blocker.unblock():
                outer = transaction.atomic()
                outer._from_testcase = True  # as a TestCase's: durable blocks may open inside
                outer.__enter__()
                try:
                    self.value = self.build()
                except BaseException:
                    transaction.set_rollback(True)
                    outer.__exit__(None, None, None)
                    raise
            self.outer = outer
            _OPEN[self.fixture] = self
        return self.value

    def release(self, blocker) -> None:
        """Roll the world back (nothing when it is not built)."""
        if self.outer is None:
            return
        outer, self.outer, self.value = self.outer, None, None
        _OPEN.pop(self.fixture, None)
        with blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def release_unused(item, blocker) -> None:
    """Before ``item``'s set-up: roll back each world that ``item`` does not ask for."""
    for name, shared in list(_OPEN.items()):
        if name not in item.fixturenames:
            shared.release(blocker)
