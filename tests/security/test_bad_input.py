"""Hostile and broken input: refused with a 4xx and a message, or stored safely escaped.

Never a 500, and a refused upload leaves no row and no stored object.
"""

import io
import json
import zipfile
import zlib

import pytest
from django.core.files.storage import storages
from django.test import Client
from rest_framework.test import APIClient

from documents.models import Document
from tests.samples import image_bytes
from tests.security import upload_corpus
from tests.workflows.conftest import PDF

URL = "/api/v1/documents/"


def png(width, height):
    """A PNG whose header (checksums right) claims ``width`` × ``height``."""
    return upload_corpus._png_raw(width, height, zlib.compress(b"\x00" * 64))


def jpeg(width, height):
    """A real small JPEG whose frame header claims ``width`` × ``height``."""
    return upload_corpus._with_jpeg_size(image_bytes("JPEG", (16, 16)), width, height)


def zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb.txt", b"0" * 5_000_000)
    return buffer.getvalue()


def pdf_with(body: bytes) -> bytes:
    return b"%PDF-1.7\n" + body + b"\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


# (kind, content, file name, declared type) → refused, with the field named in the answer
HOSTILE_UPLOADS = [
    ("empty file", b"", "a.pdf", "application/pdf"),
    ("Windows executable renamed .pdf", b"MZ\x90\x00" + b"\x00" * 200, "scan.pdf",
     "application/pdf"),
    ("ELF binary", b"\x7fELF\x02\x01\x01" + b"\x00" * 200, "scan.pdf", "application/pdf"),
    ("HTML page renamed .pdf", b"<html><script>alert(1)</script></html>", "a.pdf",
     "application/pdf"),
    ("SVG with script", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script>'
     b"</svg>", "a.png", "image/png"),
    ("zip bomb renamed .pdf", zip_bomb(), "bomb.pdf", "application/pdf"),
    ("PDF with JavaScript", pdf_with(b"1 0 obj << /Type /Catalog /OpenAction << /S "
                                     b"/JavaScript /JS (app.alert(1)) >> >> endobj"),
     "js.pdf", "application/pdf"),
    ("PDF with hex-escaped JavaScript name", pdf_with(b"1 0 obj << /S /J#61vaScript "
                                                      b"/JS (x) >> endobj"),
     "js2.pdf", "application/pdf"),
    ("PDF with a launch action", pdf_with(b"1 0 obj << /S /Launch /F (cmd.exe) >> endobj"),
     "launch.pdf", "application/pdf"),
    ("PDF with an embedded file", pdf_with(b"1 0 obj << /EmbeddedFiles 2 0 R >> endobj"),
     "embed.pdf", "application/pdf"),
    ("PDF/HTML polyglot", pdf_with(b"<html><body onload=alert(1)><script>x</script>"),
     "poly.pdf", "application/pdf"),
    ("PDF/ZIP polyglot", PDF + zip_bomb(), "poly2.pdf", "application/pdf"),
    ("JPEG/HTML polyglot", jpeg(10, 10) + b"<script>alert(document.cookie)</script>",
     "poly.jpg", "image/jpeg"),
    ("PNG with huge dimensions", png(100_000, 100_000), "huge.png", "image/png"),
    ("JPEG with huge dimensions", jpeg(65_000, 65_000), "huge.jpg", "image/jpeg"),
    ("declared type contradicting the bytes", PDF, "a.png", "image/png"),
    ("PDF header not at the start", b"junk" + PDF, "a.pdf", "application/pdf"),
    ("name with a right-to-left override", PDF, "invoice\u202efdp.exe", "application/pdf"),
    ("name with a zero-width space", PDF, "scan\u200b.pdf", "application/pdf"),
    ("name with a path", PDF, "../../etc/passwd.pdf", "application/pdf"),
    ("name with a Windows path", PDF, "..\\..\\boot.pdf", "application/pdf"),
    ("name with a NUL", PDF, "scan.pdf\x00.exe", "application/pdf"),
    ("name with a newline (header injection)", PDF, "a.pdf\r\nX-Evil: 1",
     "application/pdf"),
    ("name 300 characters long", PDF, "资" * 300 + ".pdf", "application/pdf"),
]


def _stored_objects() -> bool:
    storage = storages["documents"]
    try:
        dirs, files = storage.listdir("documents/")
    except FileNotFoundError:
        return False
    return bool(dirs or files)


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "content", "name", "declared"), HOSTILE_UPLOADS,
                         ids=[k[0] for k in HOSTILE_UPLOADS])
