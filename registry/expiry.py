"""The one expiry rule: whatever has an end date (a document's ``expires_on``, an approval's
``valid_until``) is in force through that date, inclusive, and expired from the day after.
Checks in Python and filters in queries both come from here."""

from __future__ import annotations

import datetime

from django.db.models import Q


def expired_on(end: datetime.date | None, day: datetime.date) -> bool:
    """Whether something ending on ``end`` (None: never) is expired on ``day``."""
    return end is not None and end < day


def expired_q(day: datetime.date, field: str = "expires_on") -> Q:
    """Rows expired on ``day``."""
    return Q(**{f"{field}__lt": day})


def in_force_q(day: datetime.date, field: str = "valid_until") -> Q:
    """Rows whose end date still covers ``day``."""
    return Q(**{f"{field}__gte": day})


def expiring_q(day: datetime.date, days: int, field: str = "expires_on") -> Q:
    """Rows in force on ``day`` whose end date falls within the next ``days`` days (the
    reminders' and the dashboard's window)."""
    return in_force_q(day, field) & Q(**{f"{field}__lte": day + datetime.timedelta(days=days)})
