"""The after-approval tests run the calendar as production does: every daily entry of the beat
schedule (settings), on a clock shifted to the day (time-machine)."""

import datetime
import zoneinfo

import time_machine
from celery.schedules import crontab
from django.conf import settings

from config.celery import app

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(day: datetime.date, hour: int = 9) -> time_machine.travel:
    """The clock at ``hour`` o'clock (Beijing time) on ``day``."""
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(hour),
                                                         tzinfo=SHANGHAI), tick=False)


def beat_day(day: datetime.date) -> dict:
    """Run every daily (crontab) entry of the beat schedule as the worker would, at 03:00
    on ``day``; returns each task's result. A task's error is raised."""
    app.loader.import_default_modules()  # the worker's autodiscovery of every app's tasks
    results = {}
    with at(day, 3):
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
            if isinstance(entry["schedule"], crontab):
                results[name] = app.tasks[entry["task"]].apply().get()
    return results
