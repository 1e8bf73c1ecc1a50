"""Telling people: the domain says who and what; a higher layer delivers it.

The registry does not know how notifications are kept or sent (the workflows app keeps
them as rows and emails them after the commit). That app registers its sender here when
it is ready (``workflows.apps``); without one, nothing is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

_sender: Callable[..., object] | None = None


def sender_register(sender: Callable[..., object]) -> None:
    """Name the callable that delivers notifications: ``sender(users=, subject=, body=,
    url=, about=)``, called inside the transaction of the change it tells of."""
    global _sender  # one process-wide hook, set once at start-up
    _sender = sender


def notify(*, users: Iterable, subject: str, body: str, url: str = "", about=None) -> None:
    """Tell ``users`` (duplicates and ``None`` are dropped by the sender). ``about``: whom
    it concerns, for the users acting for it (an organization, a bureau, a school, a
    department, a person: anything with a ``name``), named beside it: a user may act for
    several."""
    users = [u for u in users if u is not None]
    if _sender is not None and users:
        _sender(users=users, subject=str(subject), body=str(body), url=url, about=about)
