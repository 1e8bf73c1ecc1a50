"""When the PDFs' CJK font is missing on the server, every PDF is refused with a 503 that
says why, in the user's language (web pages and API alike), not a server error; once the
font is back, the next PDF is made."""

import pytest
from django.conf import settings as django_settings

from registry.roles import Role
from registry.services import role_grant
from tests.contracts.conftest import engage
from tests.factories import OrganizationFactory, UserFactory

FONT_GONE = "/nonexistent/wqy-microhei.ttc"


@pytest.mark.django_db
def test_the_school_is_told_why_its_contract_pdf_cannot_be_made(contract, client, settings):
    engagement = engage(contract)
    client.force_login(contract["user"])
    path = f"/registry/engagements/{engagement.pk}/papers/agreement.pdf"
    font = django_settings.REGISTRY_PDF_FONT

    settings.REGISTRY_PDF_FONT = FONT_GONE
    refused = client.get(path, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert refused.status_code == 503
    assert refused["Content-Type"].startswith("text/html")
    assert "中文字体未安装" in refused.content.decode()
    assert refused["Retry-After"] == "300"
    for other in (f"/registry/engagements/{engagement.pk}/papers/safety.pdf",
                  f"/registry/engagements/{engagement.pk}/settlement.pdf"):
        assert client.get(other).status_code == 503, other
    english = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 503
    assert "Chinese font they need is not installed" in english.content.decode()

    settings.REGISTRY_PDF_FONT = font
    made = client.get(path)
    assert made.status_code == 200
    assert made.content.startswith(b"%PDF")


@pytest.mark.django_db
def test_the_provider_is_told_why_its_forms_cannot_be_made(client, settings):
    organization = OrganizationFactory(name="南昌市科技馆")
    provider = UserFactory()
    role_grant(actor=None, user=provider, role=Role.PROVIDER, target=organization)
    client.force_login(provider)
    settings.REGISTRY_PDF_FONT = FONT_GONE

    page = client.get(f"/documents/organization/{organization.pk}/forms/application.pdf",
                      HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 503
    assert "中文字体未安装" in page.content.decode()

    api = client.get(f"/api/v1/generated-forms/organization/{organization.pk}/commitment/",
                     HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert api.status_code == 503
    assert "中文字体未安装" in api.json()["detail"]
    assert api["Retry-After"] == "300"
    english = client.get(
        f"/api/v1/generated-forms/organization/{organization.pk}/commitment/",
        HTTP_ACCEPT_LANGUAGE="en")
    assert "Chinese font they need is not installed" in english.json()["detail"]
