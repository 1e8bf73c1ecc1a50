"""One benchmark per process: ``python -m bench.probes <name>`` prints one JSON object per
metric on stdout (``{"metric", "value", "unit", "target", "baseline", "ok", ...}``).

Each runs in a fresh process so that peak memory figures are its own, and against the
data written by ``generate_load`` (see bench/generate.py).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import sys
import threading
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench import RECORDED_LOAD_SQL, generate, parse_recorded_load  # noqa: E402
from bench.after_approval import probe_list_review, probe_sanction_fanout  # noqa: E402
from bench.auth_load import probe_auth_load  # noqa: E402
from bench.case_page import probe_case_page  # noqa: E402
from bench.contracts import probe_permits, probe_settlement  # noqa: E402
from bench.load import probe_load  # noqa: E402
from bench.scans import probe_inspection, write_scan_pdf  # noqa: E402

HOST = "127.0.0.1"
MB = 1024 * 1024


def emit(metric: str, value, unit: str, target: str, ok: bool, baseline=None, **extra):
    row = {"metric": metric, "value": value, "unit": unit, "target": target,
           "baseline": baseline, "ok": bool(ok), **extra}
    print(json.dumps(row, ensure_ascii=False), flush=True)


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def load_info() -> dict:
    """What ``generate_load`` recorded about this database's load (``bench.RECORDED_LOAD_SQL``)."""
    with connection.cursor() as cursor:
        cursor.execute(RECORDED_LOAD_SQL)
        info = parse_recorded_load(cursor.fetchone()[0])
    if info is None:
        sys.exit(f"no load recorded in database {connection.settings_dict['NAME']}: "
                 "run generate_load first")
    return info


def proc_status(field: str) -> float:
    """VmRSS / VmHWM of this process in MB, from /proc (no extra dependency)."""
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


class RssSampler(threading.Thread):
    """The highest resident set size seen while it runs, sampled every 5 ms."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak = proc_status("VmRSS")
        self._halt = threading.Event()

    def run(self):
        while not self._halt.wait(0.005):
            self.peak = max(self.peak, proc_status("VmRSS"))

    def stop(self) -> float:
        self._halt.set()
        self.join()
        return max(self.peak, proc_status("VmRSS"))


def client_for(user) -> Client:
    client = Client(HTTP_HOST=HOST)
    client.force_login(user)
    return client


# --- school search -------------------------------------------------------------------
def _search_queries(n: int, rng: random.Random) -> list[dict]:
    from bench import vocabulary as vocab
    from registry.models import Jurisdiction

    counties = list(Jurisdiction.objects.filter(level="county").values_list("code", flat=True))
    subjects = [s for _w, items in vocab.CATEGORIES.values() for s in items]
    # What a school types: a subject, a provider's name, or their pinyin. Words that every
    # provider's name holds (培训, 南昌) would only measure counting the whole table.
    keywords = subjects + list(vocab.BRANDS) + ["weiqi", "lanqiu", "biancheng", "shufa", "wq"]
    queries = []
    for _ in range(n):
        query = {"keyword": rng.choice(keywords)}
        shape = rng.random()
        if shape < 0.5:
            query["category"] = rng.choice(list(vocab.CATEGORIES))
        if 0.25 < shape < 0.75:
            query["county"] = rng.choice(counties)
        queries.append(query)
    return queries


def _people_queries(n: int, rng: random.Random) -> list[dict]:
    """What a school types to find an individual: a name's first two characters (surname
    and a given-name character), a common full name's pinyin, or a name and a category."""
    from bench import vocabulary as vocab

    names = [s + g for s in vocab.SURNAMES[:30] for g in vocab.GIVEN[:12]]
    pinyin = ["wangwei", "lifang", "zhangmin", "liuyang", "chenjing", "yangli", "huangqiang",
              "zhaolei", "wujun", "zhouyan", "xujie", "sunjuan"]
    queries = []
    for _ in range(n):
        query = {"keyword": rng.choice(names if rng.random() < 0.7 else pinyin)}
        if rng.random() < 0.5:
            query["category"] = rng.choice(list(vocab.CATEGORIES))
        queries.append(query)
    return queries


