"""What the provider reads in an expiry reminder, a correction notice (补正) and a case's
history: the real figures, the documents by their names, states in words of the reader's
language, never a document's id or a state's code, and a link to act on."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone, translation

from documents.models import Document
from registry.models import ServiceCategory
from tests.factories import InForceApprovalFactory, OwnAccountPersonFactory
from tests.workflows.conftest import open_tasks, upload_all
from workflows import task_actions
from workflows.models import Notification
from workflows.services import reminders, selection

EXPIRY = datetime.date(2026, 12, 25)


def _at(day, hour=9):
    return time_machine.travel(datetime.datetime.combine(
        day, datetime.time(hour), tzinfo=timezone.get_current_timezone()), tick=False)


def _approve(w, *, organization=None, person=None, categories=()):
    return InForceApprovalFactory(
        actor=w.root, organization=organization, person=person, categories=categories,
        valid_from=datetime.date(2026, 1, 5), valid_until=datetime.date(2027, 1, 4))


def _expiring(documents):
    """``documents`` (a queryset) expire on EXPIRY, issued a year before."""
    documents.update(expires_on=EXPIRY, issued_on=EXPIRY - datetime.timedelta(days=365))


# --- expiry reminders ----------------------------------------------------

@pytest.mark.parametrize(("recorded", "delivered", "days"), [
    (datetime.date(2026, 12, 5), datetime.date(2026, 12, 5), 20),   # the 30-day bracket
    (datetime.date(2026, 12, 5), datetime.date(2026, 12, 8), 17),   # delivered late
    (datetime.date(2026, 12, 20), datetime.date(2026, 12, 27), 0),  # after the expiry
])
def test_a_reminder_gives_the_days_left_when_delivered_and_links_to_the_documents(
        world, client, recorded, delivered, days):
    # given an approved organization whose verified liability insurance expires on Dec 25
    w = world
    _expiring(Document.objects.filter(organization=w.organization, superseded_at=None,
                                       document_type__code="liability_insurance"))
    _approve(w, organization=w.organization)
    # when the sweep records the reminders on one day and they are delivered on another
    with translation.override("zh-hans"):
        with _at(recorded, 2):
            assert reminders.reminders_record(today=recorded) >= 1
        with _at(delivered, 3):
            assert reminders.reminders_deliver() >= 1
    # then the reminder says how many days are left on the day it arrives
    [note] = w.provider.notifications.filter(subject__contains="责任保险")
    assert f"责任保险 还有 {days} 天到期（2026年12月25日）" in note.body, note.body
    # and it leads to the page where the holder uploads the renewal, at its upload form
    page = reverse("documents:subject", args=["organization", w.organization.pk])
    assert note.url == f"{page}?type=liability_insurance#upload"
    client.force_login(w.provider)
    response = client.get(note.url)
    assert response.status_code == 200
    assert "责任保险" in response.content.decode()


def test_a_persons_reminder_links_to_that_persons_documents(world, client):
    # given a person approved for arts, in their own account, with a certificate expiring
    w = world
    person = OwnAccountPersonFactory()
    user = person.user
    upload_all(user, person, expires_in_days=1000)
    _approve(w, person=person, categories=[ServiceCategory.objects.get(code="arts")])
    current = Document.objects.filter(person=person, superseded_at=None,
                                      document_type__expires=True,
                                      document_type__is_required=True,
                                      document_type__for_high_risk=False)
    kind = current.first().document_type
    _expiring(current.filter(document_type=kind))
    # when its reminder is recorded and delivered 20 days before
    day = EXPIRY - datetime.timedelta(days=20)
    with translation.override("zh-hans"), _at(day, 2):
        reminders.reminders_record(today=day)
        reminders.reminders_deliver()
    # then it names the days left and leads to the person's documents, which they may open
    [note] = Notification.objects.filter(user=user, subject__contains=kind.name)
    assert f"{kind.name} 还有 20 天到期" in note.body, note.body
    assert note.url == (reverse("documents:subject", args=["person", person.pk])
                        + f"?type={kind.code}#upload")
    client.force_login(user)
    assert client.get(note.url).status_code == 200


# --- correction notices (补正) --------------------------------------------

def _apply(w):
    return selection.selection_apply(actor=w.provider, organization=w.organization,
                                     bureau=w.bureau, offerings=[w.offering])


def _correction_notice(w, case) -> str:
    [note] = w.provider.notifications.filter(subject__contains=f"#{case.pk} 需要补正")
    return note.body


def _items(body: str) -> list[str]:
    """The listed items without whose they are: "- 某机构：营业执照（…）" → "营业执照（…）"."""
    return [line.split("：", 1)[1] for line in body.splitlines() if line.startswith("- ")]


def test_a_rejection_sent_back_names_the_document_its_state_in_words_and_the_reason(world):
    # given a complete application
    w = world
    with translation.override("zh-hans"):
        case = _apply(w)
        [task] = open_tasks(case, "qualification")
        # when the clerk rejects one document, giving the reason, and verifies the others
        rejected = w.documents[0]
        data = {f"doc_{d.pk}": "verify" for d in w.documents}
        data[f"doc_{rejected.pk}"] = "reject"
        data[f"doc_{rejected.pk}_reason"] = "执照已被吊销"
        task_actions.task_perform(actor=w.clerk, task=task, data=data)
        open_tasks(case, "correction")
    # then the provider is told which document, why in words, and the clerk's reason, once
    body = _correction_notice(w, case)
    items = _items(body)
    name = rejected.document_type.name
    assert items == [f"{name}（未通过审核）。理由：执照已被吊销"], body
    # never the document's id, nor a state's code
    assert not any(re.match(r"\d", item) for item in items), body
    assert "rejected" not in body
    # and the deadline is a date as the words around it write one
    case.refresh_from_db()
    due = timezone.localtime(case.correction_due).date()
    assert f"请于 {due.year}年{due.month}月{due.day}日 前补正" in body, body


def test_problems_found_on_applying_are_named_with_their_states_in_words(world):
    # given an application whose credit report is too old, whose liability insurance has
    # expired and whose safety plan is missing
    w = world
    today = timezone.localdate()
    current = Document.objects.filter(organization=w.organization, superseded_at=None)
    current.filter(document_type__code="credit_report").update(
        issued_on=today - datetime.timedelta(days=90))
    current.filter(document_type__code="liability_insurance").update(
        issued_on=today - datetime.timedelta(days=400),
        expires_on=today - datetime.timedelta(days=1))
    current.filter(document_type__code="safety_plan").update(superseded_at=timezone.now())
    # when it is submitted and sent back
    with translation.override("zh-hans"):
        case = _apply(w)
        open_tasks(case, "correction")
    # then each problem is named, with what is wrong in words
    body = _correction_notice(w, case)
    items = _items(body)
    assert "信用记录报告（已过时，需更新）" in items, body
    assert "责任保险（已过期）" in items, body
    assert "安全预案（缺少）" in items, body
    for code in ("stale", "expired", "missing", "rejected"):
        assert code not in body, body


# --- a case's history ----------------------------------------------------

def test_the_history_of_an_incomplete_application_says_so_in_words(world, client):
    # given an application sent back by the completeness check (its safety plan missing)
    w = world
    Document.objects.filter(organization=w.organization, superseded_at=None,
                            document_type__code="safety_plan").update(
        superseded_at=timezone.now())
    case = _apply(w)
    open_tasks(case, "correction")
    # when the applicant opens the case's page
    client.force_login(w.provider)
    response = client.get(reverse("workflows:case", args=[case.pk]),
                          HTTP_ACCEPT_LANGUAGE="zh-hans")
    # then its history says the check found the documents incomplete, in Chinese
    assert response.status_code == 200
    page = response.content.decode()
    assert "完整性检查 → 材料不齐全" in page
    assert "incomplete" not in page
