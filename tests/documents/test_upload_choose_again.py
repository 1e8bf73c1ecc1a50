"""A browser cannot be given back the file it sent: every upload form that comes back with an
error says, beside the file, to choose it again (请重新选择文件) — the documents page, the
permit photo, the answer to a notice of intended action (陈述申辩) and its rectification
evidence, and a signed paper of an engagement (which goes back to its page)."""
# the review case's world, fixture ``w``, is imported from its test module
# ruff: noqa: F811

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from documents.models import Document
from tests.after.beat import at
from tests.after.test_review_case import D0, _investigate, _report_incident, w  # noqa: F401
from tests.documents.conftest import PDF, today
from tests.factories import OrganizationFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db
AGAIN = "请重新选择文件"
D = datetime.timedelta


def _not_a_pdf(name="营业执照.pdf"):
    return SimpleUploadedFile(name, b"<html><script>alert(1)</script></html>",
                              content_type="application/pdf")


def _errors_of(html: str, field_id: str) -> str:
    found = re.search(rf'id="{field_id}_errors">(.*?)</ul>', html, flags=re.S)
    assert found, f"no errors beside {field_id}"
    return found.group(1)


def test_the_documents_page_says_to_choose_the_file_again_after_a_refusal(client):
    from registry import services
    from registry.roles import Role

    organization, provider = OrganizationFactory(), UserFactory()
    services.role_grant(actor=None, user=provider, role=Role.PROVIDER, target=organization)
    client.force_login(provider)
    url = reverse("documents:subject", args=["organization", organization.pk])
    # the file itself refused (not a PDF inside)
    refused = client.post(url, {"document_type": "business_licence",
                                "issued_on": today().isoformat(), "file": _not_a_pdf()})
    assert refused.status_code == 400
    page = refused.content.decode()
    assert AGAIN in page
    # another field wrong (no issue date) with a good file: the file is gone all the same
    dateless = client.post(url, {"document_type": "business_licence", "issued_on": "",
                                 "file": SimpleUploadedFile("营业执照.pdf", PDF,
                                                            content_type="application/pdf")})
    assert dateless.status_code == 400
    assert AGAIN in "".join(dateless.context["form"].errors["file"])
    assert AGAIN in dateless.content.decode()
    assert not Document.objects.exists()


def test_the_permit_photo_form_says_to_choose_the_photo_again(client):
    user = UserFactory()
    person = PersonFactory(user=user, organization=None)
    client.force_login(user)
    refused = client.post(f"/registry/portal/people/{person.pk}/photo/", {
        "action": "upload", "consent": "on",
        "photo": SimpleUploadedFile("me.jpg", b"not an image", content_type="image/jpeg")})
    assert refused.status_code == 400
    assert AGAIN in _errors_of(refused.content.decode(), "id_photo")


def test_the_answer_to_a_notice_says_to_choose_the_evidence_again(client, w):
    case = _investigate(client, w, _report_incident(client, w))
    page = reverse("workflows:review-case", args=[case.pk])
    with at(D0 + D(1)):
        client.force_login(w.owner)
        # a good file, but no answer typed: the file is not kept
        refused = client.post(page, {"step": "respond", "text": "", "evidence_files": [
            SimpleUploadedFile("签到表.pdf", PDF, content_type="application/pdf")]})
    assert refused.status_code == 400
    assert AGAIN in _errors_of(refused.content.decode(), "id_evidence_files")


def test_a_refused_signed_paper_says_to_choose_it_again(client, w):
    with at(D0 + D(1)):
        client.force_login(w.owner)
        back = client.post(reverse("documents:engagement-paper-upload",
                                   args=[w.engagement.pk]),
                           {"kind": "agreement", "side": "provider",
                            "file": _not_a_pdf("服务协议.pdf")}, follow=True)
    assert AGAIN in back.content.decode()
