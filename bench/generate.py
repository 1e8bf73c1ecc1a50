"""Load data at real scale for ``make bench``: organizations, people, their offerings,
documents, approvals, search documents, a published list and a bureau's open tasks.

Rows are written with PostgreSQL COPY (psycopg 3), a table at a time, committed in
chunks so that deferred foreign-key checks never pile up. Identifiers are allocated
here (ids above the current maximum, then the sequences are moved past them), so that
children can be written without reading their parents back.

Every date is relative to ``as_of`` (the day of generation): approvals started within
the last year and run two years, so none is due for its term expiry or its annual review
on ``as_of``; ~1% of the expiring documents of open approvals expire within 60 days
(the reminder window); suspended approvals hold an expired document, as if yesterday's
sweep had suspended them. The bench runs the sweep as of that day.
"""

from __future__ import annotations

import datetime
import hashlib
import importlib
import json
import random
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone

from bench import vocabulary as vocab
from registry.exports import canonical, canonical_chunks
from registry.identifiers import make_id_number, make_uscc
from registry.search_text import availability_text, county_token, document_fields
from registry.services.availability import availability_rebuild

CHUNK = 50_000
STATUS_WEIGHTS = (("approved", 80), ("pending", 8), ("suspended", 7), ("expired", 3),
                  ("revoked", 2))
PERSON_KINDS = (("retiree", 30, datetime.date(1956, 1, 1)),
                ("student", 25, datetime.date(2003, 1, 1)),
                ("professional", 30, datetime.date(1982, 1, 1)),
                ("volunteer", 15, datetime.date(1972, 1, 1)))
ORG_KINDS = (("company", 70, "91"), ("non_profit", 25, "52"), ("public_institution", 5, "12"))
ORG_DOC_ORDER = {
    "company": ("business_licence", "operating_licence", "liability_insurance", "safety_plan",
                "fee_schedule", "venue_proof"),
    "non_profit": ("nonprofit_registration", "operating_licence", "liability_insurance",
                   "safety_plan", "fee_schedule", "venue_proof"),
    "public_institution": ("institution_certificate", "operating_licence",
                           "liability_insurance", "safety_plan", "fee_schedule", "venue_proof"),
}
PERSON_DOC_ORDER = ("id_card", "no_criminal_record", "offence_query", "health_certificate",
                    "query_consent")
PERSON_KIND_DOCS = {"retiree": ("retirement_certificate", "teacher_certificate"),
                    "student": ("student_card", "university_recommendation"),
                    "professional": ("professional_certificate",),
                    "volunteer": ("volunteer_registration",)}
INBOX_BUREAU_CODE = "360100"  # 南昌市教育局: the bureau whose clerk's inbox is measured
BENCH_PUBLICATION_NUMBER = 900  # the generated 100k-entry list: 江西省 <year> batch 900
PROVIDER_USERNAME = "bench_provider"


class Progress:
    """A one-line progress bar on stderr."""

    def __init__(self, label: str, total: int, stream=None):
        self.label, self.total, self.done = label, max(total, 1), 0
        self.stream = stream or sys.stderr
        self.started = self.shown = time.monotonic()
        self._draw()

    def advance(self, n: int = 1):
        self.done += n
        now = time.monotonic()
        if now - self.shown > 0.5 or self.done >= self.total:
            self.shown = now
            self._draw()

    def _draw(self):
        share = min(self.done / self.total, 1.0)
        bar = "#" * int(share * 30)
        self.stream.write(f"\r{self.label:<22} [{bar:<30}] {share:6.1%} "
                          f"{self.done:>9,}/{self.total:,} {time.monotonic() - self.started:6.1f}s")
        self.stream.flush()

    def close(self):
        if self.done < self.total:
            self.done = self.total
            self._draw()
        self.stream.write("\n")


