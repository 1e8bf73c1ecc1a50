"""The API's objection (异议) to a public notice that is over (workflows.api.NoticeViewSet).

The web form answered 410 with a page saying when the notice ended; the API answered 404, as
if the notice had never been, and a script sending objections could not tell "too late" from
"wrong number". Now it answers 410 in the API's error shape (``{"detail": ...}``, through the
one exception handler), in the caller's language, saying the notice closed and when; a case
never in public notice is still one nobody holds (404).
"""

import datetime

from django.utils import formats, timezone, translation
from rest_framework.test import APIClient

from tests.workflows.test_notice_closed import OBJECTION, _after
from tests.workflows.test_selection_flow import _apply, _to_notice
from workflows.models import Objection, SelectionProcess
from workflows.services import outcome


def _chinese(day: datetime.date) -> str:
    return f"{day:%Y}年{day.month}月{day.day}日"


def test_an_objection_after_the_last_notice_day_is_gone_and_says_since_when(world):
    case = _to_notice(world)
    address = f"/api/v1/notices/{case.pk}/objections/"
    with _after(case.notice_ends_on):
        chinese = APIClient().post(address, OBJECTION, format="json")
        english = APIClient().post(address, OBJECTION, format="json",
                                   HTTP_ACCEPT_LANGUAGE="en")
    assert chinese.status_code == 410, chinese.content
    assert chinese.json() == {
        "detail": f"本次公示已于 {_chinese(case.notice_ends_on)} 结束，不再受理异议。"}
    assert english.status_code == 410
    with translation.override("en"):  # the English date as the site writes it ("Dec. 11")
        end = formats.date_format(case.notice_ends_on, "DATE_FORMAT")
    assert english.json() == {"detail": f"The public notice ended on {end}: objections are "
                                        "no longer accepted."}
    assert not Objection.objects.filter(case=case).exists()


def test_an_objection_to_a_notice_stopped_early_says_when_it_closed(world):
    case = _to_notice(world)
    outcome.case_withdraw(actor=world.provider, case=case)
    closed = SelectionProcess.objects.get(pk=case.pk)
    response = APIClient().post(f"/api/v1/notices/{case.pk}/objections/", OBJECTION,
                                format="json")
    assert response.status_code == 410, response.content
    assert closed.finished is not None
    day = _chinese(timezone.localdate(closed.finished))
    assert response.json() == {"detail": f"本次公示已于 {day} 提前结束，不再受理异议。"}
    assert not Objection.objects.filter(case=case).exists()


def test_an_objection_to_a_case_never_in_notice_is_not_found(world):
    case = _apply(world)  # waits for the clerk: its existence was never public
    never = APIClient().post(f"/api/v1/notices/{case.pk}/objections/", OBJECTION,
                             format="json")
    nobody = APIClient().post(f"/api/v1/notices/{case.pk + 1000}/objections/", OBJECTION,
                              format="json")
    assert never.status_code == nobody.status_code == 404
    assert never.json() == nobody.json() == {"detail": "未找到。"}
