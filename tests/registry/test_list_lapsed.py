"""A published list stays as it was published and signed, but its page says which of its
entries no school may engage any more (suspended, revoked or ended since), and a reader who
has the page is sent the new one, not a 304."""

import datetime

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from registry import services
from tests.registry.builders import days, published_list

pytestmark = pytest.mark.django_db

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture
def listed():
    return published_list()


def _lapsed_part(html: str) -> str:
    """The page's notice of what no longer holds ('' when there is none)."""
    start = html.find('id="list-lapsed"')
    return html[start:html.find("</section>", start)] if start >= 0 else ""


def test_a_suspension_after_publication_is_named_on_the_lists_page(listed):
    client = Client()
    first = client.get(listed["url"], **ZH)
    assert first.status_code == 200 and _lapsed_part(first.content.decode()) == ""
    export = client.get(f"{listed['url']}export.json")

    # (a second later at least: an HTTP date has whole seconds, and a change within the
    # second of the page's date cannot be told by date, only by its ETag)
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=2)):
        services.provider_suspend(actor=listed["admin"], bureau=listed["bureau"],
                                  organization=listed["org"], reason="安全检查不合格")

        # a reader who has the page gets the new one, naming the suspended entry, not a 304
        again = client.get(listed["url"], HTTP_IF_NONE_MATCH=first["ETag"], **ZH)
        assert again.status_code == 200 and again["ETag"] != first["ETag"]
        notice = _lapsed_part(again.content.decode())
        assert "南昌弈林围棋培训有限公司" in notice and "不得聘用" in notice
        assert "南昌墨香书法培训有限公司" not in notice and "赵文静" not in notice
        # nor by date: the page changed after the list was published
        by_date = client.get(listed["url"], HTTP_IF_MODIFIED_SINCE=first["Last-Modified"], **ZH)
        assert by_date.status_code == 200
        # the list as published and signed does not change: its JSON still validates (the
        # CSV and XLSX say the standing as the page does: tests/registry/test_list_row_standing)
        assert client.get(f"{listed['url']}export.json",
                          HTTP_IF_NONE_MATCH=export["ETag"]).status_code == 304
        # and while nothing else changes, the new page validates
        assert client.get(listed["url"], HTTP_IF_NONE_MATCH=again["ETag"], **ZH).status_code == 304

        # reinstated: no longer named
        services.provider_reinstate(actor=listed["admin"], bureau=listed["bureau"],
                                    organization=listed["org"], reason="整改完成")
        back = client.get(listed["url"], HTTP_IF_NONE_MATCH=again["ETag"], **ZH)
    assert back.status_code == 200 and _lapsed_part(back.content.decode()) == ""


def test_an_approval_whose_term_ran_out_is_named_before_the_nights_sweep(listed):
    later = datetime.datetime.combine(days(21), datetime.time(9),
                                      tzinfo=timezone.get_current_timezone())
    with time_machine.travel(later, tick=False):
        page = Client().get(listed["url"], **ZH).content.decode()
    notice = _lapsed_part(page)
    assert "赵文静" in notice and "南昌弈林围棋培训有限公司" not in notice
