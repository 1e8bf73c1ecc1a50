"""A published list's CSV and XLSX speak the reader's language, whoever published the list.

The public reads the lists in Chinese first: a download from a Chinese page is Chinese in
every column (headings, kinds, the kind of person, categories, offerings, standing), and one
asked for in English (the site's language switch, or the browser's Accept-Language) is
English but for the entries' own names and titles. The entries are frozen when the list is
published, in the language of the administrator who published it (the worker runs in it):
the exports read the codes, not the words frozen beside them. Each language's file is kept
and validated apart (its own stored file and ETag), and no export carries personal data."""

import csv
import datetime
import io
import json
import re

import pytest
import time_machine
from django.test import Client
from django.utils import timezone, translation
from openpyxl import load_workbook

from registry import services
from registry.exports import XLSX_HEADER_ROWS
from tests.registry.builders import approve, bureau_admin, organization, person

pytestmark = pytest.mark.django_db

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}

ORG = "南昌弈林围棋培训有限公司"
TITLE = "少儿围棋启蒙班"
RETIREE, STUDENT, SWIMMER = "王秀兰", "李同学", "张游泳"
# what an entry says of itself, in any language: its name, code and offering's title
OWN_WORDS = (ORG, TITLE, RETIREE, STUDENT, SWIMMER)

ZH_HEADINGS = ["序号", "类型", "名称", "统一社会信用代码", "人员类别", "服务类别", "课程项目",
               "参考收费（元/次）", "收费上限（元/次）", "有效期起", "有效期至",
               "可授课年级（个人）", "当前状态（已不再有效的条目）"]
EN_HEADINGS = ["No.", "Kind", "Name", "Unified social credit code", "Type of person",
               "Categories", "Offerings", "Reference fee per session (CNY)",
               "Fee cap per session (CNY)", "Valid from", "Valid until",
               "Grades the individual may teach", "Standing today (if no longer in force)"]

LATIN = re.compile(r"[A-Za-z]")
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


