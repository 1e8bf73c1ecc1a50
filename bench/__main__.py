"""``make bench`` / ``python -m bench [--scale S]``: load the data if it is not there yet,
run every benchmark (each in its own process), print a table and one JSON line per metric,
and write the same to var/bench.json.

PostgreSQL only (``DATABASE_URL``). At ``--scale 1``: 100k organizations, 1M people, three
documents each, a 100k-entry published list and 100k open tasks in one bureau.
``sweep_queries`` is compared with the same sweep on a companion database holding 1% of
the data (``<name>_small``), generated and migrated here when needed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import environ

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
FULL = {"organizations": 100_000, "people": 1_000_000, "documents_per_subject": 3}
SMALLEST = {"organizations": 200, "people": 2_000}


def fail(message: str):
    print(f"make bench: {message}", file=sys.stderr)
    sys.exit(2)


def database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        fail("DATABASE_URL is not set; the benchmarks run on PostgreSQL only "
             "(e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench make bench). "
             "SQLite is refused: its numbers would say nothing about production.")
    engine = environ.Env.db_url_config(url)["ENGINE"]
    if "postgresql" not in engine:
        fail(f"DATABASE_URL points at {engine}; the benchmarks run on PostgreSQL only. "
             "SQLite is refused: its numbers would say nothing about production.")
    return url


def sizes(scale: float) -> dict:
    return {"organizations": max(1, round(FULL["organizations"] * scale)),
            "people": round(FULL["people"] * scale),
            "documents_per_subject": FULL["documents_per_subject"]}


def run(args: list[str], url: str, *, capture: bool = False) -> str:
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings"}
    result = subprocess.run([PYTHON, *args], cwd=ROOT, env=env, check=False,  # noqa: S603
                            stdout=subprocess.PIPE if capture else None, text=True)
    if result.returncode != 0:
        fail(f"`{' '.join(args)}` failed with exit status {result.returncode}")
    return result.stdout if capture else ""


def ensure_database(url: str) -> None:
    """Create the database if it does not exist (a fresh machine has only ``test``)."""
    import psycopg

    config = environ.Env.db_url_config(url)
    admin = psycopg.connect(host=config["HOST"] or None, port=config["PORT"] or None,
                            user=config["USER"] or None, password=config["PASSWORD"] or None,
                            dbname="postgres", autocommit=True)
    with admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                               [config["NAME"]]).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{config["NAME"]}"')


def recorded_load(url: str) -> dict | None:
    """What ``generate_load`` recorded in the database (its comment), if anything."""
    import psycopg

    config = environ.Env.db_url_config(url)
    with psycopg.connect(host=config["HOST"] or None, port=config["PORT"] or None,
                         user=config["USER"] or None, password=config["PASSWORD"] or None,
                         dbname=config["NAME"]) as db:
        comment = db.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                             "WHERE datname = current_database()").fetchone()[0]
    try:
        return json.loads(comment) if comment else None
    except ValueError:
        return None


def load_matches(url: str, want: dict) -> dict | None:
    """The recorded load if it is the one wanted. Read from the database, not from a file of
    this checkout: a clone without var/ must not reset a database that holds the load."""
    info = recorded_load(url)
    if info is None:
        return None
    same = all(info.get(k) == v for k, v in want.items())
    return info if same else None


def prepare(url: str, want: dict, *, label: str) -> dict:
    """Create the database if needed, migrate, then generate the load unless the same load
    is already there."""
    ensure_database(url)
    run(["manage.py", "migrate", "--noinput", "-v", "0"], url)
    info = load_matches(url, want)
    if info is None:
        print(f"Generating the {label} load: {want['organizations']:,} organizations, "
              f"{want['people']:,} people …", file=sys.stderr, flush=True)
        run(["manage.py", "generate_load", "--reset",
             "--organizations", str(want["organizations"]), "--people", str(want["people"]),
             "--documents-per-subject", str(want["documents_per_subject"])], url)
        info = load_matches(url, want)
        if info is None:
            fail("generate_load did not record its load")
    return info


def probe(name: str, url: str, *extra: str) -> list[dict]:
    started = time.monotonic()
    print(f"… {name}", file=sys.stderr, flush=True)
    out = run(["-m", "bench.probes", name, *extra], url, capture=True)
    rows = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    print(f"  {name}: {time.monotonic() - started:.1f} s", file=sys.stderr, flush=True)
    return rows


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory_kb = next(int(line.split()[1]) for line in
                         Path("/proc/meminfo").read_text().splitlines()
                         if line.startswith("MemTotal"))
    except (OSError, StopIteration):
        memory_kb = 0
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(memory_kb / 1024**2, 1),
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "python": platform.python_version(), "system": platform.platform()}


def table(rows: list[dict]) -> str:
    lines = [f"{'metric':<24} {'value':>12} {'unit':<8} {'target':<34} {'baseline':>12}  ok"]
    lines.append("-" * len(lines[0]))
    for row in rows:
        baseline = "" if row.get("baseline") is None else str(row["baseline"])
        lines.append(f"{row['metric']:<24} {row['value']!s:>12} {row['unit']:<8} "
                     f"{row['target']:<34} {baseline:>12}  {'yes' if row['ok'] else 'NO'}")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--scale", type=float, default=float(os.environ.get("SCALE") or 1))
    parser.add_argument("--only", nargs="*", default=None, help="run only these probes")
    args = parser.parse_args(argv)
    if not 0 < args.scale <= 1:
        fail("SCALE must be in (0, 1]")
    url = database_url()
    started = time.monotonic()
    want = sizes(args.scale)
    info = prepare(url, want, label="benchmark")
    small_want = {**sizes(args.scale / 100),
                  "organizations": max(SMALLEST["organizations"],
                                       sizes(args.scale / 100)["organizations"]),
                  "people": max(SMALLEST["people"], sizes(args.scale / 100)["people"])}
    run_started = time.monotonic()
    machine_at_start = machine()
    rows = [{"metric": "generate_seconds", "value": info["seconds"], "unit": "s",
             "target": "<= 900", "baseline": None, "ok": info["seconds"] <= 900,
             "organizations": info["organizations"], "people": info["people"]}]
    only = set(args.only) if args.only else None

    def wanted(name):
        return only is None or name in only

    if wanted("search"):
        rows += probe("search", url)
    if wanted("sweep"):
        name = environ.Env.db_url_config(url)["NAME"]
        small_url = url.rsplit("/", 1)[0] + f"/{name}_small"
        ensure_database(small_url)
        prepare(small_url, small_want, label="companion (1%)")
        other = run(["-m", "bench.probes", "sweep_queries"], small_url, capture=True)
        other_line = next(line for line in other.splitlines() if line.startswith("{"))
        rows += probe("sweep", url, "--other", other_line, "--other-name",
                      f"queries at {small_want['organizations']:,} organizations / "
                      f"{small_want['people']:,} people")
    if wanted("export"):
        rows += probe("export", url)
    if wanted("upload"):
        rows += probe("upload", url)
    if wanted("inspection"):
        rows += probe("inspection", url)
    if wanted("transition"):
        rows += probe("transition", url)
    if wanted("inbox"):
        rows += probe("inbox", url)
    if wanted("case_page"):
        rows += probe("case_page", url)
    if wanted("auth_load"):
        rows += probe("auth_load", url)
    summary = {"scale": args.scale, "load": info, "machine_at_start": machine_at_start,
               "machine": machine(),
               "bench_seconds": round(time.monotonic() - run_started, 1),
               "total_seconds": round(time.monotonic() - started, 1),
               "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "metrics": rows}
    print()
    print(table(rows))
    print()
    for row in rows:
        print(json.dumps(row, ensure_ascii=False))
    out = ROOT / "var" / "bench.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(summary, ensure_ascii=False, indent=2))
    print(f"\nWrote {out.relative_to(ROOT)} ({summary['bench_seconds']} s of benchmarks).",
          file=sys.stderr)
    return 0 if all(row["ok"] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
