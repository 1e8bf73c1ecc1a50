"""A credential nearing its expiry, as its users meet it: the reminder leads the provider to
the upload form of the document it names, on a page that says it is due, by when and what
follows if it is not renewed in time; the clerk checks the renewal with its dates in view;
the school reads on its engagement's page that the provider is suspended, since when, and
why."""

import datetime
import html
import re
from decimal import Decimal

import pytest
from django.utils import translation

from documents.models import Document
from documents.services import document_upload, document_verify
from registry import services as registry_services
from registry.models import Approval, Engagement
from tests.registry.builders import school_user
from tests.workflows.conftest import open_tasks, pdf
from tests.workflows.test_recertification import START, _approve, _at
from workflows.models import Notification, RecertificationProcess
from workflows.services import reminders, sweep

EXPIRY = START + datetime.timedelta(days=100)  # 2026-04-15


def _text(body: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


@pytest.fixture
def insured(world):
    """The organization's documents, verified; its liability insurance expires on
    2026-04-15; its approval rests on them."""
    w = world
    Document.objects.filter(organization=w.organization, superseded_at__isnull=True,
                            document_type__code="liability_insurance").update(
        expires_on=EXPIRY, issued_on=EXPIRY - datetime.timedelta(days=300))
    approval = _approve(w, organization=w.organization, categories=[w.offering.category])
    for document in Document.objects.filter(organization=w.organization,
                                            superseded_at__isnull=True):
        document_verify(actor=w.clerk, document=document)
    return approval


def _reminded(w, days_before: int):
    """The reminder of ``days_before`` days, delivered that night; returns the day."""
    day = EXPIRY - datetime.timedelta(days=days_before)
    with _at(day, 2):
        reminders.reminders_record(today=day)
        reminders.reminders_deliver()
    return day


@pytest.mark.parametrize("days_before", [60, 30, 7])
def test_each_reminder_links_to_the_upload_form_with_its_document_chosen(
        world, insured, client, days_before):
    w = world
    day = _reminded(w, days_before)
    [note] = Notification.objects.filter(user=w.provider, subject__contains="责任保险")
    assert note.url == (f"/documents/organization/{w.organization.pk}/"
                        "?type=liability_insurance#upload")
    client.force_login(w.provider)
    with _at(day, 10):
        body = client.get(note.url).content.decode()
    assert re.search(r'<option value="liability_insurance"[^>]*selected', body)


@pytest.mark.parametrize("days_before", [60, 30, 7])
@pytest.mark.parametrize(("language", "words"), [
    ("zh-hans", {"name": "责任保险", "date": "2026年4月15日", "then": "将被暂停"}),
    ("en", {"name": "Liability insurance", "date": "April 15, 2026", "then": "suspended"}),
])
def test_the_documents_page_names_what_each_reminder_is_about_and_what_follows(
        world, insured, client, days_before, language, words):
    w = world
    day = _reminded(w, days_before)
    client.force_login(w.provider)
    with _at(day, 10):
        page = client.get(f"/documents/organization/{w.organization.pk}/",
                          HTTP_ACCEPT_LANGUAGE=language)
    body = page.content.decode()
    # the insurance is due, by its date; and an approval on it is suspended if its renewal
    # is not verified by then
    assert 'id="renewals-due"' in body, "the page the reminder opens says nothing is due"
    due = _text(body[body.index('id="renewals-due"'):body.index('id="upload"')])
    assert words["name"] in due and words["date"] in due, due
    assert words["then"] in due, due


def test_the_clerk_checks_the_renewal_with_its_dates_on_the_task_page(
        world, insured, client, settings):
    w = world
    settings.RECERT_GRACE_DAYS = 30
    # given the insurance lapsed unrenewed: the sweep suspended the approval
    day = EXPIRY + datetime.timedelta(days=1)
    with _at(day, 2):
        assert sweep.credential_sweep(today=day).suspended == 1
    case = RecertificationProcess.objects.get()
    # and the provider uploaded a renewal, valid until 2027-04-16, and said so
    with _at(day, 9):
        document_upload(actor=w.provider, subject=w.organization,
                        document_type="liability_insurance", file=pdf(), filename="new.pdf",
                        issued_on=day, expires_on=day + datetime.timedelta(days=365))
        [task] = open_tasks(case, "renew")
        client.force_login(w.provider)
        client.post(f"/recertification/{case.pk}/renew/{task.pk}/assign/")
        client.post(f"/recertification/{case.pk}/renew/{task.pk}/execute/", {"confirm": "on"})
    [task] = open_tasks(case, "recert_verify")
    # when the clerk takes the check and opens it
    client.force_login(w.clerk)
    with _at(day, 10):
        client.post(f"/recertification/{case.pk}/recert_verify/{task.pk}/assign/")
        page = client.get(f"/recertification/{case.pk}/recert_verify/{task.pk}/execute/")
    # then above the verdicts: the lapsed insurance's expiry, the renewal's upload and
    # expiry dates, awaiting review; and no upload link (it is the provider's to upload)
    assert page.status_code == 200
    body = page.content.decode()
    match = re.search(r'<li data-due-type="liability_insurance"[^>]*>(.*?)</li>', body, re.S)
    assert match, "the task page does not show what was due and what was uploaded"
    row = _text(match.group(1))
    for words in ("责任保险", "2026年4月15日", "已过期", "已于2026年4月16日上传",
                  "有效期至2027年4月16日", "待审核"):
        assert words in row, (words, row)
    assert "上传更新的" not in row
    assert body.index('data-due-type="liability_insurance"') < body.index('name="doc_')
    # and the clerk decides there
    new = Document.objects.get(organization=w.organization, superseded_at__isnull=True,
                               document_type__code="liability_insurance")
    with _at(day, 11):
        client.post(f"/recertification/{case.pk}/recert_verify/{task.pk}/execute/",
                    {f"doc_{new.pk}": "verify"})
    open_tasks(case)
    assert Approval.objects.get(pk=insured.pk).status == Approval.Status.APPROVED


@pytest.fixture
def engaged(world, insured):
    """A school of the county with a running engagement of the organization."""
    w = world
    user, school = school_user("360102")
    with _at(START + datetime.timedelta(days=1)):
        term = registry_services.school_term_create(
            actor=user, school=school, name="2026 春季学期", starts_on=START,
            ends_on=START + datetime.timedelta(days=200), project_count=10)
        engagement = registry_services.engagement_create(
            actor=user, school=school, term=term, organization=w.organization,
            fee_per_session=Decimal("20"), sessions=8)
    Engagement.objects.filter(pk=engagement.pk).update(status=Engagement.Status.ACTIVE)
    return user, engagement


@pytest.mark.parametrize(("language", "words"), [
    ("zh-hans", {"since": "自 2026年4月16日 起", "why": "证件已过期"}),
    ("en", {"since": "Since April 16, 2026", "why": "has expired"}),
])
def test_the_schools_engagement_page_says_the_provider_is_suspended_since_when_and_why(
        world, engaged, client, language, words):
    school, engagement = engaged
    # given the insurance lapsed unrenewed and the sweep suspended the approval
    day = EXPIRY + datetime.timedelta(days=1)
    with _at(day, 2), translation.override("zh-hans"):
        assert sweep.credential_sweep(today=day).suspended == 1
    # when the school opens the engagement
    client.force_login(school)
    with _at(day, 10):
        page = client.get(f"/registry/engagements/{engagement.pk}/",
                          HTTP_ACCEPT_LANGUAGE=language)
    # then it reads that the provider is suspended, since when, and why
    body = page.content.decode()
    assert 'id="engagement-suspended"' in body, "the page does not say why it is suspended"
    start = body.index('id="engagement-suspended"')
    note = _text(body[start:body.index("</p>", start)])
    assert words["since"] in note and words["why"] in note, note


def test_a_bureaus_suspension_is_not_called_an_expired_credential(world, engaged, client):
    w = world
    school, engagement = engaged
    with _at(START + datetime.timedelta(days=10)):
        registry_services.provider_suspend(actor=w.admin, bureau=w.bureau,
                                           organization=w.organization, reason="安全事故调查")
        client.force_login(school)
        body = client.get(f"/registry/engagements/{engagement.pk}/").content.decode()
    assert 'id="engagement-suspended"' in body
    assert "证件已过期" not in body and "安全事故调查" not in body


@pytest.mark.parametrize(("language", "words"), [
    ("zh-hans", {"headline": "证件已过期", "reason": "责任保险", "bureau": "已被教育局暂停",
                 "answer": "陈述申辩", "school_why": "证件已过期"}),
    # (the calendar writes in the language it runs in: the type is named in it too)
    ("en", {"headline": "a credential has expired", "reason": "Liability insurance",
            "bureau": "by the education bureau", "answer": "how to answer",
            "school_why": "has expired"}),
])
def test_the_sweeps_suspension_tells_the_provider_and_school_that_a_credential_lapsed(
        world, engaged, language, words):
    w = world
    school, _engagement = engaged
    # when the night's sweep suspends the approval for the lapsed insurance
    day = EXPIRY + datetime.timedelta(days=1)
    with _at(day, 2), translation.override(language):
        assert sweep.credential_sweep(today=day).suspended == 1
    # then neither the provider nor the school reads of a sanction by the bureau, to be
    # answered: both read that a credential expired, the provider which one
    told = {user: [f"{n.subject} {n.body}" for n in Notification.objects.filter(user=user)]
            for user in (w.provider, school)}
    for user, texts in told.items():
        assert texts, user
        assert not any(words["bureau"] in t or words["answer"] in t for t in texts), texts
        assert any(words["headline"] in t for t in texts), texts
    assert any(words["headline"] in t and words["reason"] in t for t in told[w.provider])
    [to_school] = told[school]
    assert words["school_why"] in to_school, to_school


def _suspended_section(body: str) -> str:
    assert 'id="suspended-approvals"' in body, "the workspace does not say it is suspended"
    start = body.index('id="suspended-approvals"')
    return body[start:body.index("</section>", start)]


def test_the_providers_workspace_says_it_is_suspended_why_and_where_to_act(
        world, insured, client):
    w = world
    client.force_login(w.provider)
    assert 'id="suspended-approvals"' not in client.get("/workspace/").content.decode()
    # given the insurance lapsed unrenewed and the sweep suspended the approval
    day = EXPIRY + datetime.timedelta(days=1)
    with _at(day, 2):
        assert sweep.credential_sweep(today=day).suspended == 1
    # when the provider's user signs in and lands on the workspace
    with _at(day, 10):
        section = _suspended_section(client.get("/workspace/").content.decode())
    # then it names the organization, the cause, since when, and links to the page that
    # says what to renew and by when
    text = _text(section)
    assert w.organization.name in text and "证件已过期" in text and "2026年4月16日" in text
    assert f'href="/registry/portal/organizations/{w.organization.pk}/"' in section
    # another provider's user reads nothing of it
    client.force_login(w.other_provider)
    assert 'id="suspended-approvals"' not in client.get("/workspace/").content.decode()


def test_an_individuals_workspace_says_it_is_suspended(world, client, settings):
    from registry.roles import Role
    from tests.factories import PersonFactory, UserFactory
    from tests.workflows.conftest import upload_all

    w = world
    user = UserFactory()
    person = PersonFactory(organization=None, user=user, kind="professional")
    registry_services.role_grant(actor=w.root, user=user, role=Role.PROVIDER, target=person)
    upload_all(user, person, expires_in_days=1000)
    _approve(w, person=person)
    Document.objects.filter(person=person, superseded_at__isnull=True,
                            document_type__code="health_certificate").update(
        expires_on=EXPIRY, issued_on=START)
    day = EXPIRY + datetime.timedelta(days=1)
    with _at(day, 2):
        assert sweep.credential_sweep(today=day).suspended == 1
    client.force_login(user)
    with _at(day, 10):
        section = _suspended_section(client.get("/workspace/",
                                                HTTP_ACCEPT_LANGUAGE="en").content.decode())
    text = _text(section)
    assert person.name in text and "credential has expired" in text
    assert 'href="/registry/me/sanctions/"' in section
