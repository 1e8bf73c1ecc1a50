"""A refused evidence file on the public objection form (异议) loses nothing typed.

The form comes back with the refusal next to the evidence field, what was typed kept, a word
that the files must be chosen again, and a 4xx; nothing is stored.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.workflows.conftest import PDF, pdf

MB = 1024 * 1024
TYPED = {"real_name": "王小明", "contact": "13900000000",
         "reason": "该机构去年在本校多收学生费用，有收据为证"}
CHOOSE_AGAIN = "请重新选择文件"

pytestmark = pytest.mark.usefixtures("empty_cache")


def _stored(root) -> list:
    return sorted(p for p in root.rglob("*") if p.is_file())


def _assert_form_kept(response, *messages):
    page = response.content.decode()
    assert response["Content-Type"].startswith("text/html"), response["Content-Type"]
    form = response.context["form"]
    for field, value in TYPED.items():
        assert form[field].value() == value, field
        assert value in page
    for message in messages:
        assert any(message in error for error in form.errors["evidence"]), form.errors
        assert message in page
    assert CHOOSE_AGAIN in page


@pytest.mark.django_db
def test_a_file_of_a_refused_type_redisplays_the_form_with_everything_typed(
        notice, _private_document_storage):
    from workflows.models import Objection

    before = _stored(_private_document_storage)
    fake = SimpleUploadedFile("证据.pdf", b"MZ\x90\x00" + b"\x00" * 200, "application/pdf")
    response = Client().post(f"/selection/notices/{notice.pk}/object/",
                             {**TYPED, "evidence": [pdf("收据.pdf"), fake]})
    assert response.status_code == 400
    _assert_form_kept(response, "只接受 PDF、JPEG 和 PNG 文件")
    assert not Objection.objects.exists()
    assert _stored(_private_document_storage) == before


@pytest.mark.django_db
def test_a_file_too_large_redisplays_the_form_with_everything_typed(
        notice, settings, _private_document_storage):
    from workflows.models import Objection

    settings.OBJECTION_MAX_FILE_BYTES = 1 * MB
    before = _stored(_private_document_storage)
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * (MB + 1), "application/pdf")
    response = Client().post(f"/selection/notices/{notice.pk}/object/",
                             {**TYPED, "evidence": big})
    assert response.status_code == 413
    _assert_form_kept(response, "1 MB")
    assert not Objection.objects.exists()
    assert _stored(_private_document_storage) == before


@pytest.mark.django_db
def test_too_many_files_redisplay_the_form_with_everything_typed(
        notice, settings, _private_document_storage):
    from workflows.models import Objection

    settings.OBJECTION_MAX_FILES = 3
    response = Client().post(f"/selection/notices/{notice.pk}/object/",
                             {**TYPED, "evidence": [pdf(f"{n}.pdf") for n in range(4)]})
    assert response.status_code == 400
    _assert_form_kept(response, "最多 3 个")
    assert not Objection.objects.exists()


@pytest.mark.django_db
def test_in_english_the_refusal_and_the_hint_are_in_english(notice):
    fake = SimpleUploadedFile("a.pdf", b"<html></html>", "application/pdf")
    response = Client().post(f"/selection/notices/{notice.pk}/object/",
                             {**TYPED, "evidence": fake}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Only PDF, JPEG and PNG files are accepted" in page
    assert "choose the files again" in page
    assert TYPED["reason"] in page


@pytest.mark.django_db
def test_files_sent_with_another_mistake_are_asked_for_again(notice):
    """A valid file sent with a missing name: the form says the file must be chosen again."""
    response = Client().post(f"/selection/notices/{notice.pk}/object/",
                             {**TYPED, "real_name": "", "evidence": pdf()})
    assert response.status_code == 400
    assert response.context["form"].errors["real_name"]
    assert CHOOSE_AGAIN in response.content.decode()
    assert TYPED["reason"] in response.content.decode()


@pytest.mark.django_db
def test_the_file_chooser_offers_only_the_accepted_types(notice):
    page = Client().get(f"/selection/notices/{notice.pk}/object/").content.decode()
    assert 'accept="application/pdf,image/jpeg,image/png"' in page
