"""Reference data that every school search reads: the service categories, the
administrative tree (province, city, county) and the fee references. A few dozen to a few
thousand rows, changed a few times a year through the admin or the bureau's policy pages.

Each process keeps a snapshot of each, as Django keeps its content types and sites: read
when first asked, dropped when this process saves or deletes a row (and dropped again when
that transaction commits, so that a read in between cannot keep the old rows), and read
again once it is ``MAX_AGE`` seconds old, so that a change made by another process shows
within that time. A lookup of a row the snapshot does not hold (created since it was
read, by another process) reads it again at once.

The snapshot's instances are shared by every request of the process: read them, never
change them. What decides (an engagement's fee against the cap, a published list) reads
the database, not these: only what school search shows may lag by ``MAX_AGE``.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Generic, TypeVar

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from registry.models import FeeReference, Jurisdiction, ServiceCategory

MAX_AGE = 60.0  # seconds

T = TypeVar("T")


class Snapshot(Generic[T]):
    """One table's rows as ``load`` shapes them, kept for at most ``MAX_AGE`` seconds."""

    def __init__(self, load: Callable[[], T]):
        self._load = load
        self._value: T | None = None
        self._read_at = 0.0
        self._generation = 0
        self._lock = threading.Lock()

    def get(self) -> T:
        value = self._value
        if value is None or time.monotonic() - self._read_at > MAX_AGE:
            value = self.reload()
        return value

    def reload(self) -> T:
        generation = self._generation
        value, read_at = self._load(), time.monotonic()
        with self._lock:
            # a clear() while this read ran may have come from a change the read missed:
            # keep nothing then; the next get() reads again
            if generation == self._generation:
                self._value, self._read_at = value, read_at
        return value

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._value = None


class Tree:
    """The rows of a table whose rows have a parent (categories and their sub-items; the
    administrative tree), in the table's order (``by_id`` iterates in it), each with its
    parent set from the same rows, so that ``parent`` and ``lineage()`` read nothing."""

    def __init__(self, rows):
        self.by_id: dict = {row.pk: row for row in rows}
        for row in self.by_id.values():
            if row.parent_id in self.by_id:
                row.parent = self.by_id[row.parent_id]
        self.by_code = {row.code: row for row in self.by_id.values()}


class FeeTable:
    """Every fee reference as ``FeeReferences`` reads them (its ``ROW``: jurisdiction id,
    category id, reference fee, cap, effective from, …), by jurisdiction, oldest first."""

    def __init__(self, rows):
        self.by_jurisdiction: dict[int, list[tuple]] = defaultdict(list)
        for row in rows:
            self.by_jurisdiction[row[0]].append(row)

    def in_force(self, jurisdiction_ids, day) -> list[tuple]:
        """The rows of these jurisdictions in effect by ``day``, oldest first within each
        jurisdiction (the latest per category is the one in force)."""
        return [row for pk in jurisdiction_ids for row in self.by_jurisdiction.get(pk, ())
                if row[4] <= day]  # effective from


# the manager's join to the parent is not needed: parents are linked from the same rows
_categories = Snapshot(lambda: Tree(ServiceCategory.objects.select_related(None)))
_jurisdictions = Snapshot(lambda: Tree(Jurisdiction.objects.all()))


def _read_fees() -> FeeTable:
    from registry.selectors.policy import FeeReferences  # (selectors import this module)

    return FeeTable(FeeReference.objects.order_by("effective_from", "pk")
                    .values_list(*FeeReferences.ROW))


_fees = Snapshot(_read_fees)


def categories(*, fresh: bool = False) -> Tree:
    """The snapshot; ``fresh`` reads it again first (for ids it does not hold)."""
    return _categories.reload() if fresh else _categories.get()


def jurisdictions() -> Tree:
    return _jurisdictions.get()


def fee_references() -> FeeTable:
    return _fees.get()


def _find(snapshot: Snapshot, index: str, key):
    found = getattr(snapshot.get(), index).get(key)
    if found is None:  # perhaps created since the snapshot was read
        found = getattr(snapshot.reload(), index).get(key)
    return found


def category(pk: int) -> ServiceCategory | None:
    return _find(_categories, "by_id", pk)


def category_by_code(code: str) -> ServiceCategory | None:
    return _find(_categories, "by_code", code)


def jurisdiction(pk: int) -> Jurisdiction | None:
    return _find(_jurisdictions, "by_id", pk)


def jurisdiction_by_code(code: str) -> Jurisdiction | None:
    return _find(_jurisdictions, "by_code", code)


def clear() -> None:
    """Drop every snapshot (tests do, between tests: a rolled-back row leaves no signal)."""
    _categories.clear()
    _jurisdictions.clear()
    _fees.clear()


def _changed(snapshot: Snapshot) -> None:
    snapshot.clear()
    transaction.on_commit(snapshot.clear)


@receiver([post_save, post_delete], sender=ServiceCategory,
          dispatch_uid="registry.reference.categories")
def _category_changed(**_kwargs):
    _changed(_categories)
    _changed(_fees)  # which carries category codes


@receiver([post_save, post_delete], sender=Jurisdiction,
          dispatch_uid="registry.reference.jurisdictions")
def _jurisdiction_changed(**_kwargs):
    _changed(_jurisdictions)
    _changed(_fees)  # which carries jurisdiction names


@receiver([post_save, post_delete], sender=FeeReference,
          dispatch_uid="registry.reference.fee_references")
def _fee_reference_changed(**_kwargs):
    _changed(_fees)
