"""A re-certification names the documents to renew in the language of the text around them
(the catalogue's Chinese name in an English text read "renew 责任保险"), lists them with the
language's own separator, writes what it tells the provider of a clerk's check in the site's
language (not the clerk's), and, once closed, says how it ended instead of inviting an upload
for it."""

import datetime
import html
import re

import pytest
from django.utils import translation

from documents.models import Document
from documents.services import document_upload
from registry.models import ApprovalHold
from tests.workflows.conftest import open_tasks, pdf
from tests.workflows.test_recertification import START, _approve, _at, _renew
from workflows.models import CaseOutcome, RecertificationProcess
from workflows.services import sweep

CHINESE = re.compile(r"[\u4e00-\u9fff]")
EXPIRY = START + datetime.timedelta(days=100)  # 2026-04-15
DAY = EXPIRY + datetime.timedelta(days=1)


def _lapse(organization, code, on):
    Document.objects.filter(organization=organization, superseded_at__isnull=True,
                            document_type__code=code).update(
        expires_on=on, issued_on=on - datetime.timedelta(days=300))


def _suspended_for_the_insurance(w, settings):
    """The organization's liability insurance lapsed on 2026-04-15 and the night's sweep
    suspended its approval: the approval and its re-certification case (30 days' grace)."""
    settings.RECERT_GRACE_DAYS = 30
    _lapse(w.organization, "liability_insurance", EXPIRY)
    approval = _approve(w, organization=w.organization)
    with _at(DAY, 2):
        sweep.credential_sweep(today=DAY)
    return approval, RecertificationProcess.objects.get(approval=approval)


@pytest.fixture
def two_lapsed(world, settings):
    """An approved organization whose liability insurance and operating licence both
    expired on 2026-04-15."""
    settings.RECERT_GRACE_DAYS = 30
    for code in ("liability_insurance", "operating_licence"):
        _lapse(world.organization, code, EXPIRY)
    return _approve(world, organization=world.organization)


@pytest.mark.parametrize(("language", "names", "separator"), [
    ("zh-hans", ("责任保险", "办学许可证"), "、"),
    ("en", ("Liability insurance", "School operating licence"), ", "),
])
def test_the_suspension_names_what_to_renew_in_the_language_it_is_written_in(
        world, two_lapsed, language, names, separator):
    w = world
    # when the night's sweep runs in ``language``
    with translation.override(language), _at(DAY, 2):
        assert sweep.credential_sweep(today=DAY).suspended == 1
    # then the provider's notice of the case, the hold's reason and the fan-out's notice
    # name both documents in that language, listed with its separator
    case = RecertificationProcess.objects.get(approval=two_lapsed)
    opened = w.provider.notifications.get(url__endswith=f"/recertification/{case.pk}/")
    hold = ApprovalHold.objects.get(approval=two_lapsed, cause=ApprovalHold.Cause.CREDENTIAL)
    fan_out = w.provider.notifications.exclude(pk=opened.pk).get()
    listed = {separator.join(names), separator.join(reversed(names))}
    for text in (opened.subject, hold.reason, fan_out.body):
        assert any(both in text for both in listed), text
        if language == "en":
            assert not CHINESE.search(text), text
    # and the case keeps the catalogue's name, as the cases opened before it do
    assert {item["name"] for item in case.due_types} == {"责任保险", "办学许可证"}


@pytest.mark.parametrize(("language", "refusal", "other"), [
    ("zh-hans", "责任保险：请上传更新的证件。", "Liability insurance"),
    ("en", "Liability insurance: upload the renewed document.", "责任保险"),
])
def test_the_refused_submission_names_the_document_in_the_providers_language(
        world, client, settings, language, refusal, other):
    w = world
    # given the insurance lapsed and the sweep (in the site's language) opened the case
    settings.RECERT_GRACE_DAYS = 30
    _lapse(w.organization, "liability_insurance", EXPIRY)
    _approve(w, organization=w.organization)
    with _at(DAY, 2):
        sweep.credential_sweep(today=DAY)
    case = RecertificationProcess.objects.get()
    [task] = open_tasks(case, "renew")
    client.force_login(w.provider)
    # when the provider confirms the renewal on its page without having uploaded it
    with _at(DAY, 10):
        client.post(f"/recertification/{case.pk}/renew/{task.pk}/assign/")
        page = client.post(f"/recertification/{case.pk}/renew/{task.pk}/execute/",
                           {"confirm": "on", "_continue": "1"}, HTTP_ACCEPT_LANGUAGE=language)
    # then it is refused, naming the insurance in the page's language
    body = html.unescape(page.content.decode())
    assert page.status_code == 200
    assert refusal in body
    assert f"{other}:" not in body and f"{other}：" not in body


