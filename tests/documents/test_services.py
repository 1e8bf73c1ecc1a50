import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import storages

from documents import services
from documents.models import Document, DocumentType
from registry.models import AuditEvent
from tests.documents.conftest import JPEG, PDF, PNG, today, upload
from tests.factories import PersonFactory


def _upload(actor, subject, code="business_licence", **kwargs):
    params = {"file": upload(), "filename": "licence.pdf", "issued_on": today()}
    params.update(kwargs)
    return services.document_upload(actor=actor, subject=subject,
                                     document_type=DocumentType.objects.get(code=code), **params)


@pytest.mark.django_db
def test_upload_stores_bytes_hash_and_audit(storage_kind, provider, organization):
    document = _upload(provider, organization, file=upload(PDF),
                       issued_on=datetime.date(2026, 1, 5), expires_on=datetime.date(2036, 1, 4))

    document.refresh_from_db()
    assert document.organization == organization and document.person is None
    assert document.size == len(PDF)
    import hashlib
    assert document.sha256 == hashlib.sha256(PDF).hexdigest()
    assert document.content_type == "application/pdf"
    assert document.review_state == "pending" and document.uploaded_by == provider
    assert document.storage_key.startswith("documents/") and document.storage_key.endswith(".pdf")
    assert organization.name not in document.storage_key and organization.uscc not in \
        document.storage_key
    with storages["documents"].open(document.storage_key, "rb") as handle:
        assert handle.read() == PDF
    event = AuditEvent.objects.for_object(document).get()
    assert event.action == "document.upload" and event.data["sha256"] == document.sha256


@pytest.mark.django_db
def test_new_upload_supersedes_and_keeps_history(storage_kind, provider, organization):
    first = _upload(provider, organization, file=upload(PDF))
    second = _upload(provider, organization, file=upload(PNG, "scan.png", "image/png"),
                     filename="scan.png")

    first.refresh_from_db()
    assert first.superseded_at is not None and first.superseded_by == second
    assert second.is_current and second.content_type == "image/png"
    assert Document.objects.filter(organization=organization).count() == 2
    # The old bytes stay where they were.
    assert storages["documents"].exists(first.storage_key)
    assert AuditEvent.objects.for_object(first).filter(action="document.supersede").exists()


@pytest.mark.django_db
def test_default_validity_from_catalogue(provider, organization, person):
    document = _upload(provider, person, code="health_certificate",
                       issued_on=datetime.date(2026, 3, 1))
    assert document.expires_on == datetime.date(2027, 2, 28)


@pytest.mark.django_db
def test_employer_provider_uploads_for_its_staff_but_not_others(provider, person):
    assert _upload(provider, person, code="id_card").person == person
    with pytest.raises(PermissionDenied):
        _upload(provider, PersonFactory(), code="id_card")


def _refused(actor, subject, exc=ValidationError, **kwargs):
    before = set(_all_keys())
    with pytest.raises(exc) as info:
        _upload(actor, subject, **kwargs)
    assert not Document.objects.exists()
    assert set(_all_keys()) == before
    return info.value


def _all_keys():
    storage = storages["documents"]
    found, stack = [], [""]
    while stack:
        prefix = stack.pop()
        try:
            dirs, files = storage.listdir(prefix)
        except FileNotFoundError:
            continue
        found += [f"{prefix}{f}" for f in files]
        stack += [f"{prefix}{d}/" for d in dirs]
    return found


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64
HTML = b"<!DOCTYPE html><html><script>alert(1)</script></html>"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kwargs", "field", "code"),
    [
        ({"file": upload(b"")}, "file", "empty"),
        ({"file": upload(EXE, "setup.pdf")}, "file", "type_not_allowed"),
        ({"file": upload(HTML, "page.pdf")}, "file", "type_not_allowed"),
        ({"file": upload(b"just some text, not a document")}, "file", "type_not_allowed"),
        ({"file": upload(PNG, "x.pdf", "image/png"), "declared_content_type": "application/pdf"},
         "file", "declared_type_mismatch"),
        ({"filename": "../../etc/passwd.pdf"}, "filename", "filename_path"),
        ({"filename": "a\\..\\b.pdf"}, "filename", "filename_path"),
        ({"filename": "licence\x00.pdf"}, "filename", "filename_control"),
        ({"filename": "licence\n.pdf"}, "filename", "filename_control"),
        ({"filename": "x" * 296 + ".pdf"}, "filename", "filename_too_long"),
        ({"issued_on": datetime.date(2026, 5, 1), "expires_on": datetime.date(2026, 4, 30)},
         "expires_on", "expiry_before_issue"),
        ({"code": "nonprofit_registration"}, "document_type", "type_not_applicable"),
        ({"code": "health_certificate"}, "document_type", "type_not_applicable"),
    ],
    ids=["empty", "exe-as-pdf", "html-as-pdf", "unknown-bytes", "lying-type", "traversal",
         "backslash-traversal", "nul", "newline", "300-chars", "expiry-before-issue",
         "nonprofit-type-for-company", "person-type-for-organization"],
)
def test_bad_input_refused_without_row_or_object(storage_kind, provider, organization, kwargs,
                                                 field, code):
    error = _refused(provider, organization, **kwargs)
    assert field in error.message_dict
    assert code in [e.code for e in error.error_dict[field]]


