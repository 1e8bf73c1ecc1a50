"""Names and values for the few reads written as SQL (school search, the school lookup):
tables and columns quoted as the models name them, so a renamed column or table cannot
leave a hand-written query behind."""

from django.db import connection


def table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def column(model, field: str) -> str:
    """The column of ``model.field`` (a field name, ``"id"`` or a foreign key's name)."""
    return connection.ops.quote_name(model._meta.get_field(field).column)


def db_value(model, field: str, value):
    """``value`` as the database takes it for ``model.field`` (dates and decimals on
    SQLite are text, for one)."""
    return model._meta.get_field(field).get_db_prep_value(value, connection, prepared=False)


def placeholders(values) -> str:
    """``%s, %s, …`` for an IN list (which SQL does not allow empty)."""
    if not values:
        raise ValueError("an IN list needs at least one value")
    return ", ".join(["%s"] * len(values))