def test_what_the_provider_is_told_of_an_english_clerks_check_is_in_the_sites_language(
        world, client, settings):
    w = world
    # given: suspended for the insurance; the operating licence lapses while the case waits
    approval, case = _suspended_for_the_insurance(w, settings)
    _lapse(w.organization, "operating_licence", DAY + datetime.timedelta(days=1))
    later = DAY + datetime.timedelta(days=2)
    with _at(later, 9):
        [task] = open_tasks(case, "renew")
        new = document_upload(actor=w.provider, subject=w.organization,
                              document_type="liability_insurance", file=pdf(),
                              filename="renewed.pdf", issued_on=later,
                              expires_on=later + datetime.timedelta(days=200))
        client.force_login(w.provider)
        client.post(f"/recertification/{case.pk}/renew/{task.pk}/assign/")
        sent = client.post(f"/recertification/{case.pk}/renew/{task.pk}/execute/",
                           {"confirm": "on"})
        assert sent.status_code == 302
    # when the bureau's clerk, reading the site in English, verifies the renewed insurance
    [task] = open_tasks(case, "recert_verify")
    client.force_login(w.clerk)
    with _at(later, 10):
        client.post(f"/recertification/{case.pk}/recert_verify/{task.pk}/assign/",
                    HTTP_ACCEPT_LANGUAGE="en")
        checked = client.post(f"/recertification/{case.pk}/recert_verify/{task.pk}/execute/",
                              {f"doc_{new.pk}": "verify"}, HTTP_ACCEPT_LANGUAGE="en")
        assert checked.status_code == 302, checked.content.decode()[:3000]
    # then the provider is told to renew the licence too in the site's language, the
    # licence named in it, and the case keeps that reason in it
    notice = w.provider.notifications.order_by("-pk").first()
    assert notice.subject == "您的准入资格仍处于暂停状态：请一并更新 办学许可证"
    assert notice.body.startswith("办学许可证已于2026年4月17日过期")
    case.refresh_from_db()
    assert case.outcome == CaseOutcome.OPEN
    assert case.missing[-1]["reason"].startswith("办学许可证已于")


def _due_section(body: str) -> str:
    start = body.index('class="renewals-due"')
    return body[start:body.index("</section>", start)]


@pytest.mark.parametrize(("language", "words"), [
    ("zh-hans", {"closed": "本次重新审核已于2026年5月17日办结，准入资格未予恢复。",
                 "invite": ("前往材料页面上传", "更新截止日", "尚未上传", "上传更新的")}),
    ("en", {"closed": "This re-certification closed on May 17, 2026 without restoring the "
                      "approval.",
            "invite": ("Open the documents page to upload", "Renew by", "Not uploaded yet",
                       "Upload the renewed")}),
])
def test_a_case_closed_for_want_of_a_renewal_invites_no_upload(
        world, client, settings, language, words):
    w = world
    # given the insurance lapsed, the case opened, and its grace period ran out unrenewed
    approval, case = _suspended_for_the_insurance(w, settings)
    closing = case.grace_until + datetime.timedelta(days=1)  # 2026-05-17
    with _at(closing, 2):
        sweep.credential_sweep(today=closing)
    case.refresh_from_db()
    assert case.outcome == CaseOutcome.REJECTED
    # when the provider opens the case's page
    client.force_login(w.provider)
    with _at(closing, 10):
        page = client.get(f"/selection/cases/recertification/{case.pk}/",
                          HTTP_ACCEPT_LANGUAGE=language)
    # then its list of what was due says the case closed, and when, and invites no upload
    assert page.status_code == 200
    section = _due_section(page.content.decode())
    text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", section)))
    assert words["closed"] in text, text
    for invitation in words["invite"]:
        assert invitation not in text, invitation
    assert "#upload" not in section
    assert f'href="/documents/organization/{w.organization.pk}/"' in section


@pytest.mark.parametrize(("language", "closed", "invite"), [
    ("zh-hans", "本次重新审核已于2026年4月18日办结：更新的证件已审核通过。", "前往材料页面上传"),
    ("en", "This re-certification closed on April 18, 2026: the renewed documents were "
           "verified.", "Open the documents page to upload"),
])
def test_a_renewed_case_says_so_instead_of_inviting_another_upload(
        world, client, settings, language, closed, invite):
    w = world
    approval, case = _suspended_for_the_insurance(w, settings)
    renewed_on = DAY + datetime.timedelta(days=2)  # 2026-04-18
    _renew(w, case, renewed_on)
    assert case.outcome == CaseOutcome.APPROVED
    client.force_login(w.provider)
    with _at(renewed_on, 12):
        page = client.get(f"/selection/cases/recertification/{case.pk}/",
                          HTTP_ACCEPT_LANGUAGE=language)
    section = _due_section(page.content.decode())
    text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", section)))
    assert closed in text, text
    assert invite not in text and "#upload" not in section