@dataclass
class Context:
    as_of: datetime.date
    now: datetime.datetime
    rng: random.Random
    counties: list = field(default_factory=list)
    cities: list = field(default_factory=list)
    province: object = None
    categories: dict = field(default_factory=dict)
    doc_types: dict = field(default_factory=dict)


def _next_id(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")  # noqa: S608
        return cursor.fetchone()[0]


def _sync_sequence(table: str, column: str = "id") -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence(%s, %s), "  # noqa: S608
            f"(SELECT COALESCE(MAX({column}), 1) FROM {table}))", [table, column])


def flush_all(*writers) -> None:
    """Write the buffered rows of each writer, parents first (foreign keys are checked at
    each commit)."""
    for writer in writers:
        writer.flush()


def _model_for(table: str):
    from django.apps import apps

    for model in apps.get_models(include_auto_created=True):
        if model._meta.db_table == table:
            return model
    return None


def _default_columns(table: str, columns: list[str]) -> tuple[list[str], tuple]:
    """Columns the generator does not set that the model fills with a default (so that a
    field added later with a default does not break the load)."""
    from django.db import models

    model = _model_for(table)
    if model is None:
        return [], ()
    extra, values = [], []
    for model_field in model._meta.concrete_fields:
        if (model_field.column in columns or model_field.primary_key
                or model_field.model is not model):  # a parent's column (multi-table)
            continue
        if not model_field.has_default():
            continue
        default = model_field.get_default()
        if isinstance(model_field, models.JSONField):
            value = json.dumps(default)
        else:
            value = model_field.get_db_prep_save(default, connection)
        extra.append(model_field.column)
        values.append(value)
    return extra, tuple(values)


class CopyWriter:
    """COPY buffered rows into one table, in one transaction per flush."""

    def __init__(self, table: str, columns: list[str], progress: Progress | None = None):
        extra, self.defaults = _default_columns(table, columns)
        self.table, self.columns, self.progress = table, [*columns, *extra], progress
        self.rows: list[tuple] = []
        self.written = 0

    def add(self, row: tuple):
        self.rows.append(row + self.defaults if self.defaults else row)

    def flush(self):
        if not self.rows:
            return
        sql = f"COPY {self.table} ({', '.join(self.columns)}) FROM STDIN"
        with transaction.atomic(), connection.cursor() as cursor:
            with cursor.cursor.copy(sql) as copy:
                for row in self.rows:
                    copy.write_row(row)
        self.written += len(self.rows)
        if self.progress:
            self.progress.advance(len(self.rows))
        self.rows = []


def _person_name(rng: random.Random) -> str:
    surname = vocab.SURNAMES[min(int(rng.expovariate(1 / 18)), len(vocab.SURNAMES) - 1)]
    given = "".join(rng.choice(vocab.GIVEN) for _ in range(rng.choice((1, 2, 2, 2))))
    return surname + given


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"


def _weighted(rng: random.Random, table):
    total = sum(row[1] for row in table)
    pick = rng.uniform(0, total)
    for row in table:
        pick -= row[1]
        if pick <= 0:
            return row
    return table[-1]


def _approval_dates(ctx: Context, status: str) -> tuple[datetime.date, datetime.date]:
    """Started within the last 364 days (no anniversary today), two-year terms; expired ones
    ended before ``as_of``."""
    if status == "expired":
        until = ctx.as_of - datetime.timedelta(days=ctx.rng.randint(1, 300))
        return until - datetime.timedelta(days=729), until
    start = ctx.as_of - datetime.timedelta(days=ctx.rng.randint(0, 363))
    return start, start + datetime.timedelta(days=729)


def _approval_jurisdiction(ctx: Context, county) -> int:
    """Most approvals are the county's own; some the city's, a few the province's."""
    pick = ctx.rng.random()
    if pick < 0.6:
        return county.pk
    if pick < 0.9:
        return county.parent_id if ctx.rng.random() < 0.7 else ctx.rng.choice(ctx.cities).pk
    return ctx.province.pk


