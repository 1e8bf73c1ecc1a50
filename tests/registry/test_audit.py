import pytest
from django.db import DatabaseError, connection, transaction

from registry import services
from registry.models import AuditEvent
from registry.models.audit import AppendOnlyError
from tests.factories import OrganizationFactory, UserFactory


@pytest.fixture
def event(db):
    org = OrganizationFactory()
    return services.audit_record(actor=UserFactory(), action="organization.register", target=org,
                                 from_state="a", to_state="b", reason="why")


def test_event_records_who_what_object_states_reason_and_time(event):
    assert event.actor_repr.startswith("user")
    assert (event.action, event.from_state, event.to_state, event.reason) == (
        "organization.register", "a", "b", "why")
    assert event.target_repr and event.target_id
    assert event.created_at is not None


def test_events_cannot_be_changed_through_the_orm(event):
    event.reason = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="rewritten")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    event.refresh_from_db()
    assert event.reason == "why"


def test_events_cannot_be_updated_with_raw_sql(event):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE registry_auditevent SET reason = 'x' WHERE id = %s", [event.pk])
    event.refresh_from_db()
    assert event.reason == "why"


def test_events_cannot_be_deleted_with_raw_sql_on_postgres(event, on_postgres):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM registry_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_admin_offers_no_way_to_change_events(event, admin_client):
    assert admin_client.get(f"/admin/registry/auditevent/{event.pk}/delete/").status_code == 403
    response = admin_client.post(f"/admin/registry/auditevent/{event.pk}/change/",
                                 {"reason": "rewritten"})
    assert response.status_code == 403
    assert admin_client.get("/admin/registry/auditevent/add/").status_code == 403
    event.refresh_from_db()
    assert event.reason == "why"
