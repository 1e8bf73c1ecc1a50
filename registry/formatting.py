"""Values written into user-facing text, in the reader's language."""

from __future__ import annotations

import datetime

from django.utils import formats
from django.utils.functional import lazy
from django.utils.translation import pgettext


def local_date(day: datetime.date) -> str:
    """``day`` as the active language writes dates (DATE_FORMAT): "2026年4月1日",
    "April 1, 2026". Call it where the text around it is translated, so that both are in
    the same language."""
    return formats.date_format(day, "DATE_FORMAT")


# For the params of a lazily translated message (ValidationError(_("…"), params=…)): the
# message is translated when it is shown, and the date must be formatted then too, in the
# same language, not when the error was raised.
local_date_lazy = lazy(local_date, str)


def user_label(user) -> str:
    """How a page names a person by their account: their full name; for an account without
    one, its number ("用户 12"), never its username (often an e-mail address). One's own
    account (the menu, one's profile) may say one's username; nobody else's page does."""
    name = user.get_full_name().strip()
    return name or pgettext("account without a name", "User %(number)s") % {"number": user.pk}


MB = 1024 * 1024


def megabytes(n: int) -> str:
    """A size limit in the words a refusal gives it: ``5 MB``, ``0.5 MB``."""
    return f"{n / MB:g} MB"


def label_colon() -> str:
    """What follows a label before its value: "：" in Chinese (full width, no space), ": "
    in English. Templates write it ``{% colon %}`` (registry/templatetags/punctuation.py)."""
    return pgettext("after a label", ": ")


def labelled(label, value) -> str:
    """``label`` and its ``value`` as one text: "状态：已批准", "Status: approved"."""
    return f"{label}{label_colon()}{value}"
