"""The application form and the commitment letter: generated as PDFs from what
the provider entered, for its own providers only, and accepted back as uploads."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from documents import services
from documents.models import DocumentType
from registry import services as registry_services
from registry.roles import Role
from tests.factories import OfferingFactory, OrganizationFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_provider_downloads_its_forms_and_uploads_them_signed(client):
    organization = OrganizationFactory(name="南昌市科技馆")
    OfferingFactory(organization=organization, title="少儿天文观测")
    provider = UserFactory()
    registry_services.role_grant(actor=None, user=provider, role=Role.PROVIDER,
                                 target=organization)
    client.force_login(provider)
    for form in ("application", "commitment"):
        response = client.get(f"/documents/organization/{organization.pk}/forms/{form}.pdf")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        body = response.content
        assert body.startswith(b"%PDF") and b"WenQuanYiMicroHei" in body  # CJK font embedded
        # the signed scan goes back through the real upload checks
        document = services.document_upload(
            actor=provider, subject=organization,
            document_type=DocumentType.objects.get(code=f"{form}_form" if form ==
                                                   "application" else "commitment_letter"),
            file=SimpleUploadedFile(f"{form}.pdf", body, "application/pdf"),
            filename=f"{form}.pdf", issued_on=timezone.localdate())
        assert document.pk
    # the same through the API
    response = client.get(f"/api/v1/generated-forms/organization/{organization.pk}/commitment/")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_a_person_gets_their_forms_and_nobody_else_does(client):
    person = PersonFactory(name="周九")
    owner = UserFactory()
    person.user = owner
    person.save(update_fields=["user"])
    registry_services.role_grant(actor=None, user=owner, role=Role.PROVIDER, target=person)
    client.force_login(owner)
    response = client.get(f"/documents/person/{person.pk}/forms/application.pdf")
    assert response.status_code == 200
    assert person.id_number.encode() not in response.content  # masked only
    client.force_login(UserFactory())
    # not found, as a number nobody holds, on the page as through the API
    # (tests/security/test_privacy_probes_ids.py, test_privacy_probes_ids_web.py)
    assert client.get(f"/documents/person/{person.pk}/forms/application.pdf").status_code == 404
    assert client.get(
        f"/api/v1/generated-forms/person/{person.pk}/application/").status_code == 404
    assert client.get(f"/documents/person/{person.pk}/forms/other.pdf").status_code == 404
