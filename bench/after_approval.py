"""Probes of issue 20 (after approval): the sanction fan-out to many engagements.

Self-contained: each probe builds what it measures inside a transaction that is rolled
back, so it needs no generated load and leaves nothing behind. The figure that matters is
the query count, which must not depend on the number of engagements.
"""

from __future__ import annotations

import datetime
import time
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from registry import services
from registry.identifiers import make_uscc
from registry.models import (
    Approval,
    Bureau,
    Engagement,
    Jurisdiction,
    Organization,
    School,
    SchoolTerm,
)
from registry.roles import Role


def _world(n: int) -> tuple:
    """A bureau administrator, an organization approved in the bureau's city and ``n``
    engagements of it (one school each, each school with a user), written in bulk."""
    user_model = get_user_model()
    city = Jurisdiction.objects.filter(level="city").order_by("pk").first()
    county = Jurisdiction.objects.filter(parent=city).order_by("pk").first()
    bureau = Bureau.objects.get(jurisdiction=city)
    stamp = time.monotonic_ns()
    admin = user_model.objects.create(username=f"bench-fanout-admin-{stamp}")
    services.role_grant(actor=None, user=admin, role=Role.BUREAU_ADMIN, target=bureau)
    organization = Organization.objects.create(
        name=f"扇出测评机构{stamp}", uscc=make_uscc(stamp % 10**9), county=county,
        registration_kind=Organization.RegistrationKind.values[0])
    today = timezone.localdate()
    approval = Approval.objects.create(organization=organization, jurisdiction=city,
                                       status=Approval.Status.APPROVED, valid_from=today,
                                       valid_until=today + datetime.timedelta(days=300))
    schools = School.objects.bulk_create(
        School(name=f"扇出小学{i}", code=f"F{stamp % 10**12}-{i}", county=county)
        for i in range(n))
    users = user_model.objects.bulk_create(
        user_model(username=f"bench-fanout-{stamp}-{i}") for i in range(n))
    for school, user in zip(schools, users, strict=True):
        services.role_grant(actor=None, user=user, role=Role.SCHOOL, target=school)
    terms = SchoolTerm.objects.bulk_create(
        SchoolTerm(school=s, name="秋季", starts_on=today,
                   ends_on=today + datetime.timedelta(days=100), project_count=10)
        for s in schools)
    Engagement.objects.bulk_create(
        Engagement(school=s, term=t, approval=approval, organization=organization,
                   starts_on=t.starts_on, ends_on=t.ends_on, fee_per_session=Decimal("20"),
                   sessions=8) for s, t in zip(schools, terms, strict=True))
    return admin, bureau, organization


def _measure(n: int) -> dict:
    with transaction.atomic():
        admin, bureau, organization = _world(n)
        figures = {}
        for name, service in (("suspend", services.provider_suspend),
                              ("lift", services.provider_reinstate)):
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                service(actor=admin, bureau=bureau, organization=organization,
                        reason="bench")
            figures[name] = {"queries": len(queries.captured_queries),
                             "seconds": round(time.perf_counter() - started, 3)}
        figures["suspended_then_restored"] = Engagement.objects.filter(
            organization=organization, status=Engagement.Status.ACTIVE).count()
        transaction.set_rollback(True)
    return figures


def probe_sanction_fanout(args, emit) -> None:
    """Suspend and lift a provider with 1,000 engagements (1,000 schools, each told), and
    compare its query count with the same at 10 engagements."""
    large = max(10, int(getattr(args, "engagements", 1000)))
    _measure(10)  # warm: content types and permissions are cached after first use
    small_figures, large_figures = _measure(10), _measure(large)
    for step in ("suspend", "lift"):
        same = small_figures[step]["queries"] == large_figures[step]["queries"]
        emit(f"sanction_fanout_{step}_queries", large_figures[step]["queries"], "queries",
             "== queries at 10 engagements", same, baseline=small_figures[step]["queries"],
             baseline_name="queries at 10 engagements", engagements=large)
        emit(f"sanction_fanout_{step}_seconds", large_figures[step]["seconds"], "s", "<= 5",
             large_figures[step]["seconds"] <= 5, engagements=large)
    emit("sanction_fanout_restored", large_figures["suspended_then_restored"], "engagements",
         f"== {large}", large_figures["suspended_then_restored"] == large)
