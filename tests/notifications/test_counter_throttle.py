"""notifications/push.py: a counter changed many times a second costs each process a few cache calls, not two per
change, and every change is still shown by a push that comes after it."""

import time

import pytest
from django.core.cache import cache

from notifications import push


class CountingCache:
    def __init__(self):
        self.calls = []

    def __getattr__(self, name):
        method = getattr(cache, name)

        def call(*args, **kwargs):
            self.calls.append(name)
            return method(*args, **kwargs)

        return call


class FakeTimer:
    started = []

    def __init__(self, interval, function, args=()):
        self.interval, self.function, self.args = interval, function, args
        self.daemon = False

    def start(self):
        FakeTimer.started.append(self)


@pytest.fixture
def counting(monkeypatch, settings):
    settings.NOTIFICATIONS_COUNTER_INTERVAL = 1.0
    counting = CountingCache()
    pushed = []
    FakeTimer.started = []
    monkeypatch.setattr(push, "cache", counting)
    monkeypatch.setattr(push, "send_counter", lambda key, value=None: pushed.append(key))
    monkeypatch.setattr(push.threading, "Timer", FakeTimer)
    return counting, pushed


def test_after_its_own_trailing_push_is_scheduled_a_process_asks_the_cache_no_more(counting):
    calls, pushed = counting
    push.counter_changed("petition:1")  # pushed at once
    push.counter_changed("petition:1")  # within the interval: a trailing push is scheduled
    assert pushed == ["petition:1"] and len(FakeTimer.started) == 1
    asked = len(calls.calls)
    for _ in range(200):
        push.counter_changed("petition:1")
    assert len(calls.calls) == asked  # the scheduled push will show all of them
    assert len(FakeTimer.started) == 1

    FakeTimer.started[0].function(*FakeTimer.started[0].args)  # the interval ends: the trailing push
    assert pushed == ["petition:1", "petition:1"]


def test_another_process_s_scheduled_push_is_asked_for_once_and_trusted_until_it_is_due(counting, monkeypatch):
    calls, pushed = counting
    now = time.time()
    cache.set("notifications:counter:petition:2:recent", 1, timeout=1)
    cache.set("notifications:counter:petition:2:trailing", now + 0.5, timeout=2)  # another process's
    push.counter_changed("petition:2")
    assert calls.calls == ["add", "add", "get"] and pushed == [] and FakeTimer.started == []
    for _ in range(100):
        push.counter_changed("petition:2")
    assert len(calls.calls) == 3

    monkeypatch.setattr(push.time, "time", lambda: now + 0.6)  # that push has gone out: ask again
    cache.delete("notifications:counter:petition:2:trailing")
    push.counter_changed("petition:2")
    assert calls.calls[3:] == ["add", "add"] and len(FakeTimer.started) == 1
