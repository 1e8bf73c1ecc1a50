import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
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
    assert client.get(_page(organization)).status_code == 403
    assert client.get(reverse("documents:download", args=[document.pk])).status_code == 404
    assert client.get(reverse("documents:review", args=[document.pk])).status_code == 403
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
