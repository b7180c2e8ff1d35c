"""The Redis cache backend the portal uses when REDIS_URL is set, and counting in time windows.

Django's own Redis backend builds a new `redis.Redis` object for every cache call; building one fills a table
of some 170 response callbacks, which cost a fifth of a petition signature's CPU time (docs/participation.md).
This backend keeps one client per connection pool (a `redis.Redis` is safe to share between threads: each
command takes a connection from the pool).

`count_hits` counts one event in several windows at once (the participation rate limits): on Redis one command
for all of them, a script doing `SET key 0 EX period NX` and `INCR key` per window, atomically, so that a window
always has its expiry and never loses a count (a script costs half the CPU of the same in MULTI…EXEC); on any
other cache (the embedded default's local memory) add + incr, which that cache makes atomic within its process.

`remembered` keeps a small, global, rarely changed value (the assurance policy's table, the block lists) in the
process for a few seconds, so that the busiest requests do not ask Redis for it each time.

Both backends (Redis, and the embedded default's local memory) count their reads, hits and misses in
django-prometheus's cache counters (`django_cache_get_total`, `…_hits_total`, `…_misses_total`,
`…_fail_total`), shown at /metrics. django-prometheus's own Redis backend wraps the third-party django-redis, and
its local-memory one returns the default for a cached 0, so the portal counts with its counters here."""

import time

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends import locmem
from django.core.cache.backends import redis as django_redis
from django_prometheus.cache.metrics import (
    django_cache_get_fail_total,
    django_cache_get_total,
    django_cache_hits_total,
    django_cache_misses_total,
)

_MISSING = object()


def counted_get(backend, get, key, default, version):
    """`get(key, default, version)` counted as a read, and as a hit or a miss, under `backend`."""
    django_cache_get_total.labels(backend=backend).inc()
    try:
        value = get(key, _MISSING, version)
    except Exception:
        django_cache_get_fail_total.labels(backend=backend).inc()
        raise
    if value is _MISSING:
        django_cache_misses_total.labels(backend=backend).inc()
        return default
    django_cache_hits_total.labels(backend=backend).inc()
    return value


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


# KEYS: the windows' keys; ARGV: their lengths in seconds. Returns the count in each window after this hit.
COUNT_HITS_SCRIPT = """
local counts = {}
for i, key in ipairs(KEYS) do
    redis.call('SET', key, 0, 'EX', ARGV[i], 'NX')
    counts[i] = redis.call('INCR', key)
end
return counts
"""


class LocMemCache(locmem.LocMemCache):
    """Django's local-memory cache, its reads counted for /metrics."""

    def get(self, key, default=None, version=None):
        return counted_get("locmem", super().get, key, default, version)


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
        self._count_scripts = {}

    def get(self, key, default=None, version=None):
        return counted_get("redis", super().get, key, default, version)

    def count_hits(self, windows):
        """[(key, seconds)] → the count in each window after this hit, in one round trip."""
        client = self._cache.get_client(write=True)
        script = self._count_scripts.get(client)
        if script is None:
            script = self._count_scripts[client] = client.register_script(COUNT_HITS_SCRIPT)
        keys = [self.make_and_validate_key(key) for key, _seconds in windows]
        return script(keys=keys, args=[seconds for _key, seconds in windows])


def count_hits(windows, cache=None):
    """Count one hit in each (key, seconds) window; return the counts, in order."""
    cache = cache or caches[DEFAULT_CACHE_ALIAS]  # the backend itself, not the module's proxy
    if isinstance(cache, RedisCache):
        return cache.count_hits(windows)
    counts = []
    for key, seconds in windows:
        cache.add(key, 0, timeout=seconds)
        try:
            counts.append(cache.incr(key))
        except ValueError:  # the window expired between add and incr
            cache.add(key, 1, timeout=seconds)
            counts.append(1)
    return counts


_remembered = {}
REMEMBER_SECONDS = 5.0
_clock = time.monotonic


def remembered(key, compute, seconds=REMEMBER_SECONDS):
    """compute(), kept in this process for `seconds`. Only for values that every process may see a few seconds
    late after a change (other processes forget theirs when the time is up); `forget(key)` in the process that
    made the change."""
    now = _clock()
    found = _remembered.get(key)
    if found is not None and found[0] > now:
        return found[1]
    value = compute()
    _remembered[key] = (now + seconds, value)
    return value


def forget(key=None):
    """Forget one remembered value, or (no key) all of them."""
    if key is None:
        _remembered.clear()
    else:
        _remembered.pop(key, None)