@pytest.mark.django_db
def test_over_size_limit_refused(storage_kind, settings, provider, organization):
    settings.DOCUMENTS_MAX_UPLOAD_BYTES = 1024
    error = _refused(provider, organization, file=upload(PDF + b"0" * 2000))
    assert "file" in error.message_dict


@pytest.mark.django_db
def test_allowed_types_are_a_setting(settings, provider, organization):
    settings.DOCUMENTS_ALLOWED_TYPES = ["application/pdf"]
    _refused(provider, organization, file=upload(JPEG, "photo.jpg", "image/jpeg"),
             filename="photo.jpg")


@pytest.mark.django_db
def test_someone_elses_organization_refused(storage_kind, stranger, clerk, organization):
    _refused(stranger, organization, exc=PermissionDenied)
    # A clerk reviews documents but never uploads them on a provider's behalf.
    _refused(clerk, organization, exc=PermissionDenied)


@pytest.mark.django_db
def test_unknown_subject_refused(provider):
    from registry.models import Organization

    error = _refused(provider, Organization(name="ghost"))
    assert "subject" in error.message_dict


@pytest.mark.django_db
def test_verify_and_reject_by_clerk_of_jurisdiction(provider, organization, clerk,
                                                     foreign_clerk):
    document = _upload(provider, organization)
    with pytest.raises(PermissionDenied):
        services.document_verify(actor=foreign_clerk, document=document)
    with pytest.raises(PermissionDenied):
        services.document_verify(actor=provider, document=document)

    services.document_verify(actor=clerk, document=document)
    assert document.review_state == "verified" and document.reviewed_by == clerk

    with pytest.raises(ValidationError):
        services.document_reject(actor=clerk, document=document, reason="  ")
    services.document_reject(actor=clerk, document=document, reason="印章不清晰")
    document.refresh_from_db()
    assert document.review_state == "rejected" and document.rejection_reason == "印章不清晰"
    assert list(AuditEvent.objects.for_object(document).values_list("action", flat=True)) == [
        "document.reject", "document.verify", "document.upload"]
    with pytest.raises(ValidationError):
        services.document_verify(actor=clerk, document=document)


@pytest.mark.django_db
def test_review_of_many_documents_is_one_action_all_or_nothing(
        provider, organization, clerk, foreign_clerk, django_assert_max_num_queries):
    """A clerk's verdicts on a case's documents: a fixed number of queries whatever their
    number, one audit event per document, and no document changed if one verdict fails."""
    codes = ["business_licence", "operating_licence", "safety_plan", "liability_insurance"]
    documents = [_upload(provider, organization, code=code) for code in codes]
    verdicts = {d.pk: "verify" for d in documents}
    verdicts[documents[-1].pk] = ("reject", "过期")

    with pytest.raises(PermissionDenied):
        services.documents_review(actor=foreign_clerk, subject=organization, decisions=verdicts)
    # an unknown verdict on the last one: nothing at all is changed or audited
    with pytest.raises(ValidationError):
        services.documents_review(actor=clerk, subject=organization,
                                  decisions={**verdicts, documents[-1].pk: "maybe"})
    # someone else's document among them: refused as a whole
    other = _upload(provider, PersonFactory(organization=organization), code="id_card")
    with pytest.raises(ValidationError):
        services.documents_review(actor=clerk, subject=organization,
                                  decisions={**verdicts, other.pk: "verify"})
    assert not Document.objects.filter(pk__in=verdicts).exclude(review_state="pending").exists()
    assert not AuditEvent.objects.filter(action__in=["document.verify", "document.reject"]
                                         ).exists()

    with django_assert_max_num_queries(12):
        reviewed = services.documents_review(actor=clerk, subject=organization,
                                             decisions=verdicts)
    assert {d.pk: d.review_state for d in reviewed} == {
        pk: ("rejected" if isinstance(v, tuple) else "verified") for pk, v in verdicts.items()}
    rejected = Document.objects.get(pk=documents[-1].pk)
    assert rejected.rejection_reason == "过期" and rejected.reviewed_by == clerk
    for document in documents:
        assert AuditEvent.objects.for_object(document).filter(
            action__in=["document.verify", "document.reject"]).count() == 1


@pytest.mark.django_db
def test_superseded_version_cannot_be_reviewed(provider, organization, clerk):
    old = _upload(provider, organization)
    _upload(provider, organization)
    old.refresh_from_db()
    with pytest.raises(ValidationError):
        services.document_verify(actor=clerk, document=old)