def _selector_kwargs(query: dict) -> dict:
    from registry.models import Jurisdiction, ServiceCategory

    kwargs = {"keyword": query["keyword"]}
    if "category" in query:
        kwargs["category"] = ServiceCategory.objects.get(code=query["category"])
    if "county" in query:
        kwargs["county"] = Jurisdiction.objects.get(code=query["county"])
    return kwargs


def _icontains(school, keyword: str, category=None, county=None):
    """What a Django-admin-style search does: ``icontains`` on each field, OR-ed, with
    DISTINCT, plus the same validity, category and county filters; no n-gram index."""
    from django.db.models import Exists, OuterRef, Q
    from django.utils import timezone

    from registry.models import Approval, Organization
    from registry.selectors.search import _categories, _category_ids, school_jurisdiction_ids

    approvals = Approval.objects.valid_on(timezone.localdate()).filter(
        jurisdiction_id__in=school_jurisdiction_ids(school), organization=OuterRef("pk"))
    if category is not None:
        approvals = approvals.filter(categories__in=_category_ids(category, _categories()))
    queryset = Organization.objects.filter(Exists(approvals)).filter(
        Q(name__icontains=keyword) | Q(offerings__title__icontains=keyword)
        | Q(offerings__description__icontains=keyword)).distinct()
    if county is not None:
        queryset = queryset.filter(county=county)
    return queryset.order_by("name", "pk")


def _icontains_people(school, keyword: str, category=None):
    """The same admin-style search of individuals: ``icontains`` on the name (no pinyin)."""
    from django.db.models import Exists, OuterRef
    from django.utils import timezone

    from registry.models import Approval, Person
    from registry.selectors.search import _categories, _category_ids, school_jurisdiction_ids

    approvals = Approval.objects.valid_on(timezone.localdate()).filter(
        jurisdiction_id__in=school_jurisdiction_ids(school), person=OuterRef("pk"))
    if category is not None:
        approvals = approvals.filter(categories__in=_category_ids(category, _categories()))
    return (Person.objects.filter(Exists(approvals)).filter(name__icontains=keyword)
            .order_by("name", "pk"))


# (kind, API path, selector, query maker, icontains baseline, targets: p95 ms, x raw, x naive)
SEARCHES = {
    "organizations": ("/api/v1/search/organizations/", "approved_organizations_search",
                      _search_queries, _icontains, (10, 1.5, 40)),
    "people": ("/api/v1/search/people/", "approved_people_search", _people_queries,
               _icontains_people, (15, 1.5, 40)),
}


def _measure_search(args, actors, client, kind: str) -> dict:
    from registry import selectors

    path, selector_name, make_queries, naive_search, _targets = SEARCHES[kind]
    selector = getattr(selectors, selector_name)
    queries = make_queries(args.queries, random.Random(8))
    page = settings.REGISTRY_SEARCH_PAGE_SIZE
    # Warm caches, connections and translations with every query once, so that the API
    # and the raw SQL below meet the same cache: measured in turn, the API (first) met
    # index pages the database had not read yet, and the raw SQL (after) met them read.
    for query in queries:
        client.get(path, query)
    api, raw, totals = [], [], []
    for query in queries:  # each query through the API, then its ranking as raw SQL
        started = time.perf_counter()
        response = client.get(path, query)
        api.append(time.perf_counter() - started)
        if response.status_code != 200:
            sys.exit(f"search API answered {response.status_code} to {query}")
        # how many results the ranking ranked and counted (what grows with the data)
        totals.append(response.json()["count"])
        queryset = selector(school=actors.school, **_selector_kwargs(query))
        sql, params = queryset.ranking.sql(0, page)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchall()
        raw.append(time.perf_counter() - started)
    naive = []
    for query in queries[: args.naive_queries]:
        queryset = naive_search(actors.school, **_selector_kwargs(query))
        started = time.perf_counter()
        queryset.count()
        list(queryset[:page])
        naive.append(time.perf_counter() - started)
    ordered = sorted(api)
    return {"p50": ms(statistics.median(api)), "p95": ms(p95(api)),
            "p99": ms(ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]),
            "raw_p95": ms(p95(raw)), "naive_p95": ms(p95(naive)), "queries": len(api),
            "with_results": sum(total > 0 for total in totals),
            "results_median": statistics.median(totals), "results_p95": p95(totals),
            "naive_queries": len(naive)}


