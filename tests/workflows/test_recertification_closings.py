"""How a re-certification case reads once the system closed it. One whose grace period ran
out without a renewal was shown as "已驳回 / Rejected", though nobody rejected it, and told
the provider nothing to do next; the reasons the system gives were kept as Chinese text and
read so on English pages ("Approved: 更新的证件已审核通过。"). They are kept as a code
(``RecertificationProcess.outcome_code``) and read in the reader's language."""

import datetime
import html
import importlib
import re

import pytest
from django.apps import apps
from django.urls import reverse

from documents.services import document_upload
from tests.workflows.conftest import open_tasks, pdf
from tests.workflows.test_recertification import _at, _renew
from tests.workflows.test_recertification_languages import DAY, _suspended_for_the_insurance
from workflows import task_actions
from workflows.models import CaseOutcome, RecertificationProcess
from workflows.services import sweep

pytestmark = pytest.mark.django_db

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _text(body: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", body)))


def _part(body: str, start: str, end: str) -> str:
    begin = body.index(start)
    return body[begin:body.index(end, begin)]


def _closed_unrenewed(w, settings):
    """The insurance lapsed, the case opened and its grace period ran out with nothing sent:
    the case and the day after its grace period (2026-05-17)."""
    approval, case = _suspended_for_the_insurance(w, settings)
    closing = case.grace_until + datetime.timedelta(days=1)
    with _at(closing, 2):
        sweep.credential_sweep(today=closing)
    case.refresh_from_db()
    return case, closing


@pytest.mark.parametrize(("language", "status", "next_step", "rejected"), [
    ("zh-hans", "逾期未更新，已关闭",
     "宽限期内未上传更新的证件，准入资格已到期失效，本案已关闭：学校不能再据此与您合作，"
     "该准入资格也无法恢复。如需重新取得准入资格，请重新提出申请。 向教育局提出申请", "已驳回"),
    ("en", "Closed, not renewed in time",
     "The renewed documents were not uploaded within the grace period, so the approval has "
     "expired and this case is closed: schools can no longer engage you under it, and it "
     "cannot be restored. To be approved again, apply anew. Apply to a bureau", "Rejected"),
])
def test_a_case_closed_by_its_grace_period_says_so_and_what_to_do_next(
        world, client, settings, language, status, next_step, rejected):
    w = world
    # given a case whose grace period ran out without a renewal
    case, closing = _closed_unrenewed(w, settings)
    assert case.outcome == CaseOutcome.REJECTED  # the approval did not come back
    assert case.outcome_code == RecertificationProcess.Closing.NOT_RENEWED
    # when the provider opens its page
    client.force_login(w.provider)
    with _at(closing, 10):
        page = client.get(f"/selection/cases/recertification/{case.pk}/",
                          HTTP_ACCEPT_LANGUAGE=language)
    assert page.status_code == 200
    body = page.content.decode()
    # then its status and how it ended say it closed for want of a renewal, not "rejected"
    facts = _text(_part(body, "<dl>", "</dl>"))
    decision = _text(_part(body, 'class="case-decision"', "</p>"))
    for part in (facts, decision):
        assert status in part, part
        assert rejected not in part, part
    # and the provider is told what became of the approval and what it may do: apply anew
    assert next_step in _text(_part(body, 'id="next-step"', "</p>"))
    assert f'href="{reverse("workflows:apply")}"' in _part(body, 'id="next-step"', "</p>")
    # and the provider's list of cases says the same
    with _at(closing, 10):
        listed = client.get(reverse("workflows:cases"), HTTP_ACCEPT_LANGUAGE=language)
    row = _text(_part(listed.content.decode(), f">{case.pk}</a>", "</tr>"))
    assert status in row and rejected not in row, row


@pytest.mark.parametrize(("language", "reason", "other"), [
    ("zh-hans", "已批准：更新的证件已审核通过。", "Renewed documents verified."),
    ("en", "Approved: Renewed documents verified.", "更新的证件已审核通过"),
])
def test_a_renewed_case_gives_its_reason_in_the_readers_language(
        world, client, settings, language, reason, other):
    w = world
    # given the insurance lapsed and its renewal was verified (the reason written in the
    # site's language, Chinese)
    approval, case = _suspended_for_the_insurance(w, settings)
    renewed_on = DAY + datetime.timedelta(days=2)
    _renew(w, case, renewed_on)
    assert case.outcome_code == RecertificationProcess.Closing.RENEWED
    # when the provider opens its page
    client.force_login(w.provider)
    with _at(renewed_on, 12):
        page = client.get(f"/selection/cases/recertification/{case.pk}/",
                          HTTP_ACCEPT_LANGUAGE=language)
    facts = _text(_part(page.content.decode(), "<dl>", "</dl>"))
    # then the reason reads in its language
    assert reason in facts, facts
    assert other not in facts, facts


def test_a_renewal_waiting_for_the_clerk_when_time_ran_out_is_not_told_as_unrenewed(
        world, settings):
    w = world
    # given the provider sent its renewal but the clerk had not checked it by the end
    approval, case = _suspended_for_the_insurance(w, settings)
    sent_on = DAY + datetime.timedelta(days=2)
    with _at(sent_on):
        [task] = open_tasks(case, "renew")
        document_upload(actor=w.provider, subject=w.organization,
                        document_type="liability_insurance", file=pdf(),
                        filename="renewed.pdf", issued_on=sent_on,
                        expires_on=sent_on + datetime.timedelta(days=200))
        task_actions.task_perform(actor=w.provider, task=task, data={"confirm": "on"})
    closing = case.grace_until + datetime.timedelta(days=1)
    # when the grace period runs out
    with _at(closing, 2):
        sweep.credential_sweep(today=closing)
    case.refresh_from_db()
    # then it closed unrestored, but not as a provider's silence: its status stays the
    # one a record hit's reads (to a person's organization, one may not tell them apart)
    assert case.outcome_code == RecertificationProcess.Closing.UNCHECKED
    assert case.get_outcome_display() == "已驳回"


def test_cases_closed_before_the_code_get_theirs_from_the_words_they_kept(world, settings):
    w = world
    # given a case closed by its grace period before the code was kept: its Chinese words only
    case, closing = _closed_unrenewed(w, settings)
    RecertificationProcess.objects.filter(pk=case.pk).update(outcome_code="")
    # when the migration runs
    migration = importlib.import_module(
        "workflows.migrations.0019_recertification_outcome_code")
    migration.codes_from_reasons(apps, None)
    # then it reads as closed for want of a renewal
    case.refresh_from_db()
    assert case.outcome_code == RecertificationProcess.Closing.NOT_RENEWED
