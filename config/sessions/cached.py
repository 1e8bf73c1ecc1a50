"""Django's ``cached_db`` sessions, read from the database (on a miss) by the fixed
statement of ``config.sessions``. Only with a cache every server process shares: a session
flushed (signed out) in one process is dropped from that cache, and a cache of each
process's own would go on answering it elsewhere (settings choose).

With the cache unreachable, a session is read from the database alone, as without a cache:
Django's ``cached_db`` tolerates a failing read of the cache but not the write that follows
it, which would have turned every signed-in request into a server error while Redis was
down (the sessions were in the database alone before, and did not need it). Signing out
deletes the row and then, where the cache cannot be reached, logs that its copy could not be
dropped: the user is signed out (the browser's cookie is cleared, and every process reads
the database while the cache is down), not answered with a server error. The copy lives at
most the session's age; a cache that comes back holding it would answer only someone who
kept the old cookie. Signing in asks whether a new session key is taken: with the cache
unreachable, the database alone answers (Django's asked the cache first and failed), so a
sign-in works while the cache is down (the public's throttles are then open,
``config.limits``). The rest is Django's: saving logs the cache's failure."""

import logging

from django.contrib.sessions.backends import cached_db, db

from config.sessions import FixedRead
from registry.caching import UNREACHABLE

logger = logging.getLogger("django.contrib.sessions")


class SessionStore(FixedRead, cached_db.SessionStore):
    def load(self):
        try:
            return super().load()
        except Exception:  # the cache's errors, of whichever client: as Django's save() does
            logger.warning("Session cache unavailable (%s): read from the database",
                           self._cache, exc_info=True)
            return db.SessionStore.load(self)

    def exists(self, session_key):
        try:
            return super().exists(session_key)
        except UNREACHABLE:  # the cache's connection errors only (the database's are raised)
            logger.warning("Session cache unavailable (%s): whether a session key is taken "
                           "asked of the database", self._cache, exc_info=True)
            return db.SessionStore.exists(self, session_key)

    def delete(self, session_key=None):
        db.SessionStore.delete(self, session_key)  # the row: its errors are the database's
        session_key = session_key or self.session_key
        if session_key is None:
            return
        try:
            self._cache.delete(self.cache_key_prefix + session_key)
        except Exception:  # the cache's errors, of whichever client
            logger.error("Session cache unavailable (%s): a deleted session's cached copy "
                         "was not dropped", self._cache, exc_info=True)