def probe_search(args):
    """School search through the API (Django's test client: the request alone, in-process),
    for organizations and for individuals, beside the raw SQL of the same ranking query and
    an admin-style ``icontains`` scan. Metric names of organizations keep the first
    round's (``search_*``); individuals' are ``people_search_*``."""
    from bench.actors import ensure_actors

    actors = ensure_actors()
    client = client_for(actors.school_user)
    for kind, prefix in (("organizations", "search"), ("people", "people_search")):
        found = _measure_search(args, actors, client, kind)
        at_most, raw_times, naive_times = SEARCHES[kind][4]
        api_p95, raw_p95, naive_p95 = found["p95"], found["raw_p95"], found["naive_p95"]
        emit(f"{prefix}_p95_ms", api_p95, "ms", f"<= {at_most}", api_p95 <= at_most,
             baseline=None, p50=found["p50"], p99=found["p99"], queries=found["queries"],
             with_results=found["with_results"], results_median=found["results_median"],
             results_p95=found["results_p95"])
        emit(f"{prefix}_vs_raw_sql", round(api_p95 / raw_p95, 2), "x", f"<= {raw_times}",
             api_p95 <= raw_times * raw_p95, baseline=raw_p95,
             baseline_name="raw SQL of the same query, p95 ms")
        emit(f"{prefix}_vs_icontains", round(naive_p95 / api_p95, 1), "x", f">= {naive_times}",
             naive_p95 >= naive_times * api_p95, baseline=naive_p95,
             baseline_name=f"admin-style icontains, p95 ms over {found['naive_queries']} queries")


# --- the re-certification sweep ---------------------------------------------------------
def _sweep(as_of, capture: bool, *, next_night: bool = False):
    """One sweep on ``as_of`` (``count``: its queries, or its seconds), in a transaction that
    is rolled back: every run sees the generated state. With ``next_night``, the run after a
    complete one instead: a sweep at 02:00 the night after the data were written (a full
    pass: there is no watermark yet; not measured), then the one measured, the night after,
    which reads only what lapsed or changed since (workflows.services.lapses). Both for
    ``as_of``, so that the first leaves nothing due to the second and the second's queries
    do not depend on the data (sweep_queries); what it costs is the finding. The clock is
    moved for both (time-machine, a dev dependency as the bench's others): the generated
    rows are all stamped with the time they were written, as if they had all changed just
    now; a day later they are history, as they stand for."""
    from workflows.services.sweep import credential_sweep

    def run(day):
        if capture:
            with CaptureQueriesContext(connection) as queries:
                report = credential_sweep(today=day)
            return len(queries.captured_queries), report
        started = time.perf_counter()
        report = credential_sweep(today=day)
        return time.perf_counter() - started, report

    with transaction.atomic():
        if next_night:
            import datetime

            import time_machine
            from django.utils import timezone

            def night(day):
                return time_machine.travel(datetime.datetime.combine(
                    day, datetime.time(2), tzinfo=timezone.get_current_timezone()))

            with night(as_of + datetime.timedelta(days=1)):
                credential_sweep(today=as_of)
            with night(as_of + datetime.timedelta(days=2)):
                count, report = run(as_of)
        else:
            count, report = run(as_of)
        transaction.set_rollback(True)
    return count, report