@pytest.fixture
def listed():
    """Nanchang's list, published by an administrator who reads the site in English (the
    worker publishes in their language), with an organization (arts, two categories), a
    retiree (sport, grades 1–3), a student (sport and swimming) and a swimming coach
    suspended since: every kind of entry, a sub-item category and a standing."""
    org = organization(ORG, (TITLE, "arts", "25"), ("少儿游泳班", "swimming", "40"))
    approve(organization=org, categories=("arts", "swimming"))
    retiree = person(RETIREE)
    retiree.phone, retiree.email = "13907910001", "wangxl@example.cn"
    retiree.save(update_fields=["phone", "email"])
    approve(person=retiree, categories=("sport",), grades=(1, 3))
    approve(person=person(STUDENT, kind="student"), categories=("sport", "swimming"))
    swimmer = approve(person=person(SWIMMER, kind="professional"), categories=("swimming",))
    admin, bureau = bureau_admin("360100")
    with translation.override("en"):
        publication = services.publication_publish(actor=admin, bureau=bureau)
    # a second later: the standing changes the files' validators by date as well
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=2)):
        services.approval_suspend(actor=admin, approval=swimmer, reason="安全检查不合格")
    return {"publication": publication, "retiree": retiree,
            "url": f"/registry/lists/p/{publication.pk}/export"}


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _rows(response, fmt: str) -> list[list[str]]:
    """The file's rows as text, the XLSX's header block included (dates as ISO text)."""
    assert response.status_code == 200, response
    body = _body(response)
    if fmt == "csv":
        return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(body)).active
    return [["" if v is None else v.date().isoformat() if isinstance(v, datetime.datetime)
             else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]


def _table(rows: list[list[str]], fmt: str) -> tuple[list[str], dict[str, list[str]]]:
    """The column headings and each entry's row by its name."""
    table = rows[XLSX_HEADER_ROWS:] if fmt == "xlsx" else rows
    return table[0], {row[2]: row for row in table[1:]}


def _words(rows, publication, *own) -> list[str]:
    """Every cell's text but what is the same in every language: the entries' own words,
    codes, the digest."""
    texts = []
    for row in rows:
        for cell in row:
            for word in (*own, publication.digest, "SHA-256"):
                cell = cell.replace(word, "")
            texts.append(cell)
    return texts


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_download_from_the_chinese_page_is_chinese_in_every_column(listed, fmt):
    # when: the public downloads the list in Chinese (an English administrator published it)
    rows = _rows(Client().get(f"{listed['url']}.{fmt}", **ZH), fmt)
    headings, entries = _table(rows, fmt)
    # then: every heading and label is Chinese
    assert headings == ZH_HEADINGS
    assert entries[RETIREE][1:2] + entries[RETIREE][4:6] == ["个人", "退休教师", "体育"]
    assert entries[RETIREE][11] == "1–3年级"
    assert entries[STUDENT][4:6] == ["高校学生", "体育、游泳"]
    assert entries[SWIMMER][4] == "社会专业人员" and "已暂停" in entries[SWIMMER][12]
    assert entries[ORG][1] == "机构" and entries[ORG][5] == "文化艺术、游泳"
    assert entries[ORG][6] == f"{TITLE}（文化艺术，25.00元/次）；少儿游泳班（游泳，40.00元/次）"
    if fmt == "xlsx":
        assert rows[0][0] == f"南昌市 {listed['publication'].year} 年第 1 批"
        assert rows[1][0] == "发布日期" and rows[2][0] == "SHA-256 摘要"
    # and not one English word anywhere but the credit code
    uscc = entries[ORG][3]
    leftover = [t for t in _words(rows, listed["publication"], uscc) if LATIN.search(t)]
    assert leftover == []


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("switch", ["accept-language", "language switch"])
def test_a_download_asked_for_in_english_is_english(listed, fmt, switch):
    client = Client()
    if switch == "language switch":  # the site's switch sets the language cookie
        client.post("/i18n/setlang/", {"language": "en", "next": "/registry/lists/"})
        headers = ZH  # the cookie decides over the browser's language
    else:
        headers = EN
    rows = _rows(client.get(f"{listed['url']}.{fmt}", **headers), fmt)
    headings, entries = _table(rows, fmt)
    assert headings == EN_HEADINGS
    assert entries[RETIREE][1:2] + entries[RETIREE][4:6] == [
        "Individual", "Retired teacher", "Sport"]
    assert entries[RETIREE][11] == "grades 1–3"
    assert entries[STUDENT][4:6] == ["University student", "Sport, Swimming"]
    assert entries[SWIMMER][4] == "Qualified professional"
    assert entries[SWIMMER][12].startswith("Suspended")
    assert entries[ORG][1] == "Organization" and entries[ORG][5] == "Culture and arts, Swimming"
    assert entries[ORG][6] == (f"{TITLE} (Culture and arts, 25.00 yuan per session); "
                               "少儿游泳班 (Swimming, 40.00 yuan per session)")
    if fmt == "xlsx":
        assert rows[0][0] == f"Nanchang {listed['publication'].year} batch 1"
        assert rows[1][0] == "Published on" and rows[2][0] == "SHA-256 digest"
    # no Chinese but the entries' own names and titles
    leftover = [t for t in _words(rows, listed["publication"], *OWN_WORDS, "少儿游泳班")
                if CJK.search(t)]
    assert leftover == []


def test_the_api_export_follows_the_language_too(listed):
    pk = listed["publication"].pk
    english = _rows(Client().get(f"/api/v1/publications/{pk}/export/csv/", **EN), "csv")
    chinese = _rows(Client().get(f"/api/v1/publications/{pk}/export/csv/", **ZH), "csv")
    assert _table(english, "csv")[1][RETIREE][4:6] == ["Retired teacher", "Sport"]
    assert _table(chinese, "csv")[1][RETIREE][4:6] == ["退休教师", "体育"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_each_language_is_cached_and_validated_apart(listed, fmt):
    url = f"{listed['url']}.{fmt}"
    client = Client()
    # given: a reader holds the Chinese file (now kept in storage too)
    chinese = client.get(url, **ZH)
    chinese_rows = _rows(chinese, fmt)
    assert chinese["Content-Language"] == "zh-hans"
    assert {"Accept-Language", "Cookie"} <= {
        v.strip() for v in chinese["Vary"].split(",")}
    # when: they ask again in English with the Chinese file's validators
    english = client.get(url, HTTP_IF_NONE_MATCH=chinese["ETag"],
                         HTTP_IF_MODIFIED_SINCE=chinese["Last-Modified"], **EN)
    # then: not a 304 but the English file, under its own ETag
    assert english.status_code == 200 and english["ETag"] != chinese["ETag"]
    assert english["Content-Language"] == "en"
    english_rows = _rows(english, fmt)
    assert _table(english_rows, fmt)[1][RETIREE][4:6] == ["Retired teacher", "Sport"]
    # and each language, asked again, comes from its own stored file in its own words
    for headers, validator, kind in ((ZH, chinese["ETag"], "退休教师"),
                                     (EN, english["ETag"], "Retired teacher")):
        again = client.get(url, **headers)
        assert again["ETag"] == validator
        assert _table(_rows(again, fmt), fmt)[1][RETIREE][4] == kind
        assert client.get(url, HTTP_IF_NONE_MATCH=validator, **headers).status_code == 304
    # the Chinese file is never answered to the English validator, nor the reverse
    assert client.get(url, HTTP_IF_NONE_MATCH=english["ETag"], **ZH).status_code == 200
    assert _rows(client.get(url, HTTP_IF_NONE_MATCH=english["ETag"], **ZH),
                 fmt) == chinese_rows


def test_the_lists_page_names_the_kind_of_person_in_the_readers_language(listed):
    page = f"/registry/lists/p/{listed['publication'].pk}/"
    chinese = Client().get(page, **ZH).content.decode()
    english = Client().get(page, **EN).content.decode()
    assert "<td>退休教师</td>" in chinese and "Retired teacher" not in chinese
    assert "<td>Retired teacher</td>" in english and "退休教师" not in english
    # and its title names the place in the reader's language too
    year = listed["publication"].year
    assert f"<h1>南昌市 {year} 年第 1 批</h1>" in chinese
    assert f"<h1>Nanchang {year} batch 1</h1>" in english
    # and its table is punctuated in the reader's language: the organization's two
    # categories and its two offerings, the retiree's grades
    table = {lang: body[body.index("<tbody"):body.index("</tbody>")]
             for lang, body in (("zh", chinese), ("en", english))}
    assert "、" in table["zh"] and "（" in table["zh"] and "；" in table["zh"]
    assert not {"、", "（", "）", "，", "；"} & set(table["en"]), table["en"]
    assert f"{TITLE} (" in table["en"] and "; " in table["en"]


PUBLIC_PERSON_KEYS = {"key", "kind", "name", "person_kind", "person_kind_name", "categories",
                      "valid_from", "valid_until", "grades"}


@pytest.mark.parametrize("headers", [ZH, EN], ids=["zh-hans", "en"])
def test_no_export_carries_personal_data(listed, headers):
    retiree = listed["retiree"]
    secrets = [retiree.id_number, retiree.id_number[6:14], retiree.phone, retiree.email]
    client = Client()
    for fmt in ("csv", "xlsx", "json"):
        response = client.get(f"{listed['url']}.{fmt}", **headers)
        assert response.status_code == 200
        if fmt == "json":
            data = json.loads(_body(response))
            text = json.dumps(data, ensure_ascii=False)
            # what an individual's entry holds: public data only (no ID number, phone,
            # record-query result)
            people = [e for e in data["entries"] if e["kind"] == "person"]
            assert people and all(set(e) <= PUBLIC_PERSON_KEYS for e in people)
        else:
            rows = _rows(response, fmt)
            text = "\n".join("\t".join(row) for row in rows)
            headings = _table(rows, fmt)[0]
            assert headings == (ZH_HEADINGS if headers is ZH else EN_HEADINGS)
        assert RETIREE in text
        for secret in secrets:
            assert secret not in text, (fmt, secret)
