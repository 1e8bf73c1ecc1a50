"""The errors the workflows services raise beyond Django's own."""

from django.utils import timezone
from django.utils.translation import gettext

from registry.errors import Conflict, Gone
from registry.formatting import local_date


class CaseStateError(Conflict):
    """The case or task is not in a state that allows this (answered with 409)."""


class TaskAlreadyHandled(CaseStateError):
    """Someone else completed or took the task first (answered with 409)."""


class NoticeClosed(Gone):
    """An objection to a public notice (公示) that is over: it ended, or was stopped early
    (a withdrawal, an upheld objection). Says which, and when, in the active language."""

    def __init__(self, case):
        super().__init__(case.pk)
        self.case = case

    def __str__(self) -> str:
        ends_on = self.case.notice_ends_on
        if ends_on < timezone.localdate():
            return gettext("The public notice ended on %(end)s: objections are no longer "
                           "accepted.") % {"end": local_date(ends_on)}
        if self.case.finished is not None:  # the day the case that was in notice closed
            return gettext("The public notice was closed early, on %(date)s: objections are "
                           "no longer accepted.") % {
                "date": local_date(timezone.localdate(self.case.finished))}
        return gettext("The public notice, due to end on %(end)s, was closed early: "
                       "objections are no longer accepted.") % {"end": local_date(ends_on)}
