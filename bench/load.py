"""``load``: the registry under a province's load, through the production server.

Starts what production runs, on the bench data (``python -m bench`` gives this probe a copy
of the bench database, ``<name>_load``, dropped afterwards: the load decides cases and the
sweep suspends approvals, and the other probes must keep measuring the generated state):

- gunicorn serving ``config.wsgi`` with production's settings (config/gunicorn.py:
  ``2 × cores + 1`` gthread workers of ``GUNICORN_THREADS`` threads, 4; ``BENCH_THREADS``
  sets another number for the bench), on a free loopback port, with one proxy in front
  (``PROXY_COUNT=1``: the public's requests come from many addresses, sent in
  ``X-Forwarded-For``, so the per-address throttles apply to each address as they would
  behind a real proxy);
- a Celery worker and the beat scheduler, the credential sweep every
  ``RECERT_SWEEP_EVERY_SECONDS`` (10 s) instead of nightly, so it runs during the load.

Then an open-loop client (threads of this process: arrivals are drawn in advance, a Poisson
process per kind of request, and each request is sent at its time whether or not earlier ones
have been answered; latency counts from the scheduled time, so a server that falls behind is
not flattered by a client that waits) drives the mix over HTTP for ``--load-seconds``:

- school searches, 60/s: organizations by CJK keyword (with category and county filters) and
  by pinyin, individuals by name, pinyin and category (API, a school's token);
- provider profile pages (a school's session), public list pages, and exports (CSV, half of
  them conditional: ``If-None-Match`` with the ETag a first download gave);
- a reviewer's inbox (API, the clerk's token) and one transition a second: the clerk's
  qualification check of a case prepared before the load (``POST /api/v1/tasks/<id>/act/``).

It prints throughput, p50/p95/p99 per kind and the error count side by side, then the
saturation throughput: the same mix at rising rates, in steps of ``--step-seconds``, until
the server completes less than 90% of what is offered or answers its p95 later than a
second; the best completed rate of a step is the figure.

Locust (available from the mirror) was not used: its users are closed loops (a user waits
for each answer), which under-reports latency once the server falls behind; an open-loop
generator is a few dozen lines.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from bench.auth_load import GUNICORN_CONFIG, HOST, THREADS, _cores, _free_port, _request

ROOT = Path(__file__).resolve().parent.parent
SWEEP_EVERY = 10  # seconds: the beat's credential sweep during the load
PINYIN = ["weiqi", "lanqiu", "biancheng", "shufa", "wq", "zuqiu", "wudao", "meishu"]
PEOPLE_PINYIN = ["wangwei", "lifang", "zhangmin", "liuyang", "chenjing", "yangli"]


def _pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _latency(samples: list[float]) -> dict:
    """p50, p95 and p99 of ``samples`` (seconds) in ms; None each when there are none."""
    if not samples:
        return {"p50_ms": None, "p95_ms": None, "p99_ms": None}
    return {"p50_ms": round(statistics.median(samples) * 1000, 1),
            "p95_ms": round(_pct(samples, 0.95) * 1000, 1),
            "p99_ms": round(_pct(samples, 0.99) * 1000, 1)}


class Stack:
    """gunicorn, a Celery worker and beat, their output in var/bench-load-*.log."""

    def __init__(self, workers: int):
        self.port = _free_port()
        self.workers = workers
        self.processes: list[subprocess.Popen] = []
        self.logs = {name: ROOT / "var" / f"bench-load-{name}.log"
                     for name in ("gunicorn", "worker", "beat")}

    def _start(self, name: str, argv: list[str], env: dict) -> subprocess.Popen:
        with open(self.logs[name], "w") as log:
            process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log,  # noqa: S603
                                       stderr=subprocess.STDOUT)
        self.processes.append(process)
        return process

    def __enter__(self):
        bin_dir = Path(sys.executable).parent
        schedule = ROOT / "var" / "bench-load-celerybeat-schedule"
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings",
               "DJANGO_ALLOWED_HOSTS": HOST, "REGISTRY_REQUIRE_2FA_FOR": "", "PROXY_COUNT": "1",
               "GUNICORN_THREADS": str(THREADS),
               "RECERT_SWEEP_EVERY_SECONDS": str(SWEEP_EVERY),
               # this checkout's code, whatever the environment's editable install points at
               "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT),
                                                           os.environ.get("PYTHONPATH")]))}
        (ROOT / "var").mkdir(exist_ok=True)
        server = self._start("gunicorn", [
            str(bin_dir / "gunicorn"), "-c", str(GUNICORN_CONFIG), "config.wsgi",
            "--workers", str(self.workers), "--bind", f"{HOST}:{self.port}"], env)
        self._start("worker", [str(bin_dir / "celery"), "-A", "config", "worker",
                               "--loglevel=INFO", "--concurrency=2", "-n", "bench-load@%h"], env)
        self._start("beat", [str(bin_dir / "celery"), "-A", "config", "beat", "--loglevel=INFO",
                             "--schedule", str(schedule)], env)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if server.poll() is not None:
                self.__exit__()
                sys.exit(f"gunicorn exited with {server.returncode}: see {self.logs['gunicorn']}")
            try:
                _request(self.port, "GET", "/healthz")
                return self
            except OSError:
                time.sleep(0.3)
        self.__exit__()
        sys.exit(f"gunicorn did not answer within 90 s: see {self.logs['gunicorn']}")

    def __exit__(self, *exc):
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()

    def sweeps(self) -> list[tuple[float, float]]:
        """(start, end) of each credential sweep the worker completed, in seconds since
        the epoch, from its log: a line "[<time>: INFO/…] Task …credential_sweep[…]
        succeeded in <seconds>s: …" is written as the sweep ends. The worker writes its
        time in the settings' TIME_ZONE (Django sets the process's TZ to it)."""
        from django.conf import settings

        zone = ZoneInfo(settings.TIME_ZONE)
        found = []
        for line in self.logs["worker"].read_text(errors="replace").splitlines():
            if "credential_sweep" in line and " succeeded in " in line:
                try:
                    seconds = float(line.split(" succeeded in ")[1].split("s:")[0])
                    stamp = line[1:line.index(": ")]
                    end = datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f").replace(
                        tzinfo=zone).timestamp()
                except (IndexError, ValueError):
                    continue
                found.append((end - seconds, end))
        return found


class Fixture:
    """What the client needs, made before the load: tokens, a session, ids, ready cases."""

    def __init__(self, cases: int):
        from django.contrib.auth import get_user_model  # noqa: F401 (apps loaded)
        from django.test import Client
        from django.utils import timezone

        from accounts.services import token_create
        from bench import vocabulary as vocab
        from bench.actors import ensure_actors
        from bench.probes import _open_task, _ready_cases
        from documents.models import Document
        from registry.models import Jurisdiction, ProviderAvailability, Publication

        actors = ensure_actors()
        self.actors = actors
        _token, self.school_token = token_create(actor=actors.school_user, name="bench load",
                                                 days=1)
        _token, self.clerk_token = token_create(actor=actors.clerk, name="bench load", days=1)
        client = Client()
        client.force_login(actors.school_user)
        self.school_cookie = f"sessionid={client.cookies['sessionid'].value}"
        lineage = [j.pk for j in actors.school.county.lineage()]
        today = timezone.localdate()
        self.profiles = list(ProviderAvailability.objects.filter(
            organization__isnull=False, jurisdiction_id__in=lineage, valid_from__lte=today,
            valid_until__gte=today).values_list("organization_id", flat=True).distinct()[:500])
        publication = Publication.objects.order_by("-entry_count", "-pk").first()
        if publication is None:
            sys.exit("no published list in the bench data")
        self.publication = publication.pk
        self.list_pages = max(1, -(-publication.entry_count // 100))
        self.list_codes = list(Publication.objects.values_list(
            "jurisdiction__code", flat=True).distinct())
        self.counties = list(Jurisdiction.objects.filter(level="county").values_list(
            "code", flat=True))
        self.subjects = [s for _w, items in vocab.CATEGORIES.values() for s in items]
        self.brands = list(vocab.BRANDS)
        self.category_codes = list(vocab.CATEGORIES)
        self.names = [s + g for s in vocab.SURNAMES[:30] for g in vocab.GIVEN[:12]]
        started = time.monotonic()
        self.tasks: list[tuple[int, dict]] = []
        for case in _ready_cases(actors, cases):
            task = _open_task(case, "qualification")
            data = {f"doc_{pk}": "verify" for pk in Document.objects.filter(
                organization_id=case.organization_id, superseded_at__isnull=True
            ).values_list("pk", flat=True)}
            self.tasks.append((task.pk, data))
        self.prepare_seconds = round(time.monotonic() - started, 1)
        self._lock = threading.Lock()

    def next_task(self):
        with self._lock:
            return self.tasks.pop(0) if self.tasks else None


class Mix:
    """The kinds of request, their rates at ``scale`` 1 and how each is made."""

    RATES = {"search_org": 25.0, "search_org_pinyin": 10.0, "search_people": 25.0,
             "profile": 5.0, "list_page": 3.0, "export": 0.2, "export_304": 0.2,
             "inbox": 1.0, "transition": 1.0}
    SEARCHES = ("search_org", "search_org_pinyin", "search_people")

    def __init__(self, fixture: Fixture, port: int, rng: random.Random):
        self.f, self.port, self.rng = fixture, port, rng
        self.etag = None

    def _school(self):
        return {"Authorization": f"Bearer {self.f.school_token}", "Accept": "application/json"}

    def _public(self):
        # one of many addresses behind the proxy (PROXY_COUNT=1)
        rng = self.rng
        return {"X-Forwarded-For": f"10.{rng.randrange(256)}.{rng.randrange(256)}."
                                   f"{rng.randrange(1, 255)}"}

    def request(self, kind: str):
        """(method, path, headers, body) of one request of ``kind``; None if none is left."""
        rng, f = self.rng, self.f
        if kind == "search_org":
            query = {"keyword": rng.choice(f.subjects + f.brands)}
            if rng.random() < 0.5:
                query["category"] = rng.choice(f.category_codes)
            if rng.random() < 0.3:
                query["county"] = rng.choice(f.counties)
            return "GET", f"/api/v1/search/organizations/?{urlencode(query)}", self._school(), None
        if kind == "search_org_pinyin":
            query = {"keyword": rng.choice(PINYIN)}
            return "GET", f"/api/v1/search/organizations/?{urlencode(query)}", self._school(), None
        if kind == "search_people":
            query = {"keyword": rng.choice(f.names if rng.random() < 0.7 else PEOPLE_PINYIN)}
            if rng.random() < 0.5:
                query["category"] = rng.choice(f.category_codes)
            return "GET", f"/api/v1/search/people/?{urlencode(query)}", self._school(), None
        if kind == "profile":
            return ("GET", f"/registry/providers/{rng.choice(f.profiles)}/",
                    {"Cookie": f.school_cookie}, None)
        if kind == "list_page":
            if rng.random() < 0.3:
                return "GET", f"/registry/lists/{rng.choice(f.list_codes)}/", self._public(), None
            page = rng.randint(1, min(f.list_pages, 50))
            return "GET", f"/registry/lists/p/{f.publication}/?page={page}", self._public(), None
        if kind in ("export", "export_304"):
            headers = self._public()
            if kind == "export_304" and self.etag:
                headers["If-None-Match"] = self.etag
            return "GET", f"/registry/lists/p/{f.publication}/export.csv", headers, None
        if kind == "inbox":
            return ("GET", "/api/v1/tasks/",
                    {"Authorization": f"Bearer {f.clerk_token}", "Accept": "application/json"},
                    None)
        if kind == "transition":
            task = f.next_task()
            if task is None:
                return None
            pk, data = task
            return ("POST", f"/api/v1/tasks/{pk}/act/",
                    {"Authorization": f"Bearer {f.clerk_token}",
                     "Content-Type": "application/json", "Accept": "application/json"},
                    json.dumps({"data": data}))
        raise ValueError(kind)


def _ok(kind: str, status: int) -> bool:
    if kind == "export_304":
        return status in (200, 304)
    return status == 200


class Run:
    """One open-loop run of the mix at ``scale`` × its rates for ``seconds``."""

    def __init__(self, mix: Mix, *, scale: float, seconds: float, kinds=None, seed: int = 25):
        self.mix, self.scale, self.seconds = mix, scale, seconds
        rng = random.Random(seed)
        arrivals = []
        for kind, rate in Mix.RATES.items():
            if kinds is not None and kind not in kinds:
                continue
            if kind == "transition":  # one a second, as the issue asks, at every scale
                arrivals += [(t + 0.5, kind) for t in range(int(seconds))]
                continue
            t = rng.expovariate(rate * scale)
            while t < seconds:
                arrivals.append((t, kind))
                t += rng.expovariate(rate * scale)
        self.arrivals = sorted(arrivals)
        self.latency: dict[str, list[float]] = defaultdict(list)
        # when each request was due, in seconds since the epoch, beside its latency
        self.due_at: dict[str, list[float]] = defaultdict(list)
        self._wall_offset = 0.0  # time.time() - time.monotonic() when the run starts
        self.errors: dict[str, list[str]] = defaultdict(list)
        self.statuses: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        self.timeouts: dict[str, int] = defaultdict(int)
        self.skipped = 0
        self._lock = threading.Lock()

    def _fire(self, kind: str, due: float, request):
        method, path, headers, body = request
        try:
            status, response_headers, _body = _request(self.mix.port, method, path,
                                                       headers=headers, body=body)
        except TimeoutError:  # no answer in 30 s: a timing (reported), not an error answer
            status, response_headers, message = -1, [], ""
        except OSError as error:
            status, response_headers = 0, []
            message = f"{type(error).__name__}: {error}"
        else:
            message = f"{status} {method} {path}"
        finished = time.monotonic()
        if kind == "export" and status == 200:
            etag = dict((k.lower(), v) for k, v in response_headers).get("etag")
            if etag:
                self.mix.etag = etag
        with self._lock:
            self.latency[kind].append(finished - due)
            self.due_at[kind].append(due + self._wall_offset)
            self.statuses[kind][status] += 1
            if status == -1:
                self.timeouts[kind] += 1
            elif not _ok(kind, status):
                self.errors[kind].append(message)

    def go(self, pool: ThreadPoolExecutor) -> float:
        start = time.monotonic()
        self._wall_offset = time.time() - start
        futures = []
        for offset, kind in self.arrivals:
            request = self.mix.request(kind)
            if request is None:
                self.skipped += 1
                continue
            due = start + offset
            pause = due - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            futures.append(pool.submit(self._fire, kind, due, request))
        for future in futures:
            future.result()
        return time.monotonic() - start

    def summary(self, elapsed: float) -> dict:
        kinds = {}
        for kind, samples in sorted(self.latency.items()):
            kinds[kind] = {"n": len(samples), "rps": round(len(samples) / elapsed, 1),
                           **_latency(samples),
                           "errors": len(self.errors.get(kind, [])),
                           "timeouts": self.timeouts.get(kind, 0),
                           "statuses": dict(self.statuses[kind])}
        searches = [s for k in Mix.SEARCHES for s in self.latency.get(k, [])]
        search = _latency(searches)
        done = sum(len(s) for s in self.latency.values())
        return {"seconds": round(elapsed, 1),
                "offered_rps": round(len(self.arrivals) / self.seconds, 1),
                "completed_rps": round(done / elapsed, 1), "requests": done,
                "errors": sum(len(e) for e in self.errors.values()),
                "timeouts": sum(self.timeouts.values()),
                "error_examples": [e for errors in self.errors.values() for e in errors[:3]][:10],
                "search_rps": round(len(searches) / elapsed, 1),
                "search_p50_ms": search["p50_ms"], "search_p95_ms": search["p95_ms"],
                "search_p99_ms": search["p99_ms"],
                "kinds": kinds, "skipped": self.skipped}


def _split_by_sweeps(run: Run, kinds, sweeps: list[tuple[float, float]]) -> dict:
    """The latency of ``kinds`` of ``run``, split by whether a credential sweep was running
    when each request was due: what the sweep costs the requests that meet it."""
    during, outside = [], []
    for kind in kinds:
        for due, latency in zip(run.due_at.get(kind, []), run.latency.get(kind, []),
                                strict=True):
            met = any(start <= due <= end for start, end in sweeps)
            (during if met else outside).append(latency)

    return {"during_sweep": {"n": len(during), **_latency(during)},
            "outside_sweep": {"n": len(outside), **_latency(outside)}}


def _print_table(title: str, summary: dict) -> None:
    print(f"\n{title}: offered {summary['offered_rps']} req/s, completed "
          f"{summary['completed_rps']} req/s over {summary['seconds']} s, "
          f"errors {summary['errors']}, timeouts {summary['timeouts']}", file=sys.stderr)
    print(f"  {'kind':<18} {'n':>6} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
          f"{'errors':>6}", file=sys.stderr)
    for kind, row in summary["kinds"].items():
        print(f"  {kind:<18} {row['n']:>6} {row['rps']:>7} {row['p50_ms']:>8} "
              f"{row['p95_ms']:>8} {row['p99_ms']:>8} {row['errors']:>6}", file=sys.stderr)
    for example in summary["error_examples"]:
        print(f"  error: {example}", file=sys.stderr)
    sys.stderr.flush()


WARM_SECONDS = 10


def probe_load(args, emit) -> None:
    workers = 2 * _cores() + 1
    seconds = args.load_seconds
    fixture = Fixture(cases=int(seconds) + 2)
    if not fixture.profiles:
        sys.exit("no organization available to the bench school: nothing to profile")
    rng = random.Random(2025)
    with Stack(workers) as stack, ThreadPoolExecutor(max_workers=args.load_threads) as pool:
        mix = Mix(fixture, stack.port, rng)
        # Warm every worker (imports, connections, the process's snapshots, compiled
        # templates, the list pages' bodies) and PostgreSQL's buffers of this copy of the
        # database: the same mix at full rate, transitions aside (their cases are counted),
        # for WARM_SECONDS. Production's server has been serving for hours; with 3 s at half
        # rate, the first seconds of the measured run were the workers' first requests.
        Run(mix, scale=1.0, seconds=WARM_SECONDS, kinds=set(Mix.RATES) - {"transition"},
            seed=1).go(pool)
        _status, headers, _body = _request(stack.port, "GET",
                                           f"/registry/lists/p/{fixture.publication}/export.csv",
                                           headers=mix._public())
        mix.etag = dict((k.lower(), v) for k, v in headers).get("etag")
        main = Run(mix, scale=1.0, seconds=seconds)
        client_cpu = time.process_time()  # this process: the client's own share of the cores
        main_summary = main.summary(main.go(pool))
        client_cpu = time.process_time() - client_cpu
        _print_table("load at 60 searches/s plus the rest", main_summary)
        steps = []
        for factor in args.saturation_steps:
            step = Run(mix, scale=factor, seconds=args.step_seconds,
                       kinds=set(Mix.RATES) - {"transition"}, seed=int(factor * 100))
            summary = step.summary(step.go(pool))
            steps.append({"scale": factor, **{k: summary[k] for k in (
                "offered_rps", "completed_rps", "errors", "search_p95_ms")}})
            print(f"saturation step ×{factor}: offered {summary['offered_rps']} req/s, "
                  f"completed {summary['completed_rps']} req/s, search p95 "
                  f"{summary['search_p95_ms']} ms, errors {summary['errors']}",
                  file=sys.stderr, flush=True)
            if (summary["completed_rps"] < 0.9 * summary["offered_rps"]
                    or (summary["search_p95_ms"] or 0) > 1000):
                break
        sweeps = stack.sweeps()
    transitions = main.latency.get("transition", [])
    # the searches and transitions of the measured run that met a sweep, and the others
    by_sweep = {"searches": _split_by_sweeps(main, Mix.SEARCHES, sweeps),
                "transitions": _split_by_sweeps(main, ["transition"], sweeps)}
    for name, split in by_sweep.items():
        print(f"{name} while a credential sweep ran: {split['during_sweep']}; "
              f"otherwise: {split['outside_sweep']}", file=sys.stderr, flush=True)
    common = {"workers": workers, "threads": THREADS, "cores": _cores(), "seconds": seconds,
              "sweeps_during_load": len(sweeps),
              "sweep_seconds": [round(end - start, 3) for start, end in sweeps][:20],
              "cases_prepared_seconds": fixture.prepare_seconds,
              "client_cpu_seconds": round(client_cpu, 1),
              "client_threads": args.load_threads}
    emit("load_search_p95_ms", main_summary["search_p95_ms"], "ms", "<= 30",
         (main_summary["search_p95_ms"] or 1e9) <= 30,
         p50=main_summary["search_p50_ms"], p99=main_summary["search_p99_ms"],
         search_rps=main_summary["search_rps"], **common)
    emit("load_throughput_rps", main_summary["completed_rps"], "req/s",
         f"offered {main_summary['offered_rps']}",
         main_summary["completed_rps"] >= 0.9 * main_summary["offered_rps"],
         kinds=main_summary["kinds"])
    # An error answer (5xx, 4xx, a refused or reset connection) fails the probe; a request
    # not answered within 30 s is a timing: reported, never a failure of the run.
    errors, timeouts = main_summary["errors"], main_summary["timeouts"]
    emit("load_errors", errors, "requests", "0", errors == 0, error=errors > 0,
         examples=main_summary["error_examples"])
    emit("load_timeouts", timeouts, "requests", "0 (a timing: not answered in 30 s)",
         timeouts == 0)
    median = round(statistics.median(transitions) * 1000, 1) if transitions else None
    emit("load_transition_median_ms", median, "ms", "<= 100",
         median is not None and median <= 100, transitions=len(transitions),
         action="qualification check of every document (clerk), over HTTP")
    outside = by_sweep["searches"]["outside_sweep"]
    emit("load_search_p95_outside_sweep_ms", outside["p95_ms"], "ms", "(reference)",
         outside["n"] > 0, p50=outside["p50_ms"], n=outside["n"], **by_sweep)
    best = max((s["completed_rps"] for s in steps), default=None)
    emit("load_saturation_rps", best, "req/s", "(reference)", best is not None, steps=steps)
    for kind, row in main_summary["kinds"].items():
        emit(f"load_{kind}_p95_ms", row["p95_ms"], "ms", "(reference)", row["errors"] == 0,
             p50=row["p50_ms"], p99=row["p99_ms"], rps=row["rps"], n=row["n"])
    if errors:
        sys.exit(f"load: {errors} requests failed under load: {main_summary['error_examples']}")

