"""Probes of the school's contract: entry permit verification and the settlement export.

``permits``: the gate's check of a permit token — the Ed25519 signature checked without
the database, the standing read by one lookup of the roster row by primary key (joined to
its engagement and both approvals). Target p95 ≤ 5 ms at 1M permits (``--scale 1``).

``settlement``: the settlement XLSX of 10k engagements (lesson counts aggregated in the
database, written in XlsxWriter's constant-memory mode): time and peak memory.

The rows are made here, once per database, on top of generate_load's people and their
approvals: 10k engagements of one term, and 1M × scale roster rows (permits) spread over
them, each with five lessons.
"""

from __future__ import annotations

import datetime
import random
import time
from decimal import Decimal

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

ENGAGEMENTS = 10_000
FULL_PERMITS = 1_000_000
TERM_NAME = "bench-contract"


def _load(scale: float) -> tuple:
    from registry.models import (
        Approval,
        Engagement,
        Lesson,
        Organization,
        RosterMember,
        School,
        SchoolTerm,
    )

    term = SchoolTerm.objects.filter(name=TERM_NAME).select_related("school").first()
    permits = max(ENGAGEMENTS, round(FULL_PERMITS * scale))
    if term is not None and RosterMember.objects.filter(engagement__term=term).exists():
        return term, permits
    today = timezone.localdate()
    org_approval = (Approval.objects.filter(organization__isnull=False, status="approved")
                    .order_by("pk").first())
    people = list(Approval.objects.filter(person__isnull=False, status="approved")
                  .values_list("person_id", "pk").order_by("pk")[:permits])
    if org_approval is None or not people:
        raise SystemExit("contracts: no approvals to build on: run generate_load first")
    with transaction.atomic():
        if term is not None:
            Lesson.objects.filter(engagement__term=term).delete()
            RosterMember.objects.filter(engagement__term=term).delete()
            Engagement.objects.filter(term=term).delete()
            term.delete()
        school = School.objects.order_by("pk").first()
        term = SchoolTerm.objects.create(school=school, name=TERM_NAME,
                                         starts_on=today - datetime.timedelta(days=30),
                                         ends_on=today + datetime.timedelta(days=90),
                                         project_count=ENGAGEMENTS * 10)
        org = Organization.objects.get(pk=org_approval.organization_id)
        Engagement.objects.bulk_create([Engagement(
            school=school, term=term, approval=org_approval, organization=org,
            starts_on=term.starts_on, ends_on=term.ends_on, fee_per_session=Decimal("40"),
            sessions=16, places=30, status="active") for _ in range(ENGAGEMENTS)],
            batch_size=5000)
        engagement_ids = list(Engagement.objects.filter(term=term).values_list("pk", flat=True))
        members, lessons, now = [], [], timezone.now()
        for i in range(permits):
            person_id, approval_id = people[i % len(people)]
            # a person comes once per engagement: people beyond the first round go to the
            # next engagements
            members.append(RosterMember(engagement_id=engagement_ids[i % ENGAGEMENTS],
                                        person_id=person_id, approval_id=approval_id,
                                        accepted_at=now))
            if len(members) >= 20_000:
                RosterMember.objects.bulk_create(members, batch_size=5000,
                                                 ignore_conflicts=True)
                members = []
        RosterMember.objects.bulk_create(members, batch_size=5000, ignore_conflicts=True)
        first_teacher = dict(RosterMember.objects.filter(engagement__term=term)
                             .order_by("engagement_id", "-pk")
                             .values_list("engagement_id", "pk"))
        for engagement_id, teacher_id in first_teacher.items():
            for n in range(5):
                lessons.append(Lesson(
                    engagement_id=engagement_id, teacher_id=teacher_id, period=1,
                    taught_on=term.starts_on + datetime.timedelta(days=n),
                    pupils_present=25, status="confirmed" if n < 4 else "disputed"))
        Lesson.objects.bulk_create(lessons, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE registry_rostermember; ANALYZE registry_engagement; "
                       "ANALYZE registry_lesson")
    return term, permits


def probe_permits(args, *, emit, p95, ms):
    from registry import selectors
    from registry.models import RosterMember

    term, permits = _load(args.scale)
    ids = list(RosterMember.objects.filter(engagement__term=term).values_list("pk", flat=True))
    rng = random.Random(22)
    sample = [rng.choice(ids) for _ in range(args.queries)]
    members = RosterMember.objects.filter(pk__in=sample).select_related(
        "person", "engagement__school", "engagement__term", "engagement__organization",
        "engagement__person")
    tokens = [selectors.permit_token(m) for m in members]
    signature_only, whole = [], []
    from registry import signing
    for token in tokens:  # warm: the key, the connection, the plan
        selectors.permit_check(token)
    for token in tokens:
        started = time.perf_counter()
        signing.token_read(token)
        signature_only.append(time.perf_counter() - started)
    with CaptureQueriesContext(connection) as queries:
        for token in tokens:
            started = time.perf_counter()
            answer = selectors.permit_check(token)
            whole.append(time.perf_counter() - started)
            if answer["status"] == "invalid":
                raise SystemExit("contracts: a bench token did not verify")
    per_check = len(queries) / len(tokens)
    value = ms(p95(whole))
    emit("permit_verify_p95_ms", value, "ms", "<= 5 (at 1M permits)", value <= 5,
         baseline=ms(p95(signature_only)), baseline_name="signature alone, no database",
         permits=len(ids), checks=len(tokens), queries_per_check=per_check)


def probe_settlement(args, *, emit, sampler_class, proc_status):
    from registry import exports, selectors
    from registry.models import Engagement

    term, _ = _load(args.scale)
    before = proc_status("VmRSS")
    sampler = sampler_class()
    sampler.start()
    started = time.perf_counter()
    spool = exports.settlement_xlsx(selectors.settlement_rows(
        Engagement.objects.filter(term=term)))
    size = spool.seek(0, 2)
    spool.close()
    seconds = round(time.perf_counter() - started, 2)
    peak = round(sampler.stop(), 1)
    emit("settlement_export_seconds", seconds, "s", "<= 15", seconds <= 15,
         engagements=Engagement.objects.filter(term=term).count(), bytes=size)
    emit("settlement_export_peak_rss_mb", peak, "MB", "<= 200", peak <= 200,
         baseline=round(before, 1), baseline_name="process RSS before the export")
