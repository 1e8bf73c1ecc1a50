"""How the domain asks for a review case without knowing the process engine.

A review case is a workflow (the workflows app); the registry opens one when a school
reports an incident, when satisfaction falls under the threshold and when a yearly record
re-query is not done. The workflows app registers its opener here when it is ready
(``workflows.apps``); without one (the registry alone), a ``ReviewRequest`` row is the
bureau's task, as before."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

_opener: Callable[..., object] | None = None


def review_case_opener_register(opener: Callable[..., object]) -> None:
    """Name the callable that opens a review case: ``opener(actor=, bureau=, trigger=,
    organization=, person=, incident=, details=)``, called inside the caller's
    transaction; it returns the case: a new one, or the one already open about the provider
    at that bureau, to which the cause is added (its clerk is told, with ``details``)."""
    global _opener  # one process-wide hook, set once at start-up
    _opener = opener


@transaction.atomic
def review_case_request(*, actor, bureau, trigger: str, organization=None, person=None,
                        incident=None, details=None):
    """Ask for a review case about a provider; returns the case, or ``None`` when no
    workflow is installed (the caller then keeps its own record of the cause)."""
    if _opener is None:
        return None
    return _opener(actor=actor, bureau=bureau, trigger=trigger, organization=organization,
                   person=person, incident=incident, details=details or {})