def probe_sweep_queries(args):
    """The number of queries of one sweep (used on the companion database too): a full
    pass, and the next night's run."""
    import datetime

    from bench.actors import ensure_actors

    ensure_actors()
    as_of = datetime.date.fromisoformat(load_info()["as_of"])
    _sweep(as_of, capture=False)  # warm, as in probe_sweep (content types are cached)
    count, report = _sweep(as_of, capture=True)
    incremental, _report = _sweep(as_of, capture=True, next_night=True)
    print(json.dumps({"sweep_queries": count, "sweep_incremental_queries": incremental,
                      "report": report.__dict__}), flush=True)


def probe_sweep(args):
    """The sweep with no watermark (a full pass: the whole history, as every run read before
    the watermark and as the weekly one still does), and the next night's run after a
    complete one (what lapsed and changed since)."""
    import datetime

    from bench.actors import ensure_actors
    from documents.models import Document

    ensure_actors()
    as_of = datetime.date.fromisoformat(load_info()["as_of"])
    documents = Document.objects.count()
    _sweep(as_of, capture=False)  # warm
    timings, incremental = [], []
    for _ in range(3):
        seconds, report = _sweep(as_of, capture=False)
        timings.append(seconds)
        seconds, next_report = _sweep(as_of, capture=False, next_night=True)
        incremental.append(seconds)
    count, _report = _sweep(as_of, capture=True)
    next_count, _report = _sweep(as_of, capture=True, next_night=True)
    seconds = round(statistics.median(timings), 3)
    emit("sweep_seconds", seconds, "s", "<= 3", seconds <= 3, documents=documents,
         reminders_recorded=report.reminders_recorded, report=report.__dict__)
    next_seconds = round(statistics.median(incremental), 3)
    emit("sweep_incremental_seconds", next_seconds, "s", "<= sweep_seconds",
         next_seconds <= seconds, documents=documents, report=next_report.__dict__)
    other = json.loads(args.other) if args.other else None
    emit("sweep_queries", count, "queries", "equal at SCALE=0.01 and SCALE=1",
         other is not None and other["sweep_queries"] == count,
         baseline=other["sweep_queries"] if other else None,
         baseline_name=args.other_name or "not measured")
    other_next = other.get("sweep_incremental_queries") if other else None
    emit("sweep_incremental_queries", next_count, "queries",
         "equal at SCALE=0.01 and SCALE=1", other_next == next_count,
         baseline=other_next, baseline_name=args.other_name or "not measured")


# --- exports of the published list --------------------------------------------------
def probe_export(args):
    from registry.models import Publication

    publication = Publication.objects.get(number=generate.BENCH_PUBLICATION_NUMBER)
    client = Client(HTTP_HOST=HOST)
    before = proc_status("VmRSS")
    sampler = RssSampler()
    sampler.start()
    for fmt in ("csv", "xlsx"):
        # built from the entries (what a first download does: a file an earlier run stored
        # is removed), then served from storage (registry.services.list_exports)
        _forget_stored_export(publication, fmt)
        seconds, size = _download(client, f"/registry/lists/p/{publication.pk}/export.{fmt}")
        emit(f"export_{fmt}_seconds", seconds, "s", "<= 15", seconds <= 15,
             entries=publication.entry_count, bytes=size)
        again, _size = _download(client, f"/registry/lists/p/{publication.pk}/export.{fmt}")
        emit(f"export_{fmt}_stored_seconds", again, "s", "< the first download",
             again < seconds, baseline=seconds, baseline_name="the first download (built), s")
    peak = round(sampler.stop(), 1)
    emit("export_peak_rss_mb", peak, "MB", "<= 200", peak <= 200,
         baseline=round(before, 1), baseline_name="process RSS before the exports")
    _conditional_gets(client, publication)


