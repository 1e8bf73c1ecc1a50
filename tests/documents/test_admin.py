import pytest

from documents.models import DocumentType


@pytest.mark.django_db
def test_catalogue_is_editable_in_the_admin(client, admin_user):
    client.force_login(admin_user)
    assert client.get("/admin/documents/documenttype/").status_code == 200
    response = client.post("/admin/documents/documenttype/add/", {
        "code": "first_aid", "name": "急救证", "name_en": "First-aid certificate",
        "subject": "person", "person_kinds": ["professional", "volunteer"],
        "is_required": "", "expires": "on", "validity_months": "36", "description": "",
        "is_active": "on", "sort_order": "70",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    created = DocumentType.objects.get(code="first_aid")
    assert created.person_kinds == ["professional", "volunteer"]
    assert created.registration_kinds == [] and created.validity_months == 36


@pytest.mark.django_db
def test_catalogue_refuses_kinds_of_the_other_subject(client, admin_user):
    client.force_login(admin_user)
    response = client.post("/admin/documents/documenttype/add/", {
        "code": "odd", "name": "奇怪", "subject": "organization",
        "person_kinds": ["student"], "sort_order": "1",
    })
    assert response.status_code == 200
    assert not DocumentType.objects.filter(code="odd").exists()


@pytest.mark.django_db
def test_documents_cannot_be_edited_or_deleted_in_the_admin(client, admin_user):
    client.force_login(admin_user)
    assert client.get("/admin/documents/document/").status_code == 200
    assert client.get("/admin/documents/document/add/").status_code == 403
