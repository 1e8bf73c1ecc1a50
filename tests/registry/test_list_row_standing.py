"""A published list's page says, in the row of each entry that no longer holds (suspended,
revoked or expired since the list was published), its standing today in words, at every
width: a reader scrolling to the row (a school, a parent) never reads it as valid. The
published text of the row stays as published."""

import csv
import datetime
import io
import re

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from registry import services
from registry.exports import XLSX_HEADER_ROWS
from tests.registry.builders import days, published_list

pytestmark = pytest.mark.django_db

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture
def listed():
    return published_list()


def _row(html: str, name: str) -> str:
    """The entries table's row of ``name``, its tags stripped (what a reader reads)."""
    table = html[html.index("<tbody>"):html.index("</tbody>")]
    for row in re.findall(r"<tr.*?</tr>", table, re.S):
        if name in row:
            return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row))
    raise AssertionError(f"no row of {name}")


def test_a_suspended_entrys_row_says_so_in_words(listed):
    client = Client()
    first = client.get(listed["url"], **ZH)  # the page's body is kept in the cache
    assert "不得聘用" not in _row(first.content.decode(), "南昌弈林围棋培训有限公司")
    later = timezone.now() + datetime.timedelta(seconds=2)
    with time_machine.travel(later):
        services.provider_suspend(actor=listed["admin"], bureau=listed["bureau"],
                                  organization=listed["org"], reason="安全检查不合格")
        page = client.get(listed["url"], HTTP_IF_NONE_MATCH=first["ETag"], **ZH)
    assert page.status_code == 200
    html = page.content.decode()
    row = _row(html, "南昌弈林围棋培训有限公司")
    since = f"{later.astimezone(timezone.get_current_timezone()):%Y}年"
    assert "已暂停" in row and "不得聘用" in row and since in row, row
    # the published text stays: the row still names the list's own valid-until date
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日 自", row), row
    # the other entries' rows say nothing of the kind
    for name in ("南昌墨香书法培训有限公司", "赵文静"):
        assert "不得聘用" not in _row(html, name)
    # in English too
    english = _row(client.get(listed["url"], HTTP_ACCEPT_LANGUAGE="en").content.decode(),
                   "南昌弈林围棋培训有限公司")
    assert "Suspended since" in english and "not to be engaged" in english, english


def test_a_revoked_entrys_row_says_revoked(listed):
    client = Client()
    client.get(listed["url"], **ZH)
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=2)):
        services.provider_revoke(actor=listed["admin"], bureau=listed["bureau"],
                                 organization=listed["other"], reason="违规收费")
        row = _row(client.get(listed["url"], **ZH).content.decode(), "南昌墨香书法培训有限公司")
    assert "已撤销" in row and "不得聘用" in row, row


def test_an_expired_entrys_row_says_expired_and_since_when(listed):
    client = Client()
    client.get(listed["url"], **ZH)
    later = datetime.datetime.combine(days(21), datetime.time(9),
                                      tzinfo=timezone.get_current_timezone())
    with time_machine.travel(later, tick=False):
        html = client.get(listed["url"], **ZH).content.decode()
    row = _row(html, "赵文静")
    ran_out = days(21)
    assert "已过期" in row and f"{ran_out.month}月{ran_out.day}日" in row, row
    assert "不得聘用" not in _row(html, "南昌弈林围棋培训有限公司")


def _download(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def test_the_csv_and_xlsx_say_the_standing_as_the_page_and_the_json_stays_signed(listed):
    client = Client()
    url = listed["url"]
    csv_before = client.get(f"{url}export.csv", **ZH)
    xlsx_before = client.get(f"{url}export.xlsx", **ZH)
    json_before = client.get(f"{url}export.json", **ZH)
    signed = _download(json_before)
    csv_text = _download(csv_before).decode("utf-8-sig")
    assert "不得聘用" not in csv_text
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=2)):
        services.provider_suspend(actor=listed["admin"], bureau=listed["bureau"],
                                  organization=listed["org"], reason="安全检查不合格")
        # a reader who has the CSV or XLSX is sent the new one, not a 304 (nor a stored
        # copy of the old), revalidated on every reading
        csv_after = client.get(f"{url}export.csv", HTTP_IF_NONE_MATCH=csv_before["ETag"], **ZH)
        xlsx_after = client.get(f"{url}export.xlsx", HTTP_IF_NONE_MATCH=xlsx_before["ETag"],
                                **ZH)
        # the JSON is the list as published and signed: unchanged, still validates
        json_again = client.get(f"{url}export.json", HTTP_IF_NONE_MATCH=json_before["ETag"],
                                **ZH)
        # and while nothing else changes, the new CSV validates
        assert client.get(f"{url}export.csv", HTTP_IF_NONE_MATCH=csv_after["ETag"],
                          **ZH).status_code == 304
    assert csv_after.status_code == xlsx_after.status_code == 200
    assert "no-cache" in csv_after["Cache-Control"]
    assert json_again.status_code == 304
    assert _download(client.get(f"{url}export.json", **ZH)) == signed
    rows = list(csv.reader(io.StringIO(_download(csv_after).decode("utf-8-sig"))))
    heading, entries = rows[0], {row[2]: row for row in rows[1:]}
    assert heading[-1] == "当前状态（已不再有效的条目）"
    suspended = entries["南昌弈林围棋培训有限公司"][-1]
    assert "已暂停" in suspended and "不得聘用" in suspended
    assert entries["南昌墨香书法培训有限公司"][-1] == "" and entries["赵文静"][-1] == ""
    # the published columns are as published (valid until stays the list's date)
    before = {row[2]: row for row in csv.reader(io.StringIO(csv_text))}
    assert entries["南昌弈林围棋培训有限公司"][:-1] == before["南昌弈林围棋培训有限公司"][:-1]
    sheet = load_workbook(io.BytesIO(_download(xlsx_after)), read_only=True).active
    cells = {row[2]: row for row in sheet.iter_rows(min_row=XLSX_HEADER_ROWS + 2,
                                                    values_only=True)}
    assert "已暂停" in cells["南昌弈林围棋培训有限公司"][-1]
    assert cells["南昌墨香书法培训有限公司"][-1] in ("", None)