def _download(client, url) -> tuple[float, int]:
    started = time.perf_counter()
    response = client.get(url)
    if response.status_code != 200:
        sys.exit(f"{url} answered {response.status_code}")
    size = 0
    for chunk in response.streaming_content:
        size += len(chunk)
    response.close()
    return round(time.perf_counter() - started, 2), size


def _forget_stored_export(publication, fmt: str) -> None:
    from django.core.files.storage import storages

    from registry.services import list_export_name

    name = list_export_name(publication, fmt, settings.LANGUAGE_CODE)
    for stored in (name + ".done", name):
        storages["default"].delete(stored)


def _conditional_gets(client, publication) -> None:
    """A client that has the list's page or export asks again with its ETag: 304, nothing
    built (registry/conditional.py). Median of 20 revalidations beside a full answer."""
    for name, url in (("page", f"/registry/lists/p/{publication.pk}/?page=3"),
                      ("csv", f"/registry/lists/p/{publication.pk}/export.csv")):
        full, revalidated = [], []
        etag = None
        # many members of the public (the anonymous throttles count per address)
        addresses = (f"10.25.{n // 250}.{n % 250 + 1}" for n in range(1000))
        for _ in range(5 if name == "csv" else 20):
            started = time.perf_counter()
            response = client.get(url, REMOTE_ADDR=next(addresses))
            if response.streaming:
                b"".join(response.streaming_content)
            full.append(time.perf_counter() - started)
            etag = response.get("ETag")
        if response.status_code != 200 or not etag:
            sys.exit(f"{url} answered {response.status_code} without an ETag")
        for _ in range(20):
            started = time.perf_counter()
            response = client.get(url, HTTP_IF_NONE_MATCH=etag, REMOTE_ADDR=next(addresses))
            revalidated.append(time.perf_counter() - started)
            if response.status_code != 304:
                sys.exit(f"{url} with its ETag answered {response.status_code}, not 304")
        median, baseline = ms(statistics.median(revalidated)), ms(statistics.median(full))
        emit(f"list_{name}_304_ms", median, "ms", "< the full answer", median < baseline,
             baseline=baseline, baseline_name="the full answer, median ms")


