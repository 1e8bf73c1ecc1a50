"""The public's objection form once the notice is over (workflows.notice_views).

Someone who opened the form from the notices page (or a link to it) and comes back, or sends
it, after the last notice day used to get "page not found": nothing said the notice had ended,
nor whether the objection was recorded. Now the address says the notice is closed, since
when, that an objection sent now was not recorded, and where to go (410); a case that was
never in public notice is still one nobody holds (404).
"""

import datetime

import time_machine
from django.utils import timezone

from tests.workflows.test_selection_flow import _apply, _to_notice
from workflows import selectors
from workflows.models import Objection
from workflows.services import outcome

OBJECTION = {"real_name": "王小明", "contact": "13900000000",
             "reason": "该机构收费高于公示标准。"}


def _after(day: datetime.date):
    return time_machine.travel(datetime.datetime.combine(
        day + datetime.timedelta(days=1), datetime.time(9),
        tzinfo=timezone.get_current_timezone()))


def test_after_the_last_notice_day_the_form_says_the_notice_ended(world, client):
    w = world
    case = _to_notice(w)
    address = f"/selection/notices/{case.pk}/object/"
    assert client.get(address).status_code == 200  # the notice runs: the form
    with _after(case.notice_ends_on):
        page = client.get(address)
        sent = client.post(address, OBJECTION)
        english = client.get(address, HTTP_ACCEPT_LANGUAGE="en")
    end = f"{case.notice_ends_on:%Y}年{case.notice_ends_on.month}月{case.notice_ends_on.day}日"
    assert page.status_code == 410
    text = page.content.decode()
    assert "公示已结束" in text and w.organization.name in text
    assert f"本次公示已于 {end} 结束，不再受理异议。" in text
    assert 'href="/selection/notices/"' in text  # where to go
    assert "您提交的异议未被受理。" not in text  # nothing was sent
    assert sent.status_code == 410
    assert "您提交的异议未被受理。" in sent.content.decode()
    assert not Objection.objects.filter(case=case).exists()
    assert english.status_code == 410
    assert "objections are no longer accepted" in english.content.decode()


def test_a_notice_stopped_early_says_so(world, client, django_assert_max_num_queries):
    w = world
    case = _to_notice(w)
    outcome.case_withdraw(actor=w.provider, case=case)
    with django_assert_max_num_queries(2):
        assert selectors.notice_closed(case.pk).organization == w.organization
    page = client.get(f"/selection/notices/{case.pk}/object/")
    assert page.status_code == 410
    assert "本次公示已提前结束，不再受理异议。" in page.content.decode()


def test_a_case_never_in_notice_is_one_nobody_holds(world, client):
    case = _apply(world)  # waits for the clerk: its existence was never public
    never = client.get(f"/selection/notices/{case.pk}/object/")
    nobody = client.get(f"/selection/notices/{case.pk + 1000}/object/")
    assert never.status_code == nobody.status_code == 404
    assert world.organization.name not in never.content.decode()
