"""Notifications write dates as every page does (2026年12月11日, Dec. 11, 2026), in the
language of the text around them, never as 2026-12-11 (defect: "公示至 2026-12-11")."""

import pytest
from django.utils import formats, translation

from tests.workflows.test_selection_flow import _to_notice
from workflows.models import Notification, SelectionProcess
from workflows.services import list_review


def _chinese(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _english(day) -> str:
    with translation.override("en"):
        return formats.date_format(day, "N j, Y")  # "Jan. 4, 2027"


@pytest.mark.django_db(transaction=False)
def test_the_notice_notification_gives_its_end_as_a_date_in_words(world):
    with translation.override("zh-hans"):
        case = _to_notice(world)
    ends = SelectionProcess.objects.get(pk=case.pk).notice_ends_on
    [note] = Notification.objects.filter(user=world.provider, subject__contains="公示")
    assert _chinese(ends) in note.subject, note.subject
    assert ends.isoformat() not in note.subject


@pytest.mark.parametrize(("language", "written"), [
    ("zh-hans", _chinese),
    ("en", lambda day: _english(day)),
])
def test_the_list_review_notification_gives_its_due_date_in_the_readers_words(
        world, language, written):
    with translation.override(language):
        review = list_review.list_review_start(actor=world.admin, bureau=world.bureau)
    note = Notification.objects.filter(user=world.admin).latest("pk")
    assert written(review.due_on) in note.body, note.body
    assert review.due_on.isoformat() not in note.body
