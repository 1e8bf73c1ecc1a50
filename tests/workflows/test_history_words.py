"""A re-certification or annual-review case's history says what happened in words, in the
reader's language (defect: providers and bureau staff read "recert.open → 办理中",
"recert.submit", "annual_review.decide": the codes the audit trail stores)."""

import datetime
import re

import pytest

from documents.services import document_upload
from tests.workflows.conftest import open_tasks, pdf
from tests.workflows.test_recertification import (  # noqa: F401 - the fixture
    START,
    _at,
    _sweep_days,
    insured,
)
from workflows import selectors, task_actions
from workflows.models import AnnualReviewProcess, RecertificationProcess
from workflows.services import annual_review

pytestmark = pytest.mark.django_db
CODE = re.compile(r"\b(?:recert|annual_review|approval|document)\.[a-z_]+\b")


def _history(client, user, case) -> str:
    """The text of the case page's history table (its last table), as ``user`` reads it."""
    client.force_login(user)
    page = client.get(selectors.case_url(case), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    html = page.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html[html.rindex("<table"):]))


def test_a_re_certification_case_history_reads_in_words(client, world, insured):  # noqa: F811
    w = world
    approval, expiry = insured
    # given: the insurance expired, the calendar opened a re-certification case
    _sweep_days(expiry + datetime.timedelta(days=1), expiry + datetime.timedelta(days=1))
    case = RecertificationProcess.objects.get(approval=approval)
    # when: the provider reads the case page
    history = _history(client, w.provider, case)
    # then: the opening in words, never its code
    assert "发起重新审核 → 办理中" in history
    assert not CODE.findall(history), history

    # given: the provider renewed the insurance, the clerk verified it
    renew_day = expiry + datetime.timedelta(days=3)
    with _at(renew_day):
        new = document_upload(actor=w.provider, subject=w.organization,
                              document_type="liability_insurance", file=pdf(),
                              filename="i2.pdf", issued_on=renew_day,
                              expires_on=renew_day + datetime.timedelta(days=200))
        [task] = open_tasks(case, "renew")
        task_actions.task_perform(actor=w.provider, task=task, data={"confirm": "on"})
        [task] = open_tasks(case, "recert_verify")
        task_actions.task_perform(actor=w.clerk, task=task, data={f"doc_{new.pk}": "verify"})
    # then: the bureau's clerk and the provider read each step in words
    for reader in (w.clerk, w.provider):
        history = _history(client, reader, case)
        for words in ("发起重新审核", "提交更新后的材料 → 已提交", "核验更新后的材料",
                      "重新审核通过 → 已批准"):
            assert words in history, history
        assert not CODE.findall(history), history


def test_an_annual_review_case_history_reads_in_words(client, world, insured):  # noqa: F811
    w = world
    approval, _expiry = insured
    review_day = datetime.date(START.year, 6, 1)
    with _at(review_day):
        annual_review.annual_reviews_open(today=review_day)
        case = AnnualReviewProcess.objects.get(approval=approval)
        [task] = open_tasks(case, "review")
        task_actions.task_perform(actor=w.admin, task=task, data={
            "decision": "keep", "confirm": "yes", "reason": "全年无事故"})
    history = _history(client, w.admin, case)
    assert "发起年度考核 → 办理中" in history
    assert "年度考核决定 → 保留" in history
    assert not CODE.findall(history), history