def test_hostile_uploads_are_refused_with_a_message_and_nothing_stored(
        world, kind, content, name, declared):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = APIClient()
    client.force_authenticate(world.provider)
    before = Document.objects.count()
    response = client.post(URL, {
        "organization": world.organization.pk, "document_type": "safety_plan",
        "file": SimpleUploadedFile("upload.bin", content, content_type=declared),
        "filename": name, "issued_on": "2026-01-05"}, format="multipart",
        HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert 400 <= response.status_code < 500, (kind, response.status_code, response.content)
    body = response.json()
    assert body and any(body.values()), kind  # a message, naming the field
    assert Document.objects.count() == before
    assert not _stored_objects() or Document.objects.count() == before


@pytest.mark.django_db
def test_at_least_twenty_kinds_of_hostile_upload():
    assert len({k[0] for k in HOSTILE_UPLOADS}) >= 20


@pytest.mark.django_db
def test_a_clean_pdf_and_a_reasonable_image_are_still_accepted(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = APIClient()
    client.force_authenticate(world.provider)
    for content, name, declared in [
            (PDF, "ok.pdf", "application/pdf"),
            (image_bytes("PNG", (2480, 3508), (255, 255, 255)), "a4.png", "image/png"),
            (image_bytes("JPEG", (4000, 3000), quality=80), "photo.jpg", "image/jpeg")]:
        response = client.post(URL, {
            "organization": world.organization.pk, "document_type": "safety_plan",
            "file": SimpleUploadedFile(name, content, content_type=declared),
            "issued_on": "2026-01-05"}, format="multipart")
        assert response.status_code == 201, (name, response.content)


# --- hostile form and API input -----------------------------------------------------------

INJECTIONS = [
    "'; DROP TABLE registry_organization; --",
    "\" OR 1=1 --",
    "<script>alert('x')</script>",
    "<img src=x onerror=alert(1)>",
    "{{ settings.SECRET_KEY }}",
    "%(password)s",
    "\u202e\u200b\ufeff",
    "𠀀" * 50,
]


@pytest.mark.django_db
@pytest.mark.parametrize("text", INJECTIONS)
def test_injection_strings_in_an_objection_are_stored_as_text_and_shown_escaped(world, text):
    from tests.security.conftest import _drive_to_notice
    from workflows.models import Objection
    from workflows.services.selection import selection_apply

    w = world
    w.users = {"clerk": w.clerk, "approver": w.approver}
    case = _drive_to_notice(w, selection_apply(actor=w.provider, organization=w.organization,
                                               bureau=w.bureau, offerings=[w.offering]))
    response = APIClient().post(f"/api/v1/notices/{case.pk}/objections/", {
        "real_name": text[:64], "contact": "13900000000", "reason": text}, format="json")
    if response.status_code == 400:  # nothing visible left: refused, with the reason
        assert response.json()["reason"]
        return
    assert response.status_code == 201, response.content
    stored = Objection.objects.get(pk=response.json()["id"])
    assert stored.reason == text  # stored verbatim, as text
    client = Client()
    client.force_login(w.clerk)
    page = client.get(f"/organizationselection/{case.pk}/").content.decode()
    assert "<script>alert('x')</script>" not in page and "<img src=x onerror" not in page


@pytest.mark.django_db
@pytest.mark.parametrize(("body", "content_type"), [
    ({"real_name": "王" * 10_000, "contact": "1", "reason": "x"}, "json"),  # oversized
    ({"real_name": ["a"], "contact": {"x": 1}, "reason": 12}, "json"),  # wrong types
    ({"real_name": None, "contact": None, "reason": None}, "json"),
    ("{" * 5000 + "}" * 5000, "raw"),  # deep JSON
    ("[" * 100_000, "raw"),  # deeper, and broken
    ("\xff\xfe not json", "raw"),
    ("", "raw"),
])
def test_broken_and_hostile_json_is_a_4xx_with_a_message(world, body, content_type):
    client = APIClient()
    client.force_authenticate(world.provider)
    path = "/api/v1/cases/"
    if content_type == "json":
        response = client.post(path, body, format="json")
    else:
        response = client.generic("POST", path, body.encode("utf-8", "surrogatepass")
                                  if isinstance(body, str) else body,
                                  content_type="application/json")
    assert 400 <= response.status_code < 500, response.status_code
    assert response.json()


@pytest.mark.django_db
@pytest.mark.parametrize("query", [
    {"keyword": "' OR 1=1 --"}, {"keyword": "<script>"}, {"keyword": "x" * 10_000},
    {"page": "-1"}, {"page": "9" * 40}, {"grade": "abc"}, {"max_fee": "1e309"},
    {"school": "1; DROP TABLE x"}, {"category": "\x00"},
])
def test_hostile_search_parameters_are_a_4xx_or_an_empty_page(world, query):
    from registry import services as registry_services
    from registry.roles import Role
    from tests.factories import SchoolFactory, UserFactory

    user = UserFactory()
    registry_services.role_grant(actor=None, user=user, role=Role.SCHOOL,
                                 target=SchoolFactory())
    client = APIClient()
    client.force_authenticate(user)
    response = client.get("/api/v1/search/organizations/", query)
    assert response.status_code < 500
    if response.status_code >= 400:
        assert response.json()
    else:
        assert json.loads(response.content)["count"] == 0
