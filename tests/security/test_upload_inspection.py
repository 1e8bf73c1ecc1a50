"""Uploads opened by a real PDF parser (qpdf, through pikepdf) and image decoder (Pillow).

Every hostile file of the corpus is refused through the real upload endpoints with a 4xx
and the message of its refusal, in the reader's language, and leaves nothing behind: no
row, no stored object, no temporary file. Every ordinary one is accepted, including scans
whose compressed image data happens to hold the bytes ``/JS`` or ``<html>``.
"""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.test import APIClient

from documents.models import Document
from registry import services as registry_services
from registry.roles import Role
from tests.factories import OrganizationFactory, UserFactory
from tests.security.upload_corpus import HOSTILE, ORDINARY, build

URL = "/api/v1/documents/"


@pytest.fixture
def organization(db):
    return OrganizationFactory()


@pytest.fixture
def provider(db, organization):
    user = UserFactory()
    registry_services.role_grant(actor=None, user=user, role=Role.PROVIDER, target=organization)
    return user


@pytest.fixture
def spool_dir(settings, tmp_path):
    """Where Django spools uploads over FILE_UPLOAD_MAX_MEMORY_SIZE: watched for orphans."""
    path = tmp_path / "spool"
    path.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(path)
    return path


def _api_upload(user, organization, name, language="zh-hans"):
    _builder, filename, declared, *_code = (HOSTILE.get(name) or ORDINARY[name])
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.force_authenticate(user)
    return client.post(URL, {
        "organization": organization.pk, "document_type": "safety_plan",
        "file": SimpleUploadedFile(filename, build(name), content_type=declared),
        "issued_on": timezone.localdate().isoformat()}, format="multipart")


def _expected(code: str, language: str) -> list[str]:
    from documents.inspection import refusal

    with translation.override(language):
        return [str(m) for m in refusal(code).message_dict["file"]]


def _files_under(path) -> list:
    return [p for p in path.rglob("*") if p.is_file()]


def test_the_corpus_is_large_enough():
    assert len(HOSTILE) >= 30 and len(ORDINARY) >= 20
    assert len({code for *_rest, code in HOSTILE.values()}) >= 10


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_file_refused_through_the_api_and_nothing_kept(
        name, provider, organization, spool_dir, _private_document_storage):
    response = _api_upload(provider, organization, name)

    assert response.status_code == 400, (name, response.status_code, response.content[:300])
    assert not Document.objects.exists()
    assert _files_under(_private_document_storage) == []
    assert _files_under(spool_dir) == []
    assert response.json()["file"] == _expected(HOSTILE[name][3], "zh-hans")


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_file_refused_by_the_upload_page_in_english(
        name, client, provider, organization, spool_dir, _private_document_storage):
    _builder, filename, declared, code = HOSTILE[name]
    client.force_login(provider)
    response = client.post(
        reverse("documents:subject", args=["organization", organization.pk]),
        {"document_type": "safety_plan", "issued_on": timezone.localdate().isoformat(),
         "file": SimpleUploadedFile(filename, build(name), content_type=declared)},
        HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400, name
    assert not Document.objects.exists()
    assert _files_under(_private_document_storage) == []
    assert _files_under(spool_dir) == []
    page = response.content.decode()
    for message in _expected(code, "en"):
        assert _html_escaped(message) in page, (name, message)


def _html_escaped(text: str) -> str:
    from django.utils.html import escape

    return escape(text)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(ORDINARY))
def test_ordinary_file_accepted_through_the_api(name, provider, organization, spool_dir,
                                                _private_document_storage):
    response = _api_upload(provider, organization, name)

    assert response.status_code == 201, (name, response.content[:300])
    document = Document.objects.get()
    assert document.size == len(build(name))
    stored = _files_under(_private_document_storage)
    assert len(stored) == 1 and stored[0].read_bytes() == build(name)
    assert _files_under(spool_dir) == []


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["pdf-javascript-in-object-stream", "jpeg-bomb-sof-behind-"
                                  "comments", "pdf-large-javascript-spooled"])
def test_nothing_reaches_s3_for_a_refused_upload(name, provider, organization,
                                                s3_document_storage):
    import boto3

    response = _api_upload(provider, organization, name, language="en")

    assert response.status_code == 400
    assert not Document.objects.exists()
    listing = boto3.client("s3", endpoint_url=s3_document_storage["endpoint_url"],
                           aws_access_key_id="testing", aws_secret_access_key="testing",
                           region_name="us-east-1").list_objects_v2(
        Bucket=s3_document_storage["bucket"])
    assert listing.get("KeyCount", 0) == 0


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_inspection_names_the_refusal(name, settings):
    from django.core.exceptions import ValidationError

    from documents.services import inspect_upload

    _builder, filename, declared, code = HOSTILE[name]
    with pytest.raises(ValidationError) as refused:
        inspect_upload(SimpleUploadedFile(filename, build(name), content_type=declared),
                       max_bytes=settings.DOCUMENTS_MAX_UPLOAD_BYTES,
                       allowed=list(settings.DOCUMENTS_ALLOWED_TYPES))
    assert [e.code for e in refused.value.error_dict["file"]] == [code]


