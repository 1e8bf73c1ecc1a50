"""Names and values for the few reads written as SQL (school search, the school lookup):
tables and columns quoted as the models name them, so a renamed column or table cannot
leave a hand-written query behind."""

from functools import cache

from django.db import connection
from django.db.models import Exists


def table(model) -> str:
    return _quoted(connection.vendor, model, None)


def column(model, field: str) -> str:
    """The column of ``model.field`` (a field name, ``"id"`` or a foreign key's name)."""
    return _quoted(connection.vendor, model, field)


@cache
def _quoted(vendor: str, model, field: str | None) -> str:
    """A table's or column's quoted name, worked out once per process: a search names
    some sixty of them, and looking each up again cost about 0.3 ms a request. (Models and
    their columns do not change while the process runs; ``vendor`` keeps the quoting of
    each database apart.)"""
    name = model._meta.db_table if field is None else model._meta.get_field(field).column
    return connection.ops.quote_name(name)


def db_value(model, field: str, value):
    """``value`` as the database takes it for ``model.field`` (dates and decimals on
    SQLite are text, for one)."""
    return model._meta.get_field(field).get_db_prep_value(value, connection, prepared=False)


def placeholders(values) -> str:
    """``%s, %s, …`` for an IN list (which SQL does not allow empty)."""
    if not values:
        raise ValueError("an IN list needs at least one value")
    return ", ".join(["%s"] * len(values))


class ProbeExists(Exists):
    """``EXISTS (…)`` that PostgreSQL answers as it is written: one probe of the subquery
    per outer row (by its index). A plain ``EXISTS`` the planner may turn into a join or a
    hashed subplan, which reads the whole subquery first: right when it is small, ruinous
    when it is hundreds of thousands of rows and the outer rows are few. ``OFFSET 0``
    keeps it as written (PostgreSQL simplifies an ``EXISTS`` only without an offset)."""

    template = "EXISTS(%(subquery)s OFFSET 0)"