# --- a 256 MB upload to S3 ----------------------------------------------------------
def _moto_server():
    import socket
    import subprocess

    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port = sock.getsockname()[1]
    binary = os.path.join(os.path.dirname(sys.executable), "moto_server")
    server = subprocess.Popen([binary, "-H", HOST, "-p", str(port)],  # noqa: S603
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://{HOST}:{port}"
    for _ in range(100):
        try:
            with socket.create_connection((HOST, port), timeout=0.2):
                return server, endpoint
        except OSError:
            time.sleep(0.1)
    server.kill()
    sys.exit("the moto S3 server did not start")


def probe_upload(args):
    import datetime
    import tempfile

    import boto3
    from django.core.files import File

    from documents.services import document_upload
    from registry import services as registry_services
    from registry.models import Organization
    from registry.roles import Role
    from tests.conftest import S3_TEST_CREDENTIALS, s3_storage_config

    size = args.upload_mb * MB
    server, endpoint = _moto_server()  # a separate process: its memory is not ours
    try:
        os.environ.setdefault("AWS_ACCESS_KEY_ID", S3_TEST_CREDENTIALS["access_key"])
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", S3_TEST_CREDENTIALS["secret_key"])
        boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(
            Bucket="bench-documents")
        storages = {**settings.STORAGES, "documents": s3_storage_config(endpoint,
                                                                        "bench-documents")}
        organization = Organization.objects.order_by("pk").first()
        from bench.actors import ensure_actors

        provider = ensure_actors().provider
        if not provider.has_perm("registry.act_for_organization", organization):
            registry_services.role_grant(actor=None, user=provider, role=Role.PROVIDER,
                                         target=organization)
        with tempfile.TemporaryFile() as spool:
            # A real scanned PDF (noise images, compressed): uploads are opened by qpdf, and
            # noise once refused as a PDF "with JavaScript" now and then (its bytes held /JS).
            write_scan_pdf(spool, size, page_bytes=4 * MB)
            size = spool.tell()
            spool.seek(0)
            with override_settings(STORAGES=storages, AWS_S3_ENDPOINT_URL=endpoint,
                                   DOCUMENTS_MAX_UPLOAD_BYTES=size + MB):
                # One small document first, as a running server has done long before: the
                # first S3 call loads botocore's service models and builds the client (a
                # one-off ~20-30 MB, not memory the upload of a large document holds).
                warm_before = proc_status("VmRSS")
                document_upload(
                    actor=provider, subject=organization, document_type="operating_licence",
                    file=File(io.BytesIO(PDF), name="warm.pdf"), filename="warm.pdf",
                    issued_on=datetime.date.today() - datetime.timedelta(days=1),  # noqa: DTZ011
                    expires_on=datetime.date.today() + datetime.timedelta(days=365))  # noqa: DTZ011
                first_call_mb = round(proc_status("VmRSS") - warm_before, 1)
                before = proc_status("VmRSS")
                sampler = RssSampler()
                sampler.start()
                started = time.perf_counter()
                document = document_upload(
                    actor=provider, subject=organization, document_type="operating_licence",
                    file=File(spool, name="licence.pdf"), filename="licence.pdf",
                    issued_on=datetime.date.today() - datetime.timedelta(days=1),  # noqa: DTZ011
                    expires_on=datetime.date.today() + datetime.timedelta(days=365))  # noqa: DTZ011
                seconds = time.perf_counter() - started
                peak = sampler.stop()
        growth = round(peak - before, 1)
        emit("upload_rss_growth_mb", growth, "MB", "<= 64", growth <= 64,
             baseline=round(before, 1), baseline_name="process RSS before the upload",
             bytes=document.size, seconds=round(seconds, 1),
             first_s3_call_mb=first_call_mb)
    finally:
        server.terminate()
        server.wait(timeout=10)


# --- one reviewer action ----------------------------------------------------------------
# A real one-page PDF (uploads are opened by qpdf; a catalog without pages is refused).
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
       b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")


def _ready_cases(actors, n: int):
    """``n`` real selection cases waiting at the qualification check, through the services."""
    import datetime

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from documents.selectors import document_types_for
    from documents.services import document_upload
    from registry import services as registry_services
    from registry.models import Approval, Organization
    from registry.roles import Role
    from workflows.models import SelectionProcess
    from workflows.services import selection

    busy = SelectionProcess.objects.filter(outcome="open").values("organization_id")
    suspended = Approval.objects.filter(status="suspended", organization__isnull=False
                                        ).values("organization_id")
    standing = Approval.objects.filter(  # one open approval per subject and jurisdiction
        jurisdiction=actors.bureau.jurisdiction, status__in=Approval.OPEN_STATUSES,
        organization__isnull=False).values("organization_id")
    organizations = (Organization.objects.exclude(pk__in=busy).exclude(pk__in=suspended)
                     .exclude(pk__in=standing)
                     .filter(offerings__isnull=False).distinct().order_by("-pk")[:n])
    today = timezone.localdate()
    cases = []
    for organization in organizations:
        registry_services.role_grant(actor=None, user=actors.provider, role=Role.PROVIDER,
                                     target=organization)
        for kind in document_types_for(organization):
            for offering in (organization.offerings.filter(is_active=True)
                             if kind.per_offering else [None]):  # a course plan each
                document_upload(
                    actor=actors.provider, subject=organization, document_type=kind,
                    file=SimpleUploadedFile(f"{kind.code}.pdf", PDF),
                    filename=f"{kind.code}.pdf", issued_on=today - datetime.timedelta(days=10),
                    expires_on=today + datetime.timedelta(days=400) if kind.expires else None,
                    offering=offering)
        cases.append(selection.selection_apply(
             actor=actors.provider, organization=organization, bureau=actors.bureau,
             offerings=list(organization.offerings.all())))
    return cases


SCORES = {"qualification": 90, "course-plan": 80, "safety": 85, "price": 70, "reputation": 75}


def _open_task(case, node: str):
    from viewflow.workflow.models import Task

    for task in Task.objects.filter(process_id=case.pk, status__in=["NEW", "ASSIGNED"],
                                    flow_task_type="HUMAN").order_by("pk"):
        if task.flow_task.name == node:
            return task
    return None


def _perform(actor, task, data) -> tuple[float, int]:
    """One action as the API performs it: seconds and queries."""
    from viewflow.workflow.models import Task

    from workflows import task_actions

    task = Task.objects.select_related("process").get(pk=task.pk)  # as the API loads it
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        done = task_actions.task_perform(actor=actor, task=task, data=data)
        seconds = time.perf_counter() - started
    if not done:
        sys.exit(f"task {task.pk} ({task.flow_task.name}) did not complete")
    return seconds, len(queries.captured_queries)


def _worker_step(case, what: str) -> tuple[float, int]:
    """What the worker does right after an action commits (fire the due timers: the
    background step), timed and counted on its own."""
    from viewflow.workflow.timers import fire_due_timers

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        if fire_due_timers() != 1:
            sys.exit(f"case {case.pk}: {what} did not run")
        return time.perf_counter() - started, len(queries.captured_queries)


def probe_transition(args):
    """The approver's decision (the reviewer action measured against the targets), and the
    clerk's qualification check of every document (the other heavy reviewer action).

    The system work that follows each (drawing the panel, opening the public notice) runs
    in the worker after the action commits; it is measured and printed beside the action,
    not hidden."""
    import tempfile

    from bench.actors import ensure_actors
    from documents.models import Document

    actors = ensure_actors()
    rows = {"transition": [], "qualification": []}
    background = {"transition": [], "qualification": []}
    with tempfile.TemporaryDirectory() as media, override_settings(STORAGES={
            **settings.STORAGES,
            "documents": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                          "OPTIONS": {"location": media}}}):
        for case in _ready_cases(actors, args.cases):
            data = {f"doc_{pk}": "verify" for pk in Document.objects.filter(
                organization_id=case.organization_id, superseded_at__isnull=True
            ).values_list("pk", flat=True)}
            rows["qualification"].append(_perform(
                actors.clerk, _open_task(case, "qualification"), data))
            background["qualification"].append(_worker_step(case, "drawing the panel"))
            while (task := _open_task(case, "expert_review")) is not None:
                _perform(task.owner, task, {"conflict": "no", **{
                    f"score_{k}": v for k, v in SCORES.items()}})
            rows["transition"].append(_perform(
                actors.approver, _open_task(case, "decision"),
                {"decision": "approve", "confirm": "yes", "reason": "材料齐全，评分优良"}))
            background["transition"].append(_worker_step(case, "opening the notice"))
    if not rows["transition"]:
        sys.exit("no organization was free to apply: nothing to measure")
    actions = {"transition": ("decision (approver)", "opening the public notice"),
               "qualification": ("qualification check of every document (clerk)",
                                 "drawing the expert panel")}
    for prefix, (action, after) in actions.items():
        measured, worker = rows[prefix], background[prefix]
        worst = max(q for _s, q in measured)
        median = ms(statistics.median(s for s, _q in measured))
        emit(f"{prefix}_queries", worst, "queries", "<= 30", worst <= 30, action=action,
             median=statistics.median(q for _s, q in measured), cases=len(measured),
             then_in_background=after, background_queries=max(q for _s, q in worker),
             background_median_ms=ms(statistics.median(s for s, _q in worker)))
        emit(f"{prefix}_median_ms", median, "ms", "<= 50", median <= 50, action=action,
             cases=len(measured))


