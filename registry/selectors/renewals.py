"""What an expired credential asks a provider to renew, where its suspension is shown (the
organization's page, a person's own): the document types its re-certification case names.
The case is the workflows app's business (above this one): the domain asks it through
``renewals_due_register``; without it (the registry alone) nothing is named."""

from __future__ import annotations

from collections.abc import Callable

from registry.models import ApprovalHold

_due_reader: Callable[[list[int]], dict[int, dict]] | None = None


def renewals_due_register(reader: Callable[[list[int]], dict[int, dict]]) -> None:
    """Name the callable that tells what each approval must renew: ``reader(approval pks)``
    → ``{approval pk: {"names", "grace_until", "documents_url", "case_url"}}`` for those
    with an open re-certification case (a bounded number of queries for all)."""
    global _due_reader  # one process-wide hook, set once at start-up
    _due_reader = reader


def with_renewals_due(holds) -> list:
    """``holds`` (open suspension holds, ``suspensions_of``) as a list, each credential hold
    given ``renewals_due``: what its approval must renew (None where nothing is known)."""
    holds = list(holds)
    credential = ApprovalHold.Cause.CREDENTIAL
    pks = sorted({hold.approval_id for hold in holds if hold.cause == credential})
    due = _due_reader(pks) if _due_reader and pks else {}
    for hold in holds:
        hold.renewals_due = due.get(hold.approval_id) if hold.cause == credential else None
    return holds
