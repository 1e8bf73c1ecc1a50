import urllib.request

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from documents.models import Document, DocumentDownload
from tests.conftest import create_bucket, s3_storage_config, start_s3_server
from tests.documents.conftest import PDF, PNG, today
from tests.factories import OrganizationFactory

URL = "/api/v1/documents/"


def client_for(user, language="zh-hans"):
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.force_authenticate(user)
    return client


def form(organization, content=PDF, name="licence.pdf", content_type="application/pdf",
         **extra):
    data = {"organization": organization.pk, "document_type": "business_licence",
            "file": SimpleUploadedFile(name, content, content_type=content_type),
            "issued_on": today().isoformat()}
    data.update(extra)
    return data


@pytest.mark.django_db
def test_provider_uploads_lists_and_downloads(storage_kind, provider, organization,
                                              django_assert_max_num_queries):
    client = client_for(provider)

    response = client.post(URL, form(organization), format="multipart")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["document_type"] == "business_licence" and body["review_state"] == "pending"
    assert body["content_type"] == "application/pdf" and body["size"] == len(PDF)
    assert "storage_key" not in body

    second = client.post(URL, form(organization, PNG, "scan.png", "image/png"),
                         format="multipart")
    assert second.status_code == 201

    with django_assert_max_num_queries(8):
        listing = client.get(URL, {"organization": organization.pk})
    assert listing.status_code == 200
    assert [d["is_current"] for d in listing.json()] == [True, False]
    current = client.get(URL, {"organization": organization.pk, "history": "false"})
    assert [d["id"] for d in current.json()] == [second.json()["id"]]

    download = client.get(f"{URL}{body['id']}/download/")
    if storage_kind == "local":
        assert download.status_code == 200
        assert b"".join(download.streaming_content) == PDF
        assert download["Content-Disposition"].startswith("attachment")
    else:
        assert download.status_code == 302
        with urllib.request.urlopen(download["Location"]) as fetched:  # noqa: S310
            assert fetched.read() == PDF
    assert download["Cache-Control"] == "private, no-store"
    assert DocumentDownload.objects.filter(user=provider, document_id=body["id"]).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"content": b""}, "file"),
        ({"content": b"MZ\x90\x00" + b"\x00" * 60, "name": "tool.pdf"}, "file"),
        ({"content": b"<html><body>hi</body></html>", "name": "page.pdf"}, "file"),
        ({"content": PNG, "content_type": "application/pdf"}, "file"),
        ({"filename": "../../secret.pdf"}, "filename"),
        ({"filename": "a\x01b.pdf"}, "filename"),
        ({"filename": "n" * 300}, "filename"),
        ({"expires_on": "2020-01-01", "issued_on": "2020-02-01"}, "expires_on"),
        ({"document_type": "student_card"}, "document_type"),
        ({"document_type": "no_such_type"}, "document_type"),
        ({"organization": 999999}, "organization"),
    ],
    ids=["empty", "exe", "html", "lying-type", "traversal", "control-char", "300-chars",
         "expiry-before-issue", "type-not-applicable", "unknown-type", "unknown-subject"],
)
def test_bad_input_is_a_clear_400_with_nothing_stored(storage_kind, provider, organization,
                                                     override, field):
    override = dict(override)  # the parameter is shared by both storage runs
    file_args = {k: override.pop(k) for k in ("content", "name", "content_type")
                 if k in override}
    data = {**form(organization, **file_args), **override}

    response = client_for(provider, "en").post(URL, data, format="multipart")

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Document.objects.exists()
    assert not storages["documents"].listdir("")[1]  # nothing at the top either
    assert not _stored_anything()


def _stored_anything() -> bool:
    storage = storages["documents"]
    try:
        dirs, files = storage.listdir("documents/")
    except FileNotFoundError:
        return False
    return bool(dirs or files)


@pytest.mark.django_db
def test_messages_follow_the_language(provider, organization):
    zh = client_for(provider, "zh-hans").post(URL, form(organization, b""), format="multipart")
    en = client_for(provider, "en").post(URL, form(organization, b""), format="multipart")
    assert en.json()["file"] == ["The file is empty."]
    assert zh.json()["file"] == ["文件是空的。"]


@pytest.mark.django_db
def test_over_size_limit_is_413_like_400(settings, provider, organization):
    settings.DOCUMENTS_MAX_UPLOAD_BYTES = 100
    response = client_for(provider, "en").post(URL, form(organization, PDF + b"x" * 200),
                                               format="multipart")
    assert response.status_code == 400
    assert "larger than the limit" in response.json()["file"][0]
    assert not Document.objects.exists()