def _availability(status: str, jurisdiction_id: int, category_id: int) -> str:
    """The search document's ``availability`` for a subject whose one approval is this."""
    return availability_text([(jurisdiction_id, category_id)] if status == "approved" else [])


def _document_dates(ctx: Context, kind, status: str):
    """(issued_on, expires_on) for one document of an approval in ``status``."""
    rng = ctx.rng
    if not kind.expires:
        return ctx.as_of - datetime.timedelta(days=rng.randint(30, 900)), None
    if status == "suspended":  # suspended because this credential lapsed
        expires = ctx.as_of - datetime.timedelta(days=rng.randint(1, 60))
    elif status in ("expired", "revoked"):
        expires = ctx.as_of + datetime.timedelta(days=rng.randint(-300, 300))
    elif rng.random() < 0.01:  # due: inside the 60-day reminder window
        expires = ctx.as_of + datetime.timedelta(days=rng.randint(1, 60))
    else:
        expires = ctx.as_of + datetime.timedelta(days=rng.randint(61, 425))
    return expires - datetime.timedelta(days=364), expires


class Generator:
    def __init__(self, *, organizations: int, people: int, documents_per_subject: int,
                 inbox_tasks: int, seed: int = 2026, stream=None):
        from documents.models import DocumentType
        from registry.models import Jurisdiction, ServiceCategory

        self.n_orgs, self.n_people = organizations, people
        self.k_docs, self.n_tasks = documents_per_subject, inbox_tasks
        self.stream = stream or sys.stderr
        now = timezone.now()
        self.ctx = ctx = Context(as_of=timezone.localdate(now), now=now,
                                 rng=random.Random(seed))
        jurisdictions = list(Jurisdiction.objects.order_by("code"))
        ctx.counties = [j for j in jurisdictions if j.level == "county"]
        ctx.cities = [j for j in jurisdictions if j.level == "city"]
        ctx.province = next(j for j in jurisdictions if j.level == "province")
        self.names = {j.pk: j.name for j in jurisdictions}
        ctx.categories = {c.code: c for c in ServiceCategory.objects.filter(parent=None)}
        ctx.doc_types = {t.code: t for t in DocumentType.objects.all()}
        self.org_entries: list[dict] = []

    # --- organizations, offerings, their documents and approvals ---------------------
    def organizations(self):
        ctx, rng = self.ctx, self.ctx.rng
        org_id, offering_id = _next_id("registry_organization"), _next_id("registry_offering")
        approval_id, doc_id = _next_id("registry_approval"), _next_id("documents_document")
        self.first_org_id = org_id
        progress = Progress("organizations", self.n_orgs, self.stream)
        orgs = CopyWriter("registry_organization", [
            "id", "name", "uscc", "registration_kind", "legal_representative", "address",
            "contact_name", "contact_phone", "contact_email", "created_at", "updated_at",
            "county_id"], progress)
        offerings = CopyWriter("registry_offering", [
            "id", "title", "description", "grade_min", "grade_max", "fee_per_session",
            "capacity", "weekdays", "is_active", "created_at", "updated_at", "organization_id",
            "category_id"])
        search = CopyWriter("registry_providersearchdocument", [
            "name_text", "title_text", "description_text", "pinyin_text", "grams", "updated_at",
            "organization_id", "person_id", "availability"])
        approvals, categories, documents = self._approval_writers()
        category_codes = list(vocab.CATEGORIES)
        for i in range(self.n_orgs):
            kind, _weight, prefix = _weighted(rng, ORG_KINDS)
            county = ctx.counties[i % len(ctx.counties)]
            code = rng.choice(category_codes)
            word, subjects = vocab.CATEGORIES[code]
            city = self.names[county.parent_id]
            name = (f"{city}{rng.choice(vocab.BRANDS)}{word}"
                    f"{rng.choice(vocab.ORG_SUFFIXES[kind])}")
            uscc = make_uscc(i + 1, prefix=prefix, region=county.code)
            orgs.add((org_id, name, uscc, kind, _person_name(rng),
                      f"{city}{county.name}{rng.choice(vocab.ROADS)}{rng.randint(1, 999)}号",
                      _person_name(rng), _phone(rng), "", ctx.now, ctx.now, county.pk))
            offered = []
            for _n in range(rng.choice((1, 1, 2, 2, 3))):
                subject = rng.choice(subjects)
                title = f"{rng.choice(vocab.AUDIENCES)}{subject}{rng.choice(vocab.LEVELS)}"
                grade_min = rng.randint(1, 6)
                grade_max = rng.randint(grade_min, min(grade_min + 3, 9))
                fee = Decimal(rng.randrange(1500, 6000, 50)) / 100
                weekdays = rng.randint(1, 31)
                description = rng.choice(vocab.DESCRIPTIONS)
                offerings.add((offering_id, title, description, grade_min, grade_max, fee,
                               rng.randint(15, 40), weekdays, True, ctx.now, ctx.now, org_id,
                               ctx.categories[code].pk))
                offered.append({"title": title, "category": code,
                                "category_name": ctx.categories[code].name,
                                "grades": [grade_min, grade_max], "fee_per_session": str(fee),
                                "weekdays": [d for d in range(1, 8) if weekdays & 1 << (d - 1)],
                                "description": description})
                offering_id += 1
            fields = document_fields(names=[name], titles=[o["title"] for o in offered],
                                     descriptions=[o["description"] for o in offered],
                                     tokens=[county_token(county.pk)])
            status = _weighted(rng, STATUS_WEIGHTS)[0]
            valid_from, valid_until = _approval_dates(ctx, status)
            jurisdiction_id = _approval_jurisdiction(ctx, county)
            approvals.add((approval_id, status, valid_from, valid_until, ctx.now, ctx.now,
                           jurisdiction_id, org_id, None,
                           Decimal(rng.randrange(6000, 9800)) / 100))
            categories.add((approval_id, ctx.categories[code].pk))
            # search's prefilter, as search_availability_refresh would write it
            available = _availability(status, jurisdiction_id, ctx.categories[code].pk)
            search.add((fields["name_text"], fields["title_text"], fields["description_text"],
                        fields["pinyin_text"], fields["grams"], ctx.now, org_id, None,
                        available))
            approval_id += 1
            for type_code in ORG_DOC_ORDER[kind][: self.k_docs]:
                doc_id = self._document(documents, doc_id, type_code, status, org_id, None)
            self.org_entries.append({
                "key": f"org:{uscc}", "kind": "organization", "name": name, "uscc": uscc,
                "county": county.name,
                "offerings": sorted(({k: v for k, v in o.items() if k != "description"}
                                     for o in offered), key=lambda o: (o["title"], o["category"])),
                "categories": [{"code": code, "name": ctx.categories[code].name}],
                "valid_from": valid_from.isoformat(), "valid_until": valid_until.isoformat(),
            })
            org_id += 1
            if len(orgs.rows) >= CHUNK // 5:
                flush_all(orgs, offerings, search, approvals, categories, documents)
        flush_all(orgs, offerings, search, approvals, categories, documents)
        progress.close()
        self.last_org_id = org_id - 1

    def _approval_writers(self):
        approvals = CopyWriter("registry_approval", [
            "id", "status", "valid_from", "valid_until", "status_changed_at", "created_at",
            "jurisdiction_id", "organization_id", "person_id", "expert_score"])
        categories = CopyWriter("registry_approval_categories",
                                ["approval_id", "servicecategory_id"])
        documents = CopyWriter("documents_document", [
            "id", "issued_on", "expires_on", "original_name", "storage_key", "size", "sha256",
            "content_type", "uploaded_at", "review_state", "rejection_reason",
            "organization_id", "person_id", "document_type_id"])
        return approvals, categories, documents

    def _document(self, writer, doc_id, type_code, status, org_id, person_id) -> int:
        ctx = self.ctx
        kind = ctx.doc_types[type_code]
        issued, expires = _document_dates(ctx, kind, status)
        state = "verified" if status != "pending" or ctx.rng.random() < 0.5 else "pending"
        writer.add((doc_id, issued, expires, f"{type_code}.pdf", f"bench/{doc_id:012d}.pdf",
                    ctx.rng.randint(40_000, 900_000), f"{doc_id:064x}", "application/pdf",
                    ctx.now, state, "", org_id, person_id, kind.pk))
        return doc_id + 1

    # --- people --------------------------------------------------------------------
    def people(self):
        ctx, rng = self.ctx, self.ctx.rng
        person_id, approval_id = _next_id("registry_person"), _next_id("registry_approval")
        doc_id = _next_id("documents_document")
        progress = Progress("people", self.n_people, self.stream)
        people = CopyWriter("registry_person", [
            "id", "name", "id_number", "kind", "phone", "email", "qualification", "created_at",
            "updated_at", "organization_id"], progress)
        search = CopyWriter("registry_providersearchdocument", [
            "name_text", "title_text", "description_text", "pinyin_text", "grams", "updated_at",
            "organization_id", "person_id", "availability"])
        approvals, categories, documents = self._approval_writers()
        serials = {kind: 0 for kind, _w, _b in PERSON_KINDS}
        cached_fields: dict[str, dict] = {}
        category_ids = [c.pk for c in ctx.categories.values()]
        for _i in range(self.n_people):
            kind, _weight, birth = _weighted(rng, PERSON_KINDS)
            county = rng.choice(ctx.counties)
            name = _person_name(rng)
            id_number = make_id_number(serials[kind], region=county.code, birth=birth)
            serials[kind] += 1
            employer = (rng.randint(self.first_org_id, self.last_org_id)
                        if self.n_orgs and rng.random() < 0.4 else None)
            people.add((person_id, name, id_number, kind, _phone(rng), "", "", ctx.now, ctx.now,
                        employer))
            fields = cached_fields.get(name)
            if fields is None:
                fields = cached_fields[name] = document_fields(names=[name])
            status = _weighted(rng, STATUS_WEIGHTS)[0]
            valid_from, valid_until = _approval_dates(ctx, status)
            jurisdiction_id = _approval_jurisdiction(ctx, county)
            approvals.add((approval_id, status, valid_from, valid_until, ctx.now, ctx.now,
                           jurisdiction_id, None, person_id,
                           Decimal(rng.randrange(6000, 9800)) / 100))
            category_id = rng.choice(category_ids)
            categories.add((approval_id, category_id))
            search.add((fields["name_text"], "", "", fields["pinyin_text"], fields["grams"],
                        ctx.now, None, person_id,
                        _availability(status, jurisdiction_id, category_id)))
            approval_id += 1
            order = PERSON_DOC_ORDER + PERSON_KIND_DOCS[kind]
            for type_code in order[: self.k_docs]:
                doc_id = self._document(documents, doc_id, type_code, status, None, person_id)
            person_id += 1
            if len(people.rows) >= CHUNK // 5:
                flush_all(people, search, approvals, categories, documents)
        flush_all(people, search, approvals, categories, documents)
        progress.close()

    # --- schools, the published list, the bureau's open tasks --------------------------
    def schools(self):
        from registry.models import School

        rows = []
        for county in self.ctx.counties:
            for n in range(1, 11):
                rows.append(School(name=f"{county.name}第{n}小学", code=f"B{county.code}{n:03d}",
                                   county=county, address=f"{county.name}学府路{n}号"))
        School.objects.bulk_create(rows, ignore_conflicts=True)

    def publication(self):
        """The list the export metric streams: every generated organization as an entry."""
        from registry.models import Publication

        ctx = self.ctx
        progress = Progress("published list", len(self.org_entries), self.stream)
        publication = Publication.objects.create(
            jurisdiction=ctx.province, year=ctx.as_of.year, number=BENCH_PUBLICATION_NUMBER,
            published_on=ctx.as_of, published_at=ctx.now, entry_count=len(self.org_entries),
            digest="", diff={"added": [], "removed": [], "changed": [], "first": True})
        entries = CopyWriter("registry_publicationentry", [
            "position", "kind", "key", "name", "data", "digest", "publication_id"], progress)
        self.org_entries.sort(key=lambda e: (e["name"], e["key"]))
        for position, entry in enumerate(self.org_entries, start=1):
            text = canonical(entry)
            entries.add((position, entry["kind"], entry["key"], entry["name"][:200], text,
                         hashlib.sha256(text.encode()).hexdigest(), publication.pk))
            if len(entries.rows) >= CHUNK:
                entries.flush()
        entries.flush()
        from registry.exports import publication_header

        sha = hashlib.sha256()
        for chunk in canonical_chunks(publication_header(publication), self.org_entries):
            sha.update(chunk.encode())
        publication.digest = sha.hexdigest()
        publication.save(update_fields=["digest"])
        progress.close()
        self.org_entries = []

    def inbox(self):
        """``n_tasks`` open qualification tasks in the inbox bureau's queue (and a tenth as
        many in other bureaus), shaped as viewflow's ViewActivation.create leaves them."""
        from viewflow.workflow.models import Process, Task

        from registry.models import Bureau
        from workflows.flows import OrganizationSelectionFlow

        ctx, rng = self.ctx, self.ctx.rng
        applicant, _created = get_user_model().objects.get_or_create(
            username=PROVIDER_USERNAME, defaults={"email": "provider@bench.invalid"})
        bureaus = list(Bureau.objects.order_by("pk"))
        home = next(b for b in bureaus if b.jurisdiction.code == INBOX_BUREAU_CODE)
        others = [b for b in bureaus if b.pk != home.pk]
        flow_ref = Process._meta.get_field("flow_class").get_prep_value(OrganizationSelectionFlow)
        task_ref = Task._meta.get_field("flow_task").get_prep_value(
            OrganizationSelectionFlow.qualification)
        bureau_ct = ContentType.objects.get_for_model(Bureau).pk
        total = self.n_tasks + self.n_tasks // 10
        process_id, task_id = _next_id("viewflow_process"), _next_id("viewflow_task")
        progress = Progress("open tasks", total, self.stream)
        processes = CopyWriter("viewflow_process", [
            "id", "flow_class", "status", "created", "data"], progress)
        cases = CopyWriter("workflows_selectionprocess", [
            "process_ptr_id", "outcome", "outcome_reason", "missing", "correction_rounds",
            "decision", "decision_reason", "score_spread_flagged", "applicant_id", "bureau_id",
            "organization_id"])
        tasks = CopyWriter("viewflow_task", [
            "id", "flow_task", "flow_task_type", "status", "created", "token",
            "owner_permission", "owner_permission_content_type_id", "owner_permission_obj_pk",
            "process_id", "data"])
        for n in range(total):
            bureau = home if n < self.n_tasks else rng.choice(others)
            created = ctx.now - datetime.timedelta(minutes=rng.randint(0, 60 * 24 * 90))
            processes.add((process_id, flow_ref, "NEW", created, "{}"))
            cases.add((process_id, "open", "", "[]", 0, "", "", False, applicant.pk, bureau.pk,
                       rng.randint(self.first_org_id, self.last_org_id)))
            tasks.add((task_id, task_ref, "HUMAN", "NEW", created, "start",
                       "registry.clerk_bureau", bureau_ct, str(bureau.pk), process_id, "{}"))
            process_id += 1
            task_id += 1
            if len(processes.rows) >= CHUNK:
                flush_all(processes, cases, tasks)
        flush_all(processes, cases, tasks)
        progress.close()