def test_a_pdf_of_too_many_objects_is_refused_before_it_is_walked(settings, monkeypatch):
    from django.core.exceptions import ValidationError

    from documents import inspection
    from documents.services import inspect_upload

    content = build("pdf-with-links")  # a dozen objects
    monkeypatch.setattr(inspection, "MAX_PDF_OBJECTS", 5)
    with pytest.raises(ValidationError) as refused:
        inspect_upload(SimpleUploadedFile("a.pdf", content, "application/pdf"),
                       max_bytes=settings.DOCUMENTS_MAX_UPLOAD_BYTES,
                       allowed=list(settings.DOCUMENTS_ALLOWED_TYPES))
    assert [e.code for e in refused.value.error_dict["file"]] == ["pdf_too_complex"]


def test_every_refusal_is_translated():
    from documents.inspection import REFUSAL_CODES

    for code in REFUSAL_CODES:
        english, chinese = _expected(code, "en"), _expected(code, "zh-hans")
        assert english != chinese, code
        assert all(any("\u4e00" <= ch <= "\u9fff" for ch in m) for m in chinese), code


def test_the_inspected_file_can_be_read_again_from_the_start(settings):
    from documents.services import inspect_upload

    upload = SimpleUploadedFile("scan.pdf", build("scan-pdf-1mb-noise"), "application/pdf")
    inspect_upload(upload, max_bytes=settings.DOCUMENTS_MAX_UPLOAD_BYTES,
                   allowed=list(settings.DOCUMENTS_ALLOWED_TYPES))
    assert not upload.closed
    assert b"".join(upload.chunks()) == build("scan-pdf-1mb-noise")


# --- previews: EXIF orientation respected ---------------------------------------------

@pytest.mark.django_db
def test_image_preview_is_scaled_and_turned_upright(provider, organization):
    from PIL import Image

    from documents.previews import image_preview
    from documents.services import document_upload

    photo = build("jpeg-phone-photo-exif-6")  # stored 1600 × 1200, shown 1200 × 1600
    document = document_upload(
        actor=provider, subject=organization, document_type="safety_plan",
        file=SimpleUploadedFile("IMG_0001.jpg", photo, "image/jpeg"), filename="IMG_0001.jpg",
        issued_on=timezone.localdate())

    preview = Image.open(io.BytesIO(image_preview(document, 400)))

    assert preview.format == "JPEG"
    assert preview.size == (300, 400)  # upright: taller than wide, longest side 400
    assert preview.getexif().get(0x0112) in (None, 1)


@pytest.mark.django_db
def test_png_preview_stays_png_and_pdf_has_none(provider, organization):
    from PIL import Image

    from documents.previews import image_preview
    from documents.services import document_upload

    def stored(name, filename, declared):
        return document_upload(
            actor=provider, subject=organization, document_type="safety_plan",
            file=SimpleUploadedFile(filename, build(name), declared), filename=filename,
            issued_on=timezone.localdate())

    png = Image.open(io.BytesIO(image_preview(stored("png-noise-rgba", "a.png", "image/png"),
                                              200)))
    assert png.format == "PNG" and png.size == (200, 160) and png.mode == "RGBA"
    assert image_preview(stored("pdf-with-links", "a.pdf", "application/pdf"), 200) is None


# --- the markup scanner on its own ------------------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be",
                                      "utf-32", "utf-32-le", "utf-32-be"])
def test_markup_is_found_in_every_encoding_across_chunk_boundaries(encoding):
    from documents.inspection import MarkupScanner

    markup = "<svg/onload=alert(1)>".encode(encoding)
    data = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8 + markup + b"\x00\x01"
    start = data.index(markup)
    for cut in range(start - 2, len(data) - 1, 3):  # split the markup everywhere
        scanner = MarkupScanner()
        scanner.feed(data[:cut])
        scanner.feed(data[cut:])
        assert len(scanner.hits) == 1, (encoding, cut)


def test_random_data_holds_no_markup_and_words_alone_are_not_markup():
    import random

    from documents.inspection import MarkupScanner

    scanner = MarkupScanner()
    noise = random.Random(2026).randbytes(8 * 1024 * 1024)
    for at in range(0, len(noise), 64 * 1024):
        scanner.feed(noise[at:at + 64 * 1024])
    scanner.feed(b"<svg width=1> a < b, x > y, <x:xmpmeta xmlns:x='adobe:ns:meta/'> "
                 b"<scripting> html")
    assert scanner.hits == [] and scanner.archive() is None
