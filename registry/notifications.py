"""Telling people: the domain says who and what; a higher layer delivers it.

The registry does not know how notifications are kept or sent (the workflows app keeps
them as rows and emails them after the commit). That app registers its sender here when
it is ready (``workflows.apps``); without one, nothing is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

_sender: Callable[..., object] | None = None
_many_sender: Callable[..., object] | None = None


class Message(NamedTuple):
    """One notification of several sent at once (:func:`notify_each`): its own users,
    text, link and whom it is about, as :func:`notify` takes them."""

    users: Iterable
    subject: str
    body: str
    url: str = ""
    about: Any = None


def sender_register(sender: Callable[..., object], *,
                    many: Callable[..., object] | None = None) -> None:
    """Name the callable that delivers notifications: ``sender(users=, subject=, body=,
    url=, about=)``, called inside the transaction of the change it tells of; and,
    optionally, ``many(messages=)``, which delivers a list of :class:`Message` at once
    (without it, :func:`notify_each` calls ``sender`` for each)."""
    global _sender, _many_sender  # one process-wide hook, set once at start-up
    _sender, _many_sender = sender, many


def notify(*, users: Iterable, subject: str, body: str, url: str = "", about=None) -> None:
    """Tell ``users`` (duplicates and ``None`` are dropped by the sender). ``about``: whom
    it concerns, for the users acting for it (an organization, a bureau, a school, a
    department, a person: anything with a ``name``), named beside it: a user may act for
    several."""
    users = [u for u in users if u is not None]
    if _sender is not None and users:
        _sender(users=users, subject=str(subject), body=str(body), url=url, about=about)


def notify_each(messages: Iterable[Message]) -> None:
    """Several notifications, each to its own users (as :func:`notify`), delivered
    together: a job that tells each school of its own term writes them in one go, not
    one insert per school."""
    messages = [Message([u for u in m.users if u is not None], str(m.subject), str(m.body),
                        m.url, m.about) for m in messages]
    messages = [m for m in messages if m.users]
    if not messages or _sender is None:
        return
    if _many_sender is not None:
        _many_sender(messages=messages)
        return
    for m in messages:
        _sender(users=m.users, subject=m.subject, body=m.body, url=m.url, about=m.about)
