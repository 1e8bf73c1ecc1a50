"""Working days on the official calendar: statutory holidays and make-up workdays (调休).

The ``chinese-calendar`` package knows the State Council's published years; for
dates it does not cover, the admin-editable :class:`CalendarOverride` list decides,
and failing that Monday to Friday, less the public holidays the law itself fixes
(:func:`statutory_holidays`).
"""

import datetime
import functools

import chinese_calendar
from lunardate import LunarDate

from workflows.models import CalendarOverride

DAY = datetime.timedelta(days=1)


@functools.lru_cache(maxsize=16)
def statutory_holidays(year: int) -> frozenset[datetime.date]:
    """The public holidays of ``year`` as 《全国年节及纪念日放假办法》 (revised 2024) fixes
    them: 元旦 1 day, 春节 4 (除夕 to 初三), 清明 1, 劳动节 2 (1–2 May), 端午 1, 中秋 1,
    国庆 3 (1–3 October).

    Used only for a year the calendar package does not know yet, when no override says
    otherwise. Each year's make-up working days (调休) are announced, not fixed, so
    weekends stay days off: a notice counted this way is never shorter than the law's,
    at most a day or two longer until the bureau enters the year's announcement.
    """
    new_year = LunarDate(year, 1, 1).to_solar_date()
    qingming = [day for day, name in chinese_calendar.get_solar_terms(
        datetime.date(year, 4, 1), datetime.date(year, 4, 10)) if name == "清明"]
    return frozenset({
        datetime.date(year, 1, 1),
        new_year - DAY, new_year, new_year + DAY, new_year + 2 * DAY,
        *qingming,
        datetime.date(year, 5, 1), datetime.date(year, 5, 2),
        LunarDate(year, 5, 5).to_solar_date(),
        LunarDate(year, 8, 15).to_solar_date(),
        datetime.date(year, 10, 1), datetime.date(year, 10, 2), datetime.date(year, 10, 3),
    })


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
        return day.weekday() < 5 and day not in statutory_holidays(day.year)


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
