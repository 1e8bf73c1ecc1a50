import hashlib
import urllib.error
import urllib.parse
import urllib.request

import botocore.config
import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.storage import storages
from django.core.management import CommandError, call_command

from documents import services
from documents.integrity import verify_stored_documents
from documents.models import Document, DocumentDownload, DocumentType
from tests.conftest import create_bucket, s3_storage_config, start_s3_server
from tests.documents.conftest import PDF, today, upload


def _upload(actor, subject, content=PDF):
    return services.document_upload(
        actor=actor, subject=subject, document_type=DocumentType.objects.get(code="safety_plan"),
        file=upload(content), filename="安全预案.pdf", issued_on=today(),
    )


@pytest.mark.django_db
def test_storage_outage_leaves_no_row(settings, provider, organization):
    # given an S3 server of its own, which then goes away
    server, endpoint = start_s3_server()
    create_bucket(endpoint, "outage")
    config = s3_storage_config(endpoint, "outage")
    config["OPTIONS"]["client_config"] = botocore.config.Config(
        retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=2, read_timeout=2)
    settings.STORAGES = {**settings.STORAGES, "documents": config}
    server.stop()

    # when a provider uploads
    with pytest.raises(services.StorageUnavailable) as info:
        _upload(provider, organization)

    # then they are told, and nothing was recorded
    assert "材料存储服务暂时无法访问" in str(info.value)  # zh-hans, the default
    assert not Document.objects.exists()


@pytest.mark.django_db
def test_large_upload_goes_to_s3_in_parts(s3_document_storage, settings, provider, organization):
    big = PDF + b"0" * (9 * 1024 * 1024)  # above boto3's 8 MB multipart threshold
    settings.DOCUMENTS_MAX_UPLOAD_BYTES = 20 * 1024 * 1024
    document = _upload(provider, organization, big)
    storage = storages["documents"]
    head = storage.connection.meta.client.head_object(
        Bucket=s3_document_storage["bucket"], Key=document.storage_key)
    # A multipart object's ETag ends in -<number of parts>.
    assert head["ETag"].strip('"').endswith("-2")
    assert head["ContentLength"] == len(big)
    assert head.get("ServerSideEncryption") == "AES256"
    assert document.sha256 == hashlib.sha256(big).hexdigest()


@pytest.mark.django_db
def test_presigned_download_is_short_lived_and_logged(s3_document_storage, provider, clerk,
                                                      stranger, organization):
    document = _upload(provider, organization)

    ticket = services.document_download(actor=clerk, document=document)

    query = urllib.parse.parse_qs(urllib.parse.urlsplit(ticket.url).query)
    assert int(query["X-Amz-Expires"][0]) <= 300
    assert query["response-content-disposition"][0].startswith("attachment;")
    with urllib.request.urlopen(ticket.url) as response:  # noqa: S310 (loopback test server)
        assert response.read() == PDF
    assert DocumentDownload.objects.filter(document=document, user=clerk, via="presigned").exists()
    # The object itself is private: without a signature it is refused.
    plain = ticket.url.split("?")[0]
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(plain)  # noqa: S310
    with pytest.raises(PermissionDenied):
        services.document_download(actor=stranger, document=document)
    assert DocumentDownload.objects.count() == 1


@pytest.mark.django_db
def test_verify_documents_detects_tampering_and_loss(storage_kind, provider, organization):
    good = _upload(provider, organization)
    tampered = services.document_upload(
        actor=provider, subject=organization,
        document_type=DocumentType.objects.get(code="fee_schedule"),
        file=upload(), filename="fees.pdf", issued_on=today())
    lost = services.document_upload(
        actor=provider, subject=organization,
        document_type=DocumentType.objects.get(code="venue_proof"),
        file=upload(), filename="venue.pdf", issued_on=today())
    storage = storages["documents"]
    call_command("verify_documents")  # all intact: no error

    # someone changes one stored object behind the registry's back, and removes another
    storage.delete(tampered.storage_key)
    from django.core.files.base import ContentFile

    assert storage.save(tampered.storage_key, ContentFile(PDF + b"forged")) == \
        tampered.storage_key
    storage.delete(lost.storage_key)

    checked, problems = verify_stored_documents()
    assert checked == 3
    assert {(p.document_id, p.problem) for p in problems} == {
        (tampered.pk, "mismatch"), (lost.pk, "missing")}
    assert good.pk not in {p.document_id for p in problems}
    with pytest.raises(CommandError, match="2 of 3"):
        call_command("verify_documents")

    from documents.tasks import verify_documents

    assert sorted(verify_documents.apply().get()["problems"]) == sorted([tampered.pk, lost.pk])
