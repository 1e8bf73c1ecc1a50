"""Uploads of one type for one subject at the same moment supersede one after the other."""

import threading

import pytest
from django.conf import settings
from django.db import connection, connections

from documents import services
from documents.models import Document, DocumentType
from registry.models import Bureau
from tests.documents.conftest import today, upload

# Decided at collection: a transactional test empties the tables when it ends, so
# it must not even start where it would only skip.
pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="needs PostgreSQL: set DATABASE_URL=postgres://… (CI does)",
)


@pytest.fixture(scope="module", autouse=True)
def _reference_data_back_for_later_tests(django_db_blocker):
    """The flush after a transactional test also removes the reference data that
    migrations load (jurisdictions, bureaus, document types); later transactional
    tests of other apps expect it, so put it back once this module is done."""
    yield
    with django_db_blocker.unblock():
        contents = getattr(connection, "_test_serialized_contents", None)
        if contents and not Bureau.objects.exists():
            connection.creation.deserialize_db_from_string(contents)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_uploads_leave_one_current_version_and_a_linear_history(provider,
                                                                           organization):
    kind = DocumentType.objects.get(code="safety_plan")
    count = 8
    barrier, results = threading.Barrier(count), []

    def send(n):
        try:
            barrier.wait()
            services.document_upload(actor=provider, subject=organization, document_type=kind,
                                     file=upload(), filename=f"plan-{n}.pdf",
                                     issued_on=today())
            results.append("ok")
        except Exception as exc:  # noqa: BLE001 - recorded and asserted below
            results.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert results == ["ok"] * count, results
    documents = list(Document.objects.filter(organization=organization))
    assert len(documents) == count
    current = [d for d in documents if d.superseded_at is None]
    assert len(current) == 1
    # Every other version is superseded by exactly one distinct later version.
    successors = [d.superseded_by_id for d in documents if d.superseded_at is not None]
    assert len(set(successors)) == count - 1 and None not in successors
