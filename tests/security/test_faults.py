"""Faults: the document store, the broker, the database and the mail server going away.

Each one: the user is told clearly, and nothing is lost or half-written.
"""

import botocore.config
import pytest
from django.core import mail
from django.db import DatabaseError, connection, transaction
from rest_framework.test import APIClient

from documents.models import Document, DocumentType
from registry import services as registry_services
from registry.models import Approval, AuditEvent
from tests.conftest import create_bucket, s3_storage_config, start_s3_server
from tests.workflows.conftest import pdf
from workflows.models import Notification
from workflows.services import notifications, selection

# a transactional test's flush removes the reference data: put it back afterwards
pytestmark = pytest.mark.usefixtures("reference_data_back")

UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def _s3_that_goes_away(settings, bucket):
    server, endpoint = start_s3_server()
    create_bucket(endpoint, bucket)
    config = s3_storage_config(endpoint, bucket)
    config["OPTIONS"]["client_config"] = botocore.config.Config(
        retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=2, read_timeout=2)
    settings.STORAGES = {**settings.STORAGES, "documents": config}
    return server


@pytest.mark.django_db
def test_s3_down_during_upload_and_download(settings, world):
    # given a document stored on S3, then the S3 endpoint goes away
    server = _s3_that_goes_away(settings, "faults")
    settings.DOCUMENTS_DOWNLOAD_URL_SECONDS = 60
    client = APIClient()
    client.force_authenticate(world.provider)
    kind = DocumentType.objects.get(code="safety_plan")
    stored = client.post("/api/v1/documents/", {
        "organization": world.organization.pk, "document_type": kind.code,
        "file": pdf("安全预案.pdf"), "issued_on": "2026-01-05"}, format="multipart")
    assert stored.status_code == 201, stored.content
    before = Document.objects.count()
    server.stop()

    # when the provider uploads again: a 503 with a translated message, and no row
    response = client.post("/api/v1/documents/", {
        "organization": world.organization.pk, "document_type": kind.code,
        "file": pdf("安全预案.pdf"), "issued_on": "2026-01-05"}, format="multipart")
    assert response.status_code == 503
    assert "存储" in response.json()["detail"]
    assert Document.objects.count() == before

    # and a download is never a 500: a short-lived signed link (signed offline) or a 503
    download = client.get(f"/api/v1/documents/{stored.json()['id']}/download/")
    assert download.status_code in (200, 302, 503)
    if download.status_code == 503:
        assert "存储" in download.json()["detail"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_broker_down_the_action_commits_and_the_notification_is_sent_later(
        settings, world, monkeypatch):
    from config.celery import app

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    original = app.conf.broker_url
    monkeypatch.setenv("CELERY_BROKER_URL", UNREACHABLE_BROKER)
    app.conf.broker_url = UNREACHABLE_BROKER
    try:
        # when a provider applies while the broker is unreachable
        case = selection.selection_apply(actor=world.provider, organization=world.organization,
                                         bureau=world.bureau, offerings=[world.offering])
    finally:
        app.conf.broker_url = original
    # then the application is recorded, and so are the notifications (the outbox)
    case.refresh_from_db()
    assert AuditEvent.objects.for_object(case).filter(action="case.apply").exists()
    waiting = Notification.objects.filter(emailed_at__isnull=True)
    assert waiting.filter(user=world.clerk).exists()
    assert not mail.outbox

    # when the broker is back, the periodic outbox run sends each one exactly once
    sent = notifications.notifications_send()
    assert sent >= 1
    assert any(world.clerk.email in m.to for m in mail.outbox)
    assert not Notification.objects.filter(user=world.clerk, emailed_at__isnull=True).exists()
    assert notifications.notifications_send() == 0


@pytest.mark.django_db
def test_email_backend_failing_keeps_the_notification_for_the_next_run(settings, world):
    settings.EMAIL_BACKEND = "tests.workflows.failing_email.Backend"
    [note] = notifications.notify(users=[world.clerk], subject="新申请待审核", body="请处理")
    assert notifications.notifications_send() == 0
    note.refresh_from_db()
    assert note.emailed_at is None  # kept, not lost
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notifications.notifications_send() == 1
    note.refresh_from_db()
    assert note.emailed_at is not None and mail.outbox[0].to == [world.clerk.email]


def _make_audit_inserts_fail():
    """A real database error inside the transaction: a trigger refuses audit rows."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("""CREATE OR REPLACE FUNCTION refuse_audit() RETURNS trigger AS $$
                BEGIN RAISE EXCEPTION 'injected fault'; END; $$ LANGUAGE plpgsql""")
            cursor.execute("CREATE TRIGGER refuse_audit BEFORE INSERT ON registry_auditevent "
                           "FOR EACH ROW EXECUTE FUNCTION refuse_audit()")
        else:
            cursor.execute("CREATE TRIGGER refuse_audit BEFORE INSERT ON registry_auditevent "
                           "BEGIN SELECT RAISE(ABORT, 'injected fault'); END")


@pytest.mark.django_db
def test_database_error_in_the_middle_of_a_transition_leaves_nothing_half_written(world):
    from tests.registry.issue5 import approve

    approval = approve(organization=world.organization, where="360100")
    assert approval.status == Approval.Status.APPROVED
    events = AuditEvent.objects.count()
    # the status row is written first, then the audit insert fails
    with transaction.atomic():
        _make_audit_inserts_fail()
        with pytest.raises(DatabaseError):
            registry_services.approval_suspend(actor=world.admin, approval=approval,
                                               reason="安全事故调查")
        approval.refresh_from_db()
        assert approval.status == Approval.Status.APPROVED  # the status change rolled back
        assert AuditEvent.objects.count() == events
        transaction.set_rollback(True)  # and the trigger goes with it
