"""The benchmark harness behind ``make bench``: load generation and metrics."""

import json

# What ``generate_load`` recorded about a bench database's load: the database's own comment
# (bench.generate writes it), read by ``python -m bench`` before generating and by the
# probes. Not a file of the checkout: a fresh clone has no var/, and CI keeps the bench
# databases between runs.
RECORDED_LOAD_SQL = ("SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                     "WHERE datname = current_database()")


def parse_recorded_load(comment: str | None) -> dict | None:
    """The load a database's comment describes, or None (no comment, or not ours)."""
    try:
        return json.loads(comment) if comment else None
    except ValueError:
        return None