# --- the clerk's queue ----------------------------------------------------------------
def probe_inbox(args):
    from bench.actors import ensure_actors

    actors = ensure_actors()
    client = client_for(actors.clerk)
    ours_url, stock_url = "/api/v1/tasks/", "/organizationselection/queue/"
    for url in (ours_url, stock_url):
        response = client.get(url)
        if response.status_code != 200:
            sys.exit(f"{url} answered {response.status_code}")
    count = client.get(ours_url).json()["count"]
    ours, stock = [], []
    for _ in range(args.requests):
        started = time.perf_counter()
        client.get(ours_url)
        ours.append(time.perf_counter() - started)
    for _ in range(max(5, args.requests // 5)):
        started = time.perf_counter()
        response = client.get(stock_url)
        response.content  # noqa: B018 - render it all
        stock.append(time.perf_counter() - started)
    ours_p95, stock_p95 = ms(p95(ours)), ms(p95(stock))
    emit("inbox_p95_ms", ours_p95, "ms", "<= 150", ours_p95 <= 150, open_tasks=count,
         requests=len(ours))
    emit("inbox_vs_stock_queue", round(stock_p95 / ours_p95, 1), "x", ">= 5",
         stock_p95 >= 5 * ours_p95, baseline=stock_p95,
         baseline_name="viewflow's stock queue view, p95 ms")


PROBES = {"search": probe_search, "sweep": probe_sweep, "sweep_queries": probe_sweep_queries,
          "export": probe_export, "upload": probe_upload, "transition": probe_transition,
          "inbox": probe_inbox,
          "case_page": lambda args: probe_case_page(args, emit=emit, client_for=client_for,
                                                    pdf=PDF),
          "sanction_fanout": lambda args: probe_sanction_fanout(args, emit),
          "list_review": lambda args: probe_list_review(args, emit),
          "auth_load": lambda args: probe_auth_load(args, emit),
          "load": lambda args: probe_load(args, emit),
          "inspection": lambda args: probe_inspection(args, emit=emit, sampler_class=RssSampler),
          "permits": lambda args: probe_permits(args, emit=emit, p95=p95, ms=ms),
          "settlement": lambda args: probe_settlement(args, emit=emit, sampler_class=RssSampler,
                                                      proc_status=proc_status)}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.probes")
    parser.add_argument("probe", choices=sorted(PROBES))
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--naive-queries", type=int, default=50)
    parser.add_argument("--upload-mb", type=int, default=256)
    parser.add_argument("--scan-mb", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cases", type=int, default=15)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--other", default="", help="sweep_queries JSON measured elsewhere")
    parser.add_argument("--other-name", default="")
    parser.add_argument("--seconds", type=float, default=15.0, help="auth_load: per phase")
    parser.add_argument("--attackers", type=int, default=8, help="auth_load: clients")
    parser.add_argument("--load-seconds", type=float, default=30.0,
                        help="load: seconds of the mix at 60 searches/s")
    parser.add_argument("--load-threads", type=int, default=200,
                        help="load: client threads (requests in flight at most)")
    parser.add_argument("--step-seconds", type=float, default=10.0,
                        help="load: seconds of each saturation step")
    parser.add_argument("--saturation-steps", type=float, nargs="*",
                        default=[1.5, 2, 3, 4, 6, 8], help="load: rate multipliers tried")
    parser.add_argument("--scale", type=float, default=1.0, help="permits: 1M × scale")
    parser.add_argument("--engagements", type=int, default=1000,
                        help="sanction_fanout: engagements of the sanctioned provider")
    parser.add_argument("--approvals", type=int, default=100_000,
                        help="list_review: approvals in force on the bureau's list")
    args = parser.parse_args(argv)
    if connection.vendor != "postgresql":
        sys.exit("the benchmarks need PostgreSQL: set DATABASE_URL")
    with override_settings(REGISTRY_REQUIRE_2FA_FOR=[], ALLOWED_HOSTS=[HOST]):
        PROBES[args.probe](args)


if __name__ == "__main__":
    main()
