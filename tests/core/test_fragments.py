"""Fragments (core.pagecache.fragment): kept in this process and in the shared cache until the next purge; the
purge time read once a request; never trusted against a lost clock. And the request's site, kept as one."""

import time

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Site

from cms.cache import remember_site
from core import pagecache


class Counter:
    def __init__(self, value="v"):
        self.calls = 0
        self.value = value

    def __call__(self):
        self.calls += 1
        return f"{self.value}{self.calls}"


class CountingCache:
    """The Django cache, counting what is asked of it."""

    def __init__(self, monkeypatch):
        self.reads = 0
        original = cache.get

        def get(*args, **kwargs):
            self.reads += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(cache, "get", get)


@pytest.fixture(autouse=True)
def fragments_on(settings):
    settings.PAGE_CACHE_SECONDS = 60


def test_a_fragment_is_computed_once_and_kept_until_the_next_purge():
    compute = Counter()
    assert pagecache.fragment("t", (1,), compute) == "v1"
    assert pagecache.fragment("t", (1,), compute) == "v1"
    assert pagecache.fragment("t", (2,), compute) == "v2"  # other parts, another fragment
    pagecache.forget_fragments()
    assert pagecache.fragment("t", (1,), compute) == "v3"
    assert compute.calls == 3


def test_a_fragment_read_again_in_this_process_costs_no_round_trip_but_the_purge_time_once(monkeypatch):
    for name in ("a", "b", "c"):
        pagecache.fragment(name, (), Counter(name))
    counting = CountingCache(monkeypatch)
    with pagecache.fragments_of_one_request():
        values = [pagecache.fragment(name, (), Counter("never")) for name in ("a", "b", "c", "a")]
    assert values == ["a1", "b1", "c1", "a1"]
    assert counting.reads == 1  # the purge time, once for the request


def test_a_purge_by_another_process_hides_the_copies_kept_here():
    compute = Counter()
    pagecache.fragment("t", (), compute)
    # Another process purges: it only writes the shared purge time.
    cache.set(pagecache.FRAGMENTS_PURGED_KEY, time.time() + 0.001, timeout=120)
    time.sleep(0.002)
    with pagecache.fragments_of_one_request():
        assert pagecache.fragment("t", (), compute) == "v2"


def test_a_request_sees_its_own_purge_at_once():
    compute = Counter()
    with pagecache.fragments_of_one_request():
        assert pagecache.fragment("t", (), compute) == "v1"
        pagecache.forget_fragments()
        assert pagecache.fragment("t", (), compute) == "v2"


def test_a_copy_kept_here_is_not_trusted_once_the_shared_clock_is_lost():
    compute = Counter()
    pagecache.fragment("t", (), compute)
    cache.clear()  # a flushed Redis, or the purge time expired: a purge may have been missed
    with pagecache.fragments_of_one_request():
        assert pagecache.fragment("t", (), compute) == "v2"
        assert pagecache.fragment("t", (), compute) == "v2"


def test_a_computation_that_a_purge_overtakes_is_not_kept():
    def compute():
        pagecache.forget_fragments()  # a publish while this was computing
        return "old"

    assert pagecache.fragment("t", (), compute) == "old"
    assert pagecache.fragment("t", (), Counter("new")) == "new1"


@pytest.mark.django_db
def test_the_requests_site_is_kept_and_forgotten_when_a_site_changes(rf):
    site = Site.objects.get(is_default_site=True)
    remember_site(rf.get("/", HTTP_HOST=site.hostname))  # kept
    with CaptureQueriesContext(connection) as queries:
        request = rf.get("/", HTTP_HOST=site.hostname)
        remember_site(request)
        assert Site.find_for_request(request).pk == site.pk
    assert len(queries) == 0

    other = Site.objects.create(hostname="other.example.org", port=site.port, root_page=site.root_page)
    request = rf.get("/", HTTP_HOST=f"other.example.org:{site.port}")
    remember_site(request)
    assert Site.find_for_request(request).pk == other.pk
    other.hostname = "renamed.example.org"
    other.save()
    request = rf.get("/", HTTP_HOST=f"other.example.org:{site.port}")
    remember_site(request)
    assert Site.find_for_request(request).pk == site.pk  # no longer a site of its own: the default


def test_fragments_are_read_in_one_round_trip_and_the_missing_ones_computed_together(monkeypatch):
    pagecache.fragment("item", (1,), lambda: "one")  # kept
    cache.set(pagecache.FRAGMENTS_PURGED_KEY, time.time(), timeout=120)  # another process purged
    time.sleep(0.002)
    pagecache.fragment("item", (2,), lambda: "two")  # kept after the purge
    asked = []

    def compute_missing(indexes):
        asked.append(list(indexes))
        return [f"new {index}" for index in indexes]

    counting = CountingCache(monkeypatch)
    many = []
    original_get_many = cache.get_many

    def get_many(keys):
        many.append(len(keys))
        reads = counting.reads
        try:
            return original_get_many(keys)
        finally:
            counting.reads = reads  # the local-memory cache's get_many calls get: not a round trip of its own

    monkeypatch.setattr(cache, "get_many", get_many)
    with pagecache.fragments_of_one_request():
        values = pagecache.fragments("item", [(1,), (2,), (3,)], compute_missing)
    assert values == ["new 0", "two", "new 2"]  # the one from before the purge computed again
    assert asked == [[0, 2]]  # together, once
    assert many == [2]  # one round trip for the two not kept in this process (1 is stale here; 3 unknown)
    assert counting.reads == 2  # the purge time, and the check before storing
    with pagecache.fragments_of_one_request():
        assert pagecache.fragments("item", [(1,), (2,), (3,)], compute_missing) == ["new 0", "two", "new 2"]
    assert asked == [[0, 2]]
