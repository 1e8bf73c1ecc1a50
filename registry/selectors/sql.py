"""Names and values for the few reads written as SQL (school search, the school lookup):
tables and columns quoted as the models name them, so a renamed column or table cannot
leave a hand-written query behind."""

import inspect
from functools import cache

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Exists, Model, signals
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.sql import Query


def table(model) -> str:
    return _quoted(engine(), model, None)


def column(model, field: str) -> str:
    """The column of ``model.field`` (a field name, ``"id"`` or a foreign key's name)."""
    return _quoted(engine(), model, field)


def engine() -> str:
    """The default database's engine (a key for what is worked out once per database),
    read from its settings: ``connection.vendor`` finds the thread's connection first,
    about 1 µs, and a search names some sixty columns."""
    return connections.settings[DEFAULT_DB_ALIAS]["ENGINE"]


@cache
def _quoted(engine: str, model, field: str | None) -> str:
    """A table's or column's quoted name, worked out once per process: a search names
    some sixty of them, and looking each up again cost about 0.3 ms a request. (Models and
    their columns do not change while the process runs; ``engine`` keeps the quoting of
    each database apart.)"""
    name = model._meta.db_table if field is None else model._meta.get_field(field).column
    return connection.ops.quote_name(name)


def columns(model, names) -> str:
    """``col, col, …`` of ``model``'s fields ``names`` (attnames or names), for ``SELECT``."""
    return ", ".join(column(model, name) for name in names)


def instances(model, names: tuple[str, ...], rows, *, using: str = DEFAULT_DB_ALIAS) -> list:
    """``rows`` of a statement written here as instances of ``model``: each row holds the
    values of its fields ``names`` (attnames), in that order. What ``raw()`` makes of them
    (each value converted as the ORM reads it: on SQLite dates, decimals and booleans are
    text or integers; on PostgreSQL nothing here needs it; then ``from_db``), without
    ``raw()``'s matching of the cursor's columns to the fields on every call, which cost
    about 0.1 ms a statement."""
    init_names, order, converters = _reading(using, model, tuple(names))
    wrapper = connections[using]
    make = maker(model)
    found = []
    for row in rows:
        values = [row[position] for position in order] if order else list(row)
        for position, (functions, expression) in converters:
            value = values[position]
            for function in functions:
                value = function(value, expression, wrapper)
            values[position] = value
        found.append(make(using, init_names, values))
    return found


def maker(model):
    """``model.from_db`` (``(using, names, values)``, the fields ``names`` read as
    ``values``), or, while making an instance of ``model`` does nothing but set its fields
    (``_plain``, and no ``pre_init`` or ``post_init`` receiver: asked each time, as the
    receivers may change), a function that sets them directly. Django's ``__init__`` took
    4–5 µs an instance, this one 1 µs; a page of results makes some eighty. Instances made
    either way are alike: fields set, the rest deferred, ``_state`` as read from ``using``."""
    if (not _plain(model) or signals.pre_init.has_listeners(model)
            or signals.post_init.has_listeners(model)):
        return model.from_db

    def make(using: str, names, values):
        instance = model.__new__(model)
        instance.__dict__.update(zip(names, values, strict=True))
        state = instance._state = ModelState()
        state.adding, state.db = False, using
        return instance

    return make


@cache
def _plain(model) -> bool:
    """Whether making an instance of ``model`` from the database only sets its fields: no
    ``__init__`` or ``from_db`` of its own, and no field whose attribute does more when set
    than keep the value (a file's does; a foreign key's drops the object it had cached,
    which a new instance does not have)."""
    if model.__init__ is not Model.__init__ or model.from_db.__func__ is not _FROM_DB:
        return False
    for field in model._meta.concrete_fields:
        attribute = inspect.getattr_static(model, field.attname, None)
        if hasattr(attribute, "__set__") and not isinstance(attribute,
                                                           ForeignKeyDeferredAttribute):
            return False
    return True


_FROM_DB = Model.from_db.__func__


def _reading(using: str, model, names: tuple[str, ...]) -> tuple:
    """How ``instances`` reads rows of ``names``, worked out once per connection (the
    converters are the connection's, the thread's, own functions): the names in the
    model's order of fields, as ``from_db`` takes them; the positions in a row that give
    that order (empty when it is the same); and the ORM's converters of those values
    (``SQLCompiler.get_converters``)."""
    wrapper = connections[using]
    known = wrapper.__dict__.setdefault("_registry_reading", {})
    key = (model, names)
    if key not in known:
        fields = {field.attname: field for field in model._meta.concrete_fields}
        ordered = [name for name in fields if name in names]
        if len(ordered) != len(names):
            raise ValueError(f"not the concrete fields of {model.__name__}: {names}")
        order = [names.index(name) for name in ordered]
        compiler = wrapper.ops.compiler("SQLCompiler")(Query(model), wrapper, using)
        converters = compiler.get_converters(
            [fields[name].get_col(model._meta.db_table) for name in ordered])
        known[key] = (tuple(ordered), order if order != sorted(order) else [],
                      list(converters.items()))
    return known[key]


def attach(instance, name: str, related) -> None:
    """``instance.name = related``, where the foreign key ``name`` already holds the key of
    ``related`` (read with it): kept as the descriptor keeps it, without the descriptor's
    checks (the object's type, the database routers), which cost about 3 µs each, some
    fifty times a page of results."""
    instance._meta.get_field(name).set_cached_value(instance, related)


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
