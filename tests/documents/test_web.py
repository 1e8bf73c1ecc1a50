import datetime
import re
import zoneinfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from documents import services
from documents.models import Document, DocumentDownload, DocumentType
from tests.documents.conftest import PDF, today, upload


def _page(organization):
    return reverse("documents:subject", args=["organization", organization.pk])


@pytest.mark.django_db
def test_provider_page_shows_checklist_and_uploads(storage_kind, client, provider,
                                                   organization):
    client.force_login(provider)
    page = client.get(_page(organization), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    assert "营业执照" in page.content.decode() and "doc-badge--missing" in page.content.decode()

    posted = client.post(_page(organization), {
        "document_type": "business_licence", "issued_on": today().isoformat(),
        "file": SimpleUploadedFile("营业执照.pdf", PDF, content_type="application/pdf"),
    })
    assert posted.status_code == 302
    document = Document.objects.get()
    assert document.original_name == "营业执照.pdf"
    assert "doc-badge--pending" in client.get(_page(organization)).content.decode()

    download = client.get(reverse("documents:download", args=[document.pk]))
    assert download.status_code == (200 if storage_kind == "local" else 302)
    assert DocumentDownload.objects.filter(user=provider).count() == 1


@pytest.mark.django_db
def test_upload_form_shows_field_errors(client, provider, organization):
    client.force_login(provider)
    response = client.post(_page(organization), {
        "document_type": "business_licence", "issued_on": today().isoformat(),
        "file": SimpleUploadedFile("evil.pdf", b"<html></html>", content_type="application/pdf"),
    }, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "Only PDF, JPEG and PNG files are accepted" in response.content.decode()
    assert not Document.objects.exists()


@pytest.mark.django_db
def test_pages_refuse_strangers(client, stranger, organization, provider):
    document = services.document_upload(
        actor=provider, subject=organization,
        document_type=DocumentType.objects.get(code="safety_plan"), file=upload(),
        filename="a.pdf", issued_on=today())
    client.force_login(stranger)
    # as pages of ids nobody holds (tests/security/test_privacy_probes_documents_web.py)
    assert client.get(_page(organization)).status_code == 404
    assert client.get(reverse("documents:download", args=[document.pk])).status_code == 404
    assert client.get(reverse("documents:review", args=[document.pk])).status_code == 404
    assert not DocumentDownload.objects.exists()


@pytest.mark.django_db
def test_clerk_verifies_and_rejects_on_the_review_page(client, clerk, provider, organization):
    kind = DocumentType.objects.get(code="safety_plan")
    first = services.document_upload(actor=provider, subject=organization, document_type=kind,
                                     file=upload(), filename="a.pdf", issued_on=today())
    client.force_login(clerk)
    queue = client.get(reverse("documents:review-queue"))
    assert queue.status_code == 200 and "a.pdf" not in queue.content.decode()
    assert reverse("documents:review", args=[first.pk]) in queue.content.decode()
    assert client.get(reverse("documents:review", args=[first.pk])).status_code == 200

    response = client.post(reverse("documents:review", args=[first.pk]), {"action": "verify"})
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.review_state == "verified"

    empty = client.post(reverse("documents:review", args=[first.pk]),
                        {"action": "reject", "reason": ""})
    assert empty.status_code == 400
    client.post(reverse("documents:review", args=[first.pk]),
                {"action": "reject", "reason": "过期"})
    first.refresh_from_db()
    assert first.review_state == "rejected" and first.rejection_reason == "过期"


@pytest.mark.django_db
def test_documents_home_lists_what_the_user_keeps(client, provider, organization):
    client.force_login(provider)
    response = client.get(reverse("documents:home"))
    assert response.status_code == 200
    assert _page(organization) in response.content.decode()


# What the reader's locale makes of the dates below, written out by hand rather than asked
# of Django's formatter (which is what is being checked): zh-hans "Y年n月j日 (H:i)", English
# "N j, Y(, P)".
SHOWN = {
    "zh-hans": {"issued": "2026年2月1日", "expires": "2026年4月1日",
                "uploaded": "2026年3月5日 14:30"},
    "en": {"issued": "Feb. 1, 2026", "expires": "April 1, 2026",
           "uploaded": "March 5, 2026, 2:30 p.m."},
}


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_documents_pages_show_dates_in_the_readers_format(client, provider, clerk,
                                                          organization, language):
    uploaded = datetime.datetime(2026, 3, 5, 14, 30, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(uploaded, tick=False):
        document = services.document_upload(
            actor=provider, subject=organization,
            document_type=DocumentType.objects.get(code="liability_insurance"), file=upload(),
            filename="保险单.pdf", issued_on=datetime.date(2026, 2, 1),
            expires_on=datetime.date(2026, 4, 1))
        services.document_verify(actor=clerk, document=document)  # then it is "expiring"
        services.document_upload(  # and one waiting in the clerk's queue
            actor=provider, subject=organization,
            document_type=DocumentType.objects.get(code="safety_plan"), file=upload(),
            filename="安全预案.pdf", issued_on=datetime.date(2026, 2, 1))
        pages = {}
        client.force_login(provider)
        pages["subject"] = client.get(_page(organization), HTTP_ACCEPT_LANGUAGE=language)
        client.force_login(clerk)
        pages["review"] = client.get(reverse("documents:review", args=[document.pk]),
                                     HTTP_ACCEPT_LANGUAGE=language)
        pages["queue"] = client.get(reverse("documents:review-queue"),
                                    HTTP_ACCEPT_LANGUAGE=language)
    shown = SHOWN[language]
    html = {name: page.content.decode() for name, page in pages.items()}
    assert all(page.status_code == 200 for page in pages.values())
    # the checklist (its expiry, and the warning that it expires within 30 days), the
    # versions, the review page and its history, the queue
    checklist, versions = re.findall(r'<table class="doc-table".*?</table>', html["subject"],
                                     re.S)
    assert f"<td>{shown['expires']}</td>" in checklist
    expiring = {"zh-hans": f"将于{shown['expires']}到期",
                "en": f"expires on {shown['expires']}; upload a renewed one."}[language]
    assert expiring in html["subject"]
    assert (f"<td>{shown['issued']}</td><td>{shown['expires']}</td>\n"
            f"        <td>{shown['uploaded']}</td>") in versions
    for label, value in (("issued", shown["issued"]), ("expires", shown["expires"])):
        assert f"<td>{value}</td>" in html["review"], label
    assert f"<td>{shown['uploaded']} · " in html["review"]
    assert f"<li>{shown['uploaded']} · 保险单.pdf" in html["review"]
    assert f"<td>{shown['uploaded']}</td>" in html["queue"]
    for page in html.values():
        assert "2026-02-01" not in page and "2026-04-01" not in page
        assert "2026-03-05" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("language, few, many", [
    ("zh-hans", "有 2 份材料等待您审核", "超过 1 份材料等待您审核"),
    ("en", "2 documents await your review", "More than 1 documents await your review"),
])
def test_documents_home_counts_the_review_queue_only_up_to_its_limit(
        client, clerk, provider, organization, monkeypatch, language, few, many):
    """A province's clerk may have a hundred thousand documents waiting: the home page
    counts them only as far as it says (the limit, then "more than"), in one bounded
    query, not the whole queue."""
    from documents import views

    for code in ("safety_plan", "business_licence"):  # (a second of one type supersedes)
        services.document_upload(actor=provider, subject=organization,
                                 document_type=DocumentType.objects.get(code=code),
                                 file=upload(), filename=f"{code}.pdf", issued_on=today())
    client.force_login(clerk)
    page = client.get(reverse("documents:home"), HTTP_ACCEPT_LANGUAGE=language)
    assert few in page.content.decode()

    monkeypatch.setattr(views, "QUEUE_COUNT_LIMIT", 1)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("documents:home"), HTTP_ACCEPT_LANGUAGE=language)
    text = page.content.decode()
    assert many in text and few not in text
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1 and "LIMIT 2" in counts[0], counts
