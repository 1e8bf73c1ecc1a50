"""Working days on the official calendar: statutory holidays and make-up workdays (调休).

The ``chinese-calendar`` package knows the State Council's published years; for
dates it does not cover, the admin-editable :class:`CalendarOverride` list decides,
and failing that the ordinary Monday–Friday rule applies.
"""

import datetime

import chinese_calendar

from workflows.models import CalendarOverride


def is_workday(day: datetime.date, overrides: dict[datetime.date, bool] | None = None) -> bool:
    """Whether ``day`` is a working day on the official calendar."""
    if overrides is None:
        overrides = dict(CalendarOverride.objects.filter(date=day).values_list(
            "date", "is_workday"))
    if day in overrides:
        return overrides[day]
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # a year the package does not cover yet
        return day.weekday() < 5


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The date of the ``days``-th working day after ``start`` (``start`` itself excluded).

    A notice published on a Friday with ``days=5`` ends on the following Friday,
    or later when a holiday falls in between.
    """
    if days < 1:
        raise ValueError("days must be at least 1")
    horizon = start + datetime.timedelta(days=days * 3 + 30)  # generous: Golden Week is 7 days
    overrides = dict(CalendarOverride.objects.filter(date__gt=start, date__lte=horizon)
                     .values_list("date", "is_workday"))
    day, counted = start, 0
    while counted < days:
        day += datetime.timedelta(days=1)
        if is_workday(day, overrides):
            counted += 1
    return day
