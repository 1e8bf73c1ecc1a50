"""The bureau's yearly re-query page names the yearly query as such: "复查" is the word of
a person's re-check of a record hit (申请复查), which the clerks also handle, and the page
used it for the yearly query."""

import datetime
import re

import pytest
from django.urls import reverse

from registry.models import RecordRequery
from tests.after.beat import at, beat_day

pytestmark = pytest.mark.django_db


def test_the_requery_page_and_its_message_do_not_call_the_yearly_query_a_recheck(people,
                                                                                  client):
    beat_day(datetime.date(2027, 3, 1))
    requery = RecordRequery.objects.get(person=people["willing"]["person"])
    with at(datetime.date(2027, 3, 5)):
        client.force_login(people["clerk"])
        page = client.post(reverse("registry:requery-record", args=[people["bureau"].pk,
                                                                   requery.pk]),
                           {"query_reference": "CX-2027-001", "query_date": "2027-03-04",
                            "result": "clear"}, follow=True, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    main = re.search(r"(?s)<main.*?</main>", page.content.decode()).group(0)
    assert "已登记年度入职查询结果。" in main
    assert "须本人同意年度入职查询" in main
    assert "复查" not in main