PROVIDER_TABLES = [
    "registry_organization", "registry_person", "registry_publication", "viewflow_process",
    "workflows_expiryreminder", "workflows_digestlog",
]


def reset() -> None:
    """Empty every provider, case and list table (CASCADE): for a dedicated bench database."""
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(PROVIDER_TABLES)} CASCADE")


def already_loaded() -> bool:
    from registry.models import Publication

    return Publication.objects.filter(number=BENCH_PUBLICATION_NUMBER).exists()


# The search documents' n-gram indexes (GIN, fastupdate off), as their migration creates
# them. Written row by row, every document updated the posting list of each of its grams,
# and the lists of common grams hold up to a million documents: at SCALE 1 and above,
# COPYing the documents spent most of the generation waiting on these two indexes (an
# organization a few milliseconds). The load drops them and builds them once at the end,
# sorted, as CREATE INDEX does.
_SEARCH_GIN = importlib.import_module("registry.migrations.0009_search_split_indexes")


@contextmanager
def _search_indexes_built_after():
    """Without the search documents' GIN indexes for the duration, then built again (also
    when the load fails half-way; a load killed before it ends leaves them dropped, and
    the next load, which starts again from empty tables, builds them)."""
    with connection.cursor() as cursor:
        for statement in _SEARCH_GIN.NEW_INDEXES:  # "CREATE INDEX <name> ON …"
            cursor.execute(f"DROP INDEX IF EXISTS {statement.split()[2]}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '512MB'")
            for statement in _SEARCH_GIN.NEW_INDEXES:
                cursor.execute(statement)
            cursor.execute("RESET maintenance_work_mem")


