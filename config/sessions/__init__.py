"""Sessions: Django's, in the database, read by one fixed statement (this engine); with a
cache that every server process shares (Redis), Django's ``cached_db`` over the same
(``config.sessions.cached``, chosen in settings).

Every signed-in request reads its session first. Django's engine asks the ORM
(``Session.objects.get(session_key=…, expire_date__gt=now)``), whose building of that query
cost about 0.25 ms of Python a request, ten times what the database spends on the
primary-key probe; here the same statement is written once per process. What is read, when
a session counts as expired, saving, flushing and the cache are Django's own.
"""

from functools import cache

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone

from registry.selectors.sql import instances


class FixedRead:
    """A database session store's read (``_get_session_from_db``) as one fixed statement."""

    def _get_session_from_db(self):
        model = self.model
        using = router.db_for_read(model)
        wrapper = connections[using]
        names, sql = _statement(using, model)
        now = model._meta.get_field("expire_date").get_db_prep_value(timezone.now(), wrapper)
        with wrapper.cursor() as cursor:
            cursor.execute(sql, [self.session_key, now])
            rows = cursor.fetchall()
        if not rows:  # none, or expired: as Django's, a new session from here on
            self._session_key = None
            return None
        return instances(model, names, rows, using=using)[0]


@cache
def _statement(using: str, model) -> tuple[tuple[str, ...], str]:
    """The fields read and the statement: what Django's ``get()`` asks, for database
    ``using``."""
    quote = connections[using].ops.quote_name
    names = tuple(field.attname for field in model._meta.concrete_fields)

    def column(name: str) -> str:
        return quote(model._meta.get_field(name).column)

    return names, (f"SELECT {', '.join(column(name) for name in names)}"  # noqa: S608
                   f" FROM {quote(model._meta.db_table)}"  # (names only)
                   f" WHERE {column('session_key')} = %s AND {column('expire_date')} > %s")


class SessionStore(FixedRead, db.SessionStore):
    pass
