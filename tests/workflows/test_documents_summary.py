"""The documents page's summary: a document valid today that expires within the month is
due for renewal, not missing. The page said 不齐全 of documents the case and the clerk
held complete."""

import datetime

import pytest
from django.utils import timezone

from documents.models import Document
from documents.services import document_upload, document_verify
from tests.workflows.conftest import pdf

pytestmark = pytest.mark.django_db


def _summary(html: str) -> str:
    return html[html.index("的材料</h1>"):html.index("材料清单")]


def insurance_due_in_ten_days(w) -> Document:
    """Every document of the world's organization verified, its insurance renewed once and
    expiring in ten days (the new version, verified)."""
    insurance = next(d for d in w.documents if d.document_type.code == "liability_insurance")
    for document in w.documents:
        if document.pk != insurance.pk:
            document_verify(actor=w.clerk, document=document)
    soon = document_upload(
        actor=w.provider, subject=w.organization, document_type=insurance.document_type,
        file=pdf("insurance.pdf"), filename="insurance.pdf",
        issued_on=timezone.localdate() - datetime.timedelta(days=355),
        expires_on=timezone.localdate() + datetime.timedelta(days=10))
    document_verify(actor=w.clerk, document=soon)
    return soon


def test_a_document_expiring_this_month_is_due_for_renewal_not_missing(world, client):
    w = world
    # given every document verified, the insurance expiring in ten days
    soon = insurance_due_in_ten_days(w)
    client.force_login(w.provider)
    # when the provider opens its documents page
    summary = _summary(client.get(f"/documents/organization/{w.organization.pk}/",
                                  HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode())
    # then complete, with the insurance to renew soon
    assert "不齐全" not in summary and "齐全" in summary
    assert "即将到期" in summary and "责任保险" in summary

    # and once it has expired, incomplete
    Document.objects.filter(pk=soon.pk).update(
        expires_on=timezone.localdate() - datetime.timedelta(days=1))
    summary = _summary(client.get(f"/documents/organization/{w.organization.pk}/",
                                  HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode())
    assert "不齐全" in summary