def generate(*, organizations: int, people: int, documents_per_subject: int,
             inbox_tasks: int | None = None, seed: int = 2026, stream=None) -> dict:
    """Write the load and return what was written: recorded as the database's comment
    (which ``python -m bench`` and its probes read: ``bench.RECORDED_LOAD_SQL``) and saved
    to var/load-<database>.json, a copy for people to read."""
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
    generator = Generator(organizations=organizations, people=people,
                          documents_per_subject=documents_per_subject,
                          inbox_tasks=organizations if inbox_tasks is None else inbox_tasks,
                          seed=seed, stream=stream)
    with _search_indexes_built_after():
        generator.schools()
        generator.organizations()
        generator.people()
        generator.publication()
        generator.inbox()
        availability_rebuild()  # what search ranks on, as the services would have written it
    for table in ("registry_organization", "registry_offering", "registry_person",
                  "registry_providersearchdocument", "registry_approval",
                  "registry_approval_categories", "documents_document",
                  "registry_publicationentry", "viewflow_process", "viewflow_task"):
        _sync_sequence(table)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # as autovacuum would: visibility map for index-only scans
    summary = {
        "as_of": generator.ctx.as_of.isoformat(), "organizations": organizations,
        "people": people, "documents_per_subject": documents_per_subject,
        "inbox_tasks": generator.n_tasks, "seconds": round(time.monotonic() - started, 1),
        "database": connection.settings_dict["NAME"],
    }
    # The database itself says what it holds, so that a second checkout (a fresh clone, a
    # worktree) finds the load instead of resetting it; the file in var/ is a copy.
    with connection.cursor() as cursor:
        name = connection.ops.quote_name(connection.settings_dict["NAME"])
        cursor.execute(f"COMMENT ON DATABASE {name} IS %s", [json.dumps(summary)])
    path = settings.VAR_DIR / f"load-{connection.settings_dict['NAME']}.json"
    path.parent.mkdir(parents=True, exist_ok=True)  # a fresh clone has no var/ yet
    path.write_text(json.dumps(summary, indent=2))
    return summary
