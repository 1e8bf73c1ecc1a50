"""The Django cache (Redis in production) while it cannot be reached.

What the registry keeps there is kept to be faster (a published list's page body, what of
a list no longer holds) or to count (the public's throttles, ``config.limits``): nothing
that is not also in the database. So while Redis is down a read answers as a miss and the
value is worked out again, and a write goes without: slower pages, not server errors. Only
the cache's connection errors are taken so (``UNREACHABLE``); any other error (a bug, a
value of the wrong kind) is raised as before."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

import redis.exceptions
from django.core.cache import cache

logger = logging.getLogger(__name__)

T = TypeVar("T")

# The cache could not be reached or did not answer in time: Redis (redis-py's own classes,
# which are not the built-in ones), or a memcached reached by socket (the built-in ones).
UNREACHABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError,
               ConnectionError, TimeoutError)


def cached(key: str, compute: Callable[[], T], timeout: int) -> T:
    """The value kept under ``key``, or ``compute()``, then kept for ``timeout`` seconds.
    With the cache unreachable: ``compute()``, and a warning in the log (once: a cache that
    failed to answer is not asked to keep the value as well, which would be a second wait
    for one that times out)."""
    try:
        value = cache.get(key)
    except UNREACHABLE as error:
        logger.warning("Cache unreachable (%s): %s worked out without it", error,
                       key.split(":", 1)[0])
        return compute()
    if value is None:
        value = compute()
        try:
            cache.set(key, value, timeout)
        except UNREACHABLE as error:
            logger.warning("Cache unreachable (%s): %s not kept", error, key.split(":", 1)[0])
    return value
