"""Audit completeness: every state change leaves exactly one AuditEvent; none can be altered.

A hypothesis property test drives random sequences of services (approval transitions, role
grants and revocations, document review, list publication) against one small world; after
each call, a call that changed state must have added exactly one AuditEvent naming its
object, and a refused call (an invalid transition, a missing reason) none at all.
"""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from documents import services as document_services
from documents.models import Document
from registry import services as registry_services
from registry.models import Approval, AuditEvent, Bureau, Publication, ServiceCategory
from registry.models.audit import AppendOnlyError
from registry.roles import Role
from tests.factories import OrganizationFactory, UserFactory
from tests.workflows.conftest import upload_all

ACTIONS = ["approve", "suspend", "reinstate", "revoke", "expire", "grant", "revoke_role",
           "verify", "reject", "publish"]


class Refused(Exception):
    """The service refused: no state may change."""


def _snapshot(w):
    w.approval.refresh_from_db()
    w.document.refresh_from_db()
    return (w.approval.status, w.document.review_state,
            w.clerk.has_perm("registry.expert_bureau", w.bureau),
            Publication.objects.filter(jurisdiction=w.bureau.jurisdiction).count())


def _perform(w, action):
    today = timezone.localdate()
    calls = {
        "approve": lambda: registry_services.approval_approve(
            actor=w.admin, approval=w.approval, valid_from=today,
            valid_until=today + datetime.timedelta(days=200)),
        "suspend": lambda: registry_services.approval_suspend(
            actor=w.admin, approval=w.approval, reason="事故调查"),
        "reinstate": lambda: registry_services.approval_reinstate(
            actor=w.admin, approval=w.approval, reason="调查结束"),
        "revoke": lambda: registry_services.approval_revoke(
            actor=w.admin, approval=w.approval, reason="严重违规"),
        "expire": lambda: registry_services.approval_expire(
            actor=w.admin, approval=w.approval, reason="到期"),
        "grant": lambda: registry_services.role_grant(
            actor=w.admin, user=w.clerk, role=Role.BUREAU_EXPERT, target=w.bureau),
        "revoke_role": lambda: registry_services.role_revoke(
            actor=w.admin, user=w.clerk, role=Role.BUREAU_EXPERT, target=w.bureau),
        "verify": lambda: document_services.document_verify(actor=w.clerk, document=w.document),
        "reject": lambda: document_services.document_reject(
            actor=w.clerk, document=w.document, reason="扫描件不清晰"),
        "publish": lambda: registry_services.publication_publish(actor=w.admin,
                                                                 bureau=w.bureau),
    }
    try:
        with transaction.atomic():
            calls[action]()
    except (ValidationError, PermissionDenied, ValueError) as error:
        raise Refused(str(error)) from error
    except Exception as error:  # an invalid transition is refused by the model
        if error.__class__.__name__ in ("TransitionNotAllowed", "InvalidTransition",
                                        "AppendOnlyError", "ReviewStateError"):
            raise Refused(str(error)) from error
        raise


class World:
    pass


def _world():
    w = World()
    w.bureau = Bureau.objects.get(jurisdiction__code="360100")
    w.admin, w.clerk = UserFactory(), UserFactory()
    registry_services.role_grant(actor=None, user=w.admin, role=Role.BUREAU_ADMIN,
                                 target=w.bureau)
    registry_services.role_grant(actor=None, user=w.clerk, role=Role.BUREAU_CLERK,
                                 target=w.bureau)
    organization = OrganizationFactory()
    provider = UserFactory()
    registry_services.role_grant(actor=None, user=provider, role=Role.PROVIDER,
                                 target=organization)
    w.document = upload_all(provider, organization)[0]
    w.approval = registry_services.approval_create(
        actor=w.admin, jurisdiction=w.bureau.jurisdiction, organization=organization,
        categories=[ServiceCategory.objects.get(code="sport")])
    return w


@pytest.mark.django_db
@settings(max_examples=20, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=10))
def test_every_state_change_leaves_exactly_one_audit_event(steps):
    w = _world()
    for action in steps:
        before, events = _snapshot(w), AuditEvent.objects.count()
        try:
            _perform(w, action)
        except Refused:
            assert _snapshot(w) == before, action
            assert AuditEvent.objects.count() == events, f"{action} refused but audited"
            continue
        after = _snapshot(w)
        added = AuditEvent.objects.count() - events
        if after == before:
            # (re-granting a role held already is still an act worth its record)
            assert added <= 1, (action, added)
        else:
            assert added == 1, (action, before, after, added)
            event = AuditEvent.objects.order_by("-pk").first()
            assert event.action.split(".")[0] in ("approval", "role", "document",
                                                  "publication", "list"), event.action


@pytest.mark.django_db
def test_audit_events_cannot_be_updated_or_deleted_through_the_orm():
    registry_services.role_grant(actor=None, user=UserFactory(), role=Role.BUREAU_CLERK,
                                 target=Bureau.objects.get(jurisdiction__code="360100"))
    event = AuditEvent.objects.order_by("-pk").first()
    attempts = [
        lambda: AuditEvent.objects.filter(pk=event.pk).update(reason="改写"),
        lambda: AuditEvent.objects.all().delete(),
        lambda: event.save(),
        lambda: event.delete(),
        lambda: AuditEvent.objects.bulk_update([event], ["reason"]),
    ]
    event.reason = "改写"
    for attempt in attempts:
        with pytest.raises(AppendOnlyError), transaction.atomic():
            attempt()
    event.refresh_from_db()
    assert event.reason != "改写"


@pytest.mark.django_db
def test_audit_events_cannot_be_changed_through_the_admin(admin_client):
    registry_services.role_grant(actor=None, user=UserFactory(), role=Role.BUREAU_CLERK,
                                 target=Bureau.objects.get(jurisdiction__code="360100"))
    event = AuditEvent.objects.order_by("-pk").first()
    base = "/admin/registry/auditevent/"
    assert admin_client.get(base).status_code == 200  # the superuser may read them
    change = admin_client.post(f"{base}{event.pk}/change/", {"reason": "改写"})
    assert change.status_code in (302, 403) and "/login/" not in change.get("Location", "")
    delete = admin_client.post(f"{base}{event.pk}/delete/", {"post": "yes"})
    assert delete.status_code == 403
    bulk = admin_client.post(base, {"action": "delete_selected", "_selected_action": [event.pk],
                                    "post": "yes"})
    assert bulk.status_code in (200, 302)
    assert admin_client.post(f"{base}add/", {"action": "x"}).status_code == 403
    event.refresh_from_db()
    assert event.reason != "改写" and AuditEvent.objects.filter(pk=event.pk).exists()


def test_no_api_route_writes_audit_events():
    from tests.security.matrix import url_patterns

    routes = [r.pattern for r in url_patterns() if "audit" in r.pattern.lower()]
    assert all(r.startswith("admin/") for r in routes), routes


@pytest.mark.django_db
def test_documents_keep_their_review_history_in_the_audit():
    # a rejected then re-uploaded document: each review is one event on its own version
    w = _world()
    _perform(w, "reject")
    events = AuditEvent.objects.for_object(w.document)
    assert events.filter(action__contains="reject").count() == 1
    assert Document.objects.filter(pk=w.document.pk).exists()
    assert Approval.objects.filter(pk=w.approval.pk).exists()
