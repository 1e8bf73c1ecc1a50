"""Django's ``cached_db`` sessions, read from the database (on a miss) by the fixed
statement of ``config.sessions``. Only with a cache every server process shares: a session
flushed (signed out) in one process is dropped from that cache, and a cache of each
process's own would go on answering it elsewhere (settings choose).

With the cache unreachable, a session is read from the database alone, as without a cache:
Django's ``cached_db`` tolerates a failing read of the cache but not the write that follows
it, which would have turned every signed-in request into a server error while Redis was
down (the sessions were in the database alone before, and did not need it). The rest is
Django's: saving logs the cache's failure; signing in or out deletes the row, then fails on
the cache's copy (as a sign-in already fails then: the public's throttle counts are there)."""

import logging

from django.contrib.sessions.backends import cached_db, db

from config.sessions import FixedRead

logger = logging.getLogger("django.contrib.sessions")


class SessionStore(FixedRead, cached_db.SessionStore):
    def load(self):
        try:
            return super().load()
        except Exception:  # the cache's errors, of whichever client: as Django's save() does
            logger.warning("Session cache unavailable (%s): read from the database",
                           self._cache, exc_info=True)
            return db.SessionStore.load(self)
