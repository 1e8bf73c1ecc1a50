"""The bureau dashboard: right figures, bounded queries, only for the bureau's staff."""

import datetime

from django.utils import timezone

from documents.models import Document
from tests.factories import InForceApprovalFactory, county
from workflows import dashboard
from workflows.services import selection


def _approved(w, days_left):
    today = timezone.localdate()
    Document.objects.filter(organization=w.organization, superseded_at__isnull=True,
                            document_type__code="liability_insurance").update(
        expires_on=today + datetime.timedelta(days=days_left))
    return InForceApprovalFactory(actor=w.root, jurisdiction=county("360102"),
                                  organization=w.organization, valid_from=today,
                                  valid_until=today + datetime.timedelta(days=200))


def test_figures_link_to_their_lists(world, client, django_assert_max_num_queries):
    w = world
    _approved(w, days_left=20)
    selection.selection_apply(actor=w.provider, organization=w.organization,
                              bureau=w.bureau, offerings=[w.offering])
    figures = dashboard.bureau_dashboard(w.bureau)
    assert {r["status"]: r["count"] for r in figures["approvals"]}["approved"] == 1
    assert figures["expiring"] == {7: 0, 30: 1, 60: 1}
    assert {c["kind"]: c["count"] for c in figures["cases"]}["selection"] == 1
    client.force_login(w.clerk)
    with django_assert_max_num_queries(40):
        page = client.get(f"/selection/dashboard/{w.bureau.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert f"/selection/dashboard/{w.bureau.pk}/expiring/?days=30" in body
    listing = client.get(f"/selection/dashboard/{w.bureau.pk}/expiring/?days=30")
    assert listing.status_code == 200 and "责任保险" in listing.content.decode()
    assert client.get(f"/selection/dashboard/{w.bureau.pk}/expiring/?days=5").status_code == 404
    assert client.get(f"/selection/dashboard/{w.bureau.pk}/nope/").status_code == 404


def test_dashboard_is_for_the_bureaus_own_staff(world, client):
    w = world
    client.force_login(w.other_clerk)
    assert client.get(f"/selection/dashboard/{w.bureau.pk}/").status_code == 403
    client.force_login(w.provider)
    assert client.get(f"/selection/dashboard/{w.bureau.pk}/").status_code == 403
    client.logout()
    assert client.get(f"/selection/dashboard/{w.bureau.pk}/").status_code == 302
