"""Probes of the after-approval work: the sanction fan-out to many engagements, and the
opening of the yearly list review (留库审查) for many approvals.

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
from workflows.services.list_review import list_review_progress, list_review_start


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
    # Active: only an active engagement is suspended by the sanction and restored by its
    # lifting (a new engagement starts as a draft since the contract work).
    Engagement.objects.bulk_create(
        Engagement(school=s, term=t, approval=approval, organization=organization,
                   starts_on=t.starts_on, ends_on=t.ends_on, fee_per_session=Decimal("20"),
                   sessions=8, status=Engagement.Status.ACTIVE)
        for s, t in zip(schools, terms, strict=True))
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


def _list_world(n: int) -> tuple:
    """A bureau administrator and ``n`` organizations approved (in force) on its list,
    written in bulk."""
    user_model = get_user_model()
    stamp = time.monotonic_ns()
    # A county of its own (rolled back with the rest): the generated load already has
    # approvals in force in every real county, which the review would open as well.
    city = Jurisdiction.objects.filter(level="city").order_by("pk").first()
    county = Jurisdiction.objects.create(code=f"B{stamp % 10**11:011d}", name="测评县",
                                         level="county", parent=city)
    bureau = Bureau.objects.create(jurisdiction=county, name="测评县教育局")
    admin = user_model.objects.create(username=f"bench-list-admin-{stamp}")
    services.role_grant(actor=None, user=admin, role=Role.BUREAU_ADMIN, target=bureau)
    organizations = Organization.objects.bulk_create(
        Organization(name=f"留库测评机构{i}", uscc=make_uscc((stamp + i) % 10**9),
                     county=county, registration_kind=Organization.RegistrationKind.values[0])
        for i in range(n))
    today = timezone.localdate()
    Approval.objects.bulk_create(
        Approval(organization=o, jurisdiction=county, status=Approval.Status.APPROVED,
                 valid_from=today - datetime.timedelta(days=30),
                 valid_until=today + datetime.timedelta(days=300)) for o in organizations)
    return admin, bureau


def _list_measure(n: int) -> dict:
    with transaction.atomic():
        admin, bureau = _list_world(n)
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            review = list_review_start(actor=admin, bureau=bureau)
        seconds = time.perf_counter() - started
        with CaptureQueriesContext(connection) as progress_queries:
            progress = list_review_progress(review)
        figures = {"queries": len(queries.captured_queries), "seconds": round(seconds, 3),
                   "opened": review.opened, "progress_queries":
                   len(progress_queries.captured_queries), "total": progress["total"]}
        transaction.set_rollback(True)
    return figures


def probe_list_review(args, emit) -> None:
    """Open the yearly list review (留库审查) for many approvals at once; its query count
    must equal the one at 10 approvals."""
    large = max(10, int(getattr(args, "approvals", 100_000)))
    _list_measure(10)  # warm
    small, big = _list_measure(10), _list_measure(large)
    emit("list_review_open_queries", big["queries"], "queries", "== queries at 10 approvals",
         big["queries"] == small["queries"], baseline=small["queries"],
         baseline_name="queries at 10 approvals", approvals=large)
    emit("list_review_open_seconds", big["seconds"], "s", "<= 120", big["seconds"] <= 120,
         approvals=large)
    emit("list_review_opened", big["opened"], "cases", f"== {large}",
         big["opened"] == large == big["total"])
    emit("list_review_progress_queries", big["progress_queries"], "queries", "== 1",
         big["progress_queries"] == 1)
