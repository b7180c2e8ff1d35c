"""core/cache.py: the Redis backend that keeps its client, counting hits in windows, and values remembered in the
process for a few seconds."""

import time

import pytest
from django.conf import settings
from django.core.cache.backends.locmem import LocMemCache

from core import cache as portal_cache
from core.cache import RedisCache, count_hits, forget, remembered

needs_redis = pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (REDIS_URL)")


@pytest.fixture
def redis_cache():
    backend = RedisCache(settings.REDIS_URL, {"KEY_PREFIX": f"test-core-cache-{time.monotonic_ns()}"})
    yield backend
    backend.clear()


@needs_redis
def test_the_redis_backend_builds_one_client_and_keeps_it(redis_cache):
    client = redis_cache._cache.get_client(write=True)
    redis_cache.set("a", 1)
    assert redis_cache.get("a") == 1
    assert redis_cache._cache.get_client(write=True) is client
    assert redis_cache._cache.get_client() is client  # one server: reads and writes share the pool


@needs_redis
def test_count_hits_counts_every_window_in_one_round_trip_and_each_window_expires(redis_cache):
    windows = [("user:1:60", 60), ("ip:1:2", 2)]
    assert count_hits(windows, redis_cache) == [1, 1]
    assert count_hits(windows, redis_cache) == [2, 2]
    client = redis_cache._cache.get_client(write=True)
    ttls = [client.ttl(redis_cache.make_and_validate_key(key)) for key, _seconds in windows]
    assert 0 < ttls[0] <= 60 and 0 < ttls[1] <= 2  # set when the window opened, not renewed by later hits
    time.sleep(2.1)
    assert count_hits(windows, redis_cache) == [3, 1]


def test_count_hits_on_the_local_cache():
    local = LocMemCache("test-count-hits", {})
    assert count_hits([("a", 60), ("b", 60)], local) == [1, 1]
    assert count_hits([("a", 60)], local) == [2]


def test_a_remembered_value_is_computed_once_until_its_time_is_up_or_it_is_forgotten(monkeypatch):
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    forget()
    assert remembered("test:x", compute, seconds=60) == 1
    assert remembered("test:x", compute, seconds=60) == 1
    forget("test:x")
    assert remembered("test:x", compute, seconds=60) == 2
    now = time.monotonic()
    monkeypatch.setattr(portal_cache, "_clock", lambda: now + 61)
    assert remembered("test:x", compute, seconds=60) == 3
    forget()
