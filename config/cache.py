"""Django's Redis cache, with one client per connection pool instead of one per operation.

Django's ``RedisCacheClient.get_client`` makes a new ``redis.Redis`` for every cache
operation, and redis-py 8 fills some 170 response callbacks in each new client: about
0.15 ms of Python per operation, more than the round trip to Redis. Production's cache is
Redis (``REDIS_URL``, settings): it holds the sessions, read on every signed-in request,
and the public's throttle counts, two operations on every anonymous request. A client over
a connection pool is safe to share between threads (each command takes a connection from
the pool), so one is kept per pool. Everything else is Django's.
"""

from django.core.cache.backends import redis


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}  # id of a pool (kept in self._pools) → its client

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:  # (two threads may both make one: either serves)
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
