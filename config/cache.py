"""Django's Redis cache, with one client per connection pool instead of one per operation,
short waits, and a pause after the cache fails to answer.

Django's ``RedisCacheClient.get_client`` makes a new ``redis.Redis`` for every cache
operation, and redis-py 8 fills some 170 response callbacks in each new client: about
0.15 ms of Python per operation, more than the round trip to Redis. Production's cache is
Redis (``REDIS_URL``, settings): it holds the sessions, read on every signed-in request,
and the public's throttle counts, two operations on every anonymous request. A client over
a connection pool is safe to share between threads (each command takes a connection from
the pool), so one is kept per pool.

Everything the registry keeps there is also worked out or kept elsewhere (registry.caching):
while Redis cannot be reached, each use answers as a miss. What is left is how long finding
that out takes. redis-py waits 5 s to connect and 5 s for an answer: a Redis host that stops
answering (not one that refuses) held every operation 5 s, a public list page three of
them. So:

- the waits are short unless the cache's URL names others (``?socket_timeout=…``):
  ``CONNECT_TIMEOUT`` and ``READ_TIMEOUT``, a second each (Redis answers in well under a
  millisecond on the servers' network);
- once an operation on a server has failed for want of an answer or a connection, the
  process does not ask that server again for ``CACHE_UNREACHABLE_PAUSE`` seconds (5): each
  operation in between fails at once with redis' own ``ConnectionError``, which the callers
  already take as the cache being unreachable. One thread of each process pays the wait,
  once per pause, instead of every operation of every request.
"""

import threading
import time

import redis.exceptions
from django.conf import settings
from django.core.cache.backends import redis as django_redis

from registry.caching import UNREACHABLE

CONNECT_TIMEOUT = 1.0
READ_TIMEOUT = 1.0

# server address(es) → time.monotonic() until which they are not asked; shared by every
# thread of the process (Django makes a cache object per thread)
_paused: dict[tuple, float] = {}
_paused_lock = threading.Lock()


def _guarded(name: str):
    operation = getattr(django_redis.RedisCacheClient, name)

    def guarded(self, *args, **kwargs):
        servers = tuple(self._servers)
        until = _paused.get(servers)
        if until is not None and time.monotonic() < until:
            raise redis.exceptions.ConnectionError(
                f"cache {servers[0]} not asked: it failed to answer less than "
                f"{settings.CACHE_UNREACHABLE_PAUSE} s ago")
        try:
            return operation(self, *args, **kwargs)
        except UNREACHABLE:
            with _paused_lock:
                _paused[servers] = time.monotonic() + settings.CACHE_UNREACHABLE_PAUSE
            raise

    guarded.__name__ = name
    guarded.__doc__ = operation.__doc__
    return guarded


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("socket_connect_timeout", CONNECT_TIMEOUT)
        kwargs.setdefault("socket_timeout", READ_TIMEOUT)
        super().__init__(*args, **kwargs)
        self._clients = {}  # id of a pool (kept in self._pools) → its client

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:  # (two threads may both make one: either serves)
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


for _name in ("add", "get", "set", "touch", "delete", "get_many", "has_key", "incr",
              "set_many", "delete_many", "clear"):
    setattr(RedisCacheClient, _name, _guarded(_name))


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
