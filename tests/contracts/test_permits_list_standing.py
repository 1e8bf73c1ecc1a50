"""The engagement's list of entry permits (入校证) says, for each person, whether they may
come in: one whose own individual approval is suspended, revoked or has expired is marked
"不可入校" with the reason in words, as the gate's check answers; the printed permits leave
them out. The page's queries do not grow with the roster. Through HTTP as the school's
user, in zh-hans; the setting is built by services."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registry import papers, services
from registry.models import Approval
from tests.contracts.conftest import engage
from tests.contracts.test_contract import sign_all
from tests.registry.builders import approve, person

BARRED = "不可入校"


def _active(contract):
    engagement = sign_all(contract, engage(contract))
    services.engagement_activate(actor=contract["user"], engagement=engagement)
    return engagement


def _permit_rows(html: str) -> dict[str, str]:
    """Each permit of the page's list, by the masked name it shows."""
    section = html[html.index('id="permits"'):html.index('id="lessons"')]
    rows = re.findall(r'<li id="permit-\d+"[^>]*>(.*?)</li>', section, re.S)
    return {row.split(" · ")[0].strip(): row for row in rows}


def _lapse(approval: Approval, how: str) -> None:
    {"suspended": services.approval_suspend, "revoked": services.approval_revoke,
     "expired": services.approval_expire}[how](actor=None, approval=approval, reason="测试")


@pytest.mark.django_db
@pytest.mark.parametrize(("how", "words"), [
    ("suspended", "本人的个人准入已暂停"),
    ("revoked", "本人的个人准入已撤销"),
    ("expired", "本人的个人准入已过期"),
])
def test_a_person_whose_approval_lapsed_is_listed_as_not_allowed_in(contract, client,
                                                                     monkeypatch, how, words):
    # given an active engagement with two coaches, and one coach's own approval lapsed
    engagement = _active(contract)
    lapsed, other = contract["coaches"]
    _lapse(Approval.objects.get(person=lapsed), how)
    client.force_login(contract["user"])
    # when the school opens the engagement's page
    html = client.get(f"/registry/engagements/{engagement.pk}/",
                      HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    rows = _permit_rows(html)
    # then the lapsed coach is said not to be allowed in, with the reason in words
    assert set(rows) == {"张*华", "李*"}
    assert BARRED in rows["张*华"] and words in rows["张*华"]
    # and the other coach's permit stands as before
    assert BARRED not in rows["李*"] and "查验此入校证" in rows["李*"]
    # the gate agrees (its check was right already)
    token = re.search(r'href="[^"]*/verify/([^"]+)"', rows["张*华"]).group(1)
    assert f'data-status="{how}"' in client.get(f"/verify/{token}").content.decode()
    # the printed permits leave the lapsed coach out, and the page says so
    printed = []
    monkeypatch.setattr(papers, "permits_pdf", lambda permits: printed.extend(
        p["masked_name"] for p in permits) or b"%PDF-1.4")
    pdf = client.get(f"/registry/engagements/{engagement.pk}/permits.pdf")
    assert pdf.status_code == 200 and printed == ["李*"]
    assert "打印的入校证不含不可入校的人员" in html


@pytest.mark.django_db
def test_nobody_allowed_in_prints_nothing_and_says_why(contract, client):
    engagement = _active(contract)
    for coach in contract["coaches"]:
        _lapse(Approval.objects.get(person=coach), "suspended")
    client.force_login(contract["user"])
    html = client.get(f"/registry/engagements/{engagement.pk}/",
                      HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    rows = _permit_rows(html)
    assert all(BARRED in row for row in rows.values()) and len(rows) == 2
    assert 'id="permits-pdf"' not in html
    refused = client.get(f"/registry/engagements/{engagement.pk}/permits.pdf",
                         HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert refused.status_code == 409 and not refused.content.startswith(b"%PDF")
    assert "名单上没有个人准入有效的人员" in refused.content.decode()


@pytest.mark.django_db
def test_the_provider_suspended_bars_everyone_in_words(contract, client):
    engagement = _active(contract)
    approval = contract["org_approval"]
    services.approval_suspend(actor=None, approval=approval, reason="检查")
    client.force_login(contract["user"])
    html = client.get(f"/registry/engagements/{engagement.pk}/",
                      HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    rows = _permit_rows(html)
    assert rows and all(BARRED in row for row in rows.values())
    assert all("服务提供方的准入已暂停" in row for row in rows.values())


@pytest.mark.django_db
def test_the_list_reads_the_same_number_of_queries_whatever_the_roster(contract, client):
    engagement = _active(contract)
    client.force_login(contract["user"])
    url = f"/registry/engagements/{engagement.pk}/"
    client.get(url)  # (the session, the menu's first reads)
    with CaptureQueriesContext(connection) as two:
        assert client.get(url).status_code == 200
    # five more people, two of whom lapse
    for n, name in enumerate(("赵一", "钱二", "孙三", "周四", "吴五")):
        coach = person(name)
        approval = approve(person=coach, where="360100", categories=("sport",))
        services.engagement_roster_add(actor=contract["user"], engagement=engagement,
                                       person=coach)
        if n < 2:
            _lapse(approval, "revoked")
    with CaptureQueriesContext(connection) as seven:
        html = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert len(_permit_rows(html)) == 7
    assert sum(BARRED in row for row in _permit_rows(html).values()) == 2
    assert len(seven) == len(two), [q["sql"] for q in seven.captured_queries]