@pytest.mark.django_db
def test_uploading_for_someone_else_is_refused(storage_kind, provider, stranger, clerk):
    theirs = OrganizationFactory()
    for user in (provider, stranger, clerk):
        response = client_for(user).post(URL, form(theirs), format="multipart")
        # as a number nobody holds (tests/security/test_privacy_probes_ids.py)
        assert response.status_code == 400 and list(response.json()) == ["organization"]
    assert not Document.objects.exists()
    assert not _stored_anything()


@pytest.mark.django_db
def test_anonymous_gets_nothing(organization):
    assert APIClient().get(URL, {"organization": organization.pk}).status_code in (401, 403)


@pytest.mark.django_db
def test_outage_is_503_and_no_row(settings, provider, organization):
    import botocore.config

    server, endpoint = start_s3_server()
    create_bucket(endpoint, "api-outage")
    config = s3_storage_config(endpoint, "api-outage")
    config["OPTIONS"]["client_config"] = botocore.config.Config(
        retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=2, read_timeout=2)
    settings.STORAGES = {**settings.STORAGES, "documents": config}
    server.stop()

    response = client_for(provider, "en").post(URL, form(organization), format="multipart")

    assert response.status_code == 503
    assert "not reachable" in response.json()["detail"]
    assert not Document.objects.exists()


@pytest.mark.django_db
def test_clerk_reviews_and_others_cannot(storage_kind, provider, organization, clerk,
                                         foreign_clerk, django_assert_max_num_queries):
    document_id = client_for(provider).post(URL, form(organization),
                                            format="multipart").json()["id"]

    with django_assert_max_num_queries(10):
        queue = client_for(clerk).get(f"{URL}review-queue/")
    assert [d["id"] for d in queue.json()] == [document_id]
    assert client_for(foreign_clerk).get(f"{URL}review-queue/").json() == []
    assert client_for(foreign_clerk).get(f"{URL}{document_id}/").status_code == 404
    assert client_for(foreign_clerk).get(f"{URL}{document_id}/download/").status_code == 404
    # as a number nobody holds (tests/security/test_privacy_probes_ids.py)
    assert client_for(foreign_clerk).get(URL, {"organization": organization.pk}
                                         ).status_code == 400
    assert client_for(provider).post(f"{URL}{document_id}/verify/").status_code == 403

    clerk_client = client_for(clerk, "en")
    assert clerk_client.get(f"{URL}{document_id}/download/").status_code in (200, 302)
    no_reason = clerk_client.post(f"{URL}{document_id}/reject/", {"reason": " "})
    assert no_reason.status_code == 400
    verified = clerk_client.post(f"{URL}{document_id}/verify/")
    assert verified.status_code == 200 and verified.json()["review_state"] == "verified"
    rejected = clerk_client.post(f"{URL}{document_id}/reject/", {"reason": "伪造"})
    assert rejected.json()["review_state"] == "rejected"
    assert rejected.json()["rejection_reason"] == "伪造"
    again = clerk_client.post(f"{URL}{document_id}/verify/")
    assert again.status_code == 400


@pytest.mark.django_db
def test_checklist_endpoint(provider, organization):
    client = client_for(provider, "en")
    client.post(URL, form(organization), format="multipart")
    response = client.get(f"{URL}checklist/", {"organization": organization.pk,
                                               "within_days": 30})
    assert response.status_code == 200
    body = response.json()
    assert body["is_complete"] is False
    states = {item["document_type"]: item["state"] for item in body["items"]}
    assert states["business_licence"] == "pending" and states["safety_plan"] == "missing"


@pytest.mark.django_db
def test_schema_describes_the_document_endpoints(provider):
    schema = client_for(provider).get("/api/schema/", {"format": "json"}).json()
    assert "/api/v1/documents/" in schema["paths"]
    assert "post" in schema["paths"]["/api/v1/documents/"]
    assert "/api/v1/documents/{id}/download/" in schema["paths"]
    assert "/api/v1/document-types/" in schema["paths"]


@pytest.mark.django_db
def test_body_declared_too_large_is_refused_before_it_is_parsed(settings, provider,
                                                                organization):
    settings.DOCUMENTS_MAX_UPLOAD_BYTES = 1024
    data = form(organization, PDF + b"x" * (200 * 1024))
    del data["document_type"]  # parsing the body would report this; it is never parsed
    response = client_for(provider, "en").post(URL, data, format="multipart")
    assert response.status_code == 400
    assert list(response.json()) == ["file"]
    assert "larger than the limit" in response.json()["file"][0]
