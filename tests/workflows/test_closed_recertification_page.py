"""A closed re-certification's page, as found in the browser: the renewed document reads as
one Chinese sentence ("已于2026年4月18日上传，有效期至…", not "已于 … 上传, 有效期至 …"),
the two sentences of how the case closed follow one another without a space, and the date
the renewal was due by is the open case's (a renewed case showed it among its facts)."""

import datetime
import html
import re

import pytest

from tests.workflows.test_recertification import _at, _renew
from tests.workflows.test_recertification_languages import DAY, _suspended_for_the_insurance

pytestmark = pytest.mark.django_db


def _text(body: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


@pytest.mark.parametrize(("language", "words", "due"), [
    ("zh-hans", ("本次重新审核已于2026年4月18日办结：更新的证件已审核通过。本案无需再上传材料。",
                 "已于2026年4月18日上传，有效期至2026年11月4日"), "更新截止日期"),
    ("en", ("This re-certification closed on April 18, 2026: the renewed documents were "
            "verified. Nothing more needs to be uploaded for it.",
            "Uploaded on April 18, 2026, valid until Nov. 4, 2026"), "Renewal due by"),
])
def test_a_renewed_case_reads_as_closed_in_the_readers_language(
        world, client, settings, language, words, due):
    w = world
    # given the insurance lapsed, the case opened, and the renewal was verified
    approval, case = _suspended_for_the_insurance(w, settings)
    renewed_on = DAY + datetime.timedelta(days=2)  # 2026-04-18
    _renew(w, case, renewed_on)
    # when the provider opens the case's page
    client.force_login(w.provider)
    with _at(renewed_on, 12):
        page = client.get(f"/selection/cases/recertification/{case.pk}/",
                          HTTP_ACCEPT_LANGUAGE=language)
    text = _text(page.content.decode())
    # then
    assert page.status_code == 200
    for sentence in words:
        assert sentence in text, (sentence, text)
    assert due not in text
