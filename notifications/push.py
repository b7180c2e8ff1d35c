"""The doorbell: after a notification row is committed, its recipient's sockets are told. Best effort — a
push that is lost (Redis restarting, nobody connected) is recovered by the client's resync from the rows.

Groups: `notifications.user.<id>` (a person's sockets) and `notifications.counter.<prefix>.<id>` (the sockets
showing a public counter)."""

import asyncio
import functools
import logging
import threading
import time

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.db import connections

from . import registry

logger = logging.getLogger(__name__)

PUSH_CONCURRENCY = 20


def user_group(user_id):
    return f"notifications.user.{int(user_id)}"


def counter_group(key):
    return "notifications.counter." + key.replace(":", ".")


def message(notification):
    """A notification as the socket and the API show it (both languages; the socket picks one)."""
    return {
        "id": notification.pk,
        "recipient": notification.recipient_id,
        "kind": notification.kind,
        "target": notification.target,
        "text_ar": notification.text_ar,
        "text_en": notification.text_en,
        "url_ar": notification.url("ar"),
        "url_en": notification.url("en"),
        "created": notification.created_at.isoformat() if notification.created_at else None,
        "read": notification.read_at is not None,
    }


def notifications(rows):
    """Push each row to its recipient's group. Never raises: the rows are already the truth."""
    if not rows:
        return
    layer = get_channel_layer()
    if layer is None:
        return
    payloads = [
        (user_group(row.recipient_id), {"type": "notification.message", "notification": message(row)}) for row in rows
    ]

    async def send_all():
        if is_pubsub(layer) and pipelining_supported():
            return await publish_all(layer, payloads)
        # A few sends in flight at once (within the layer's connection pool), not a queue of round trips.
        failed = 0
        for start in range(0, len(payloads), PUSH_CONCURRENCY):
            chunk = payloads[start : start + PUSH_CONCURRENCY]
            outcomes = await asyncio.gather(
                *(layer.group_send(group, payload) for group, payload in chunk), return_exceptions=True
            )
            failed += sum(isinstance(outcome, Exception) for outcome in outcomes)
        return failed

    try:
        failed = async_to_sync(send_all)()
    except Exception:  # noqa: BLE001 — best effort by design (see the module docstring)
        failed = len(payloads)
    if failed:
        logger.warning(
            "notifications: %d of %d pushes failed; those clients get them when they resync", failed, len(payloads)
        )


# --- The pub/sub channel layer ------------------------------------------------------------------------


# `publish_all` reaches into channels-redis's internals (`_get_layer`, `_get_group_channel_name`, `_get_shard`,
# a shard's `_ensure_redis` and `_redis`), which no release promises to keep. It runs only on the releases it was
# written and tested against; with any other, pushes go through the public `group_send` (correct, slower) and a
# warning says so. tests/notifications/test_fanout.py fails when the pinned release leaves this list.
PIPELINED_CHANNELS_REDIS = ((4, 2), (4, 3))


def supports_pipelining(release):
    """Whether channels-redis `release` ("4.3.0") is one whose internals `publish_all` knows."""
    try:
        major_minor = tuple(int(part) for part in release.split(".")[:2])
    except ValueError:
        return False
    return major_minor in PIPELINED_CHANNELS_REDIS


@functools.cache
def pipelining_supported():
    from importlib.metadata import PackageNotFoundError, version

    try:
        release = version("channels-redis")
    except PackageNotFoundError:
        return False
    if not supports_pipelining(release):
        logger.warning(
            "notifications: channels-redis %s is not one publish_all knows; pushing with group_send", release
        )
        return False
    return True


def is_pubsub(layer):
    from channels_redis.pubsub import RedisPubSubChannelLayer

    return isinstance(layer, RedisPubSubChannelLayer)


async def publish_all(layer, payloads):
    """Every group message as one pipeline of PUBLISH commands per Redis shard: one round trip for a thousand
    followers instead of a thousand. The channel names and the serialisation are the layer's own, so the sockets
    receive exactly what `group_send` would have sent them. Returns how many failed."""
    loop_layer = layer._get_layer()  # the layer of this event loop (channels-redis keeps one per loop)
    by_shard = {}
    for group, payload in payloads:
        channel = loop_layer._get_group_channel_name(group)
        by_shard.setdefault(loop_layer._get_shard(channel), []).append((channel, layer.serialize(payload)))
    failed = 0
    for shard, messages in by_shard.items():
        try:
            shard._ensure_redis()
            async with shard._redis.pipeline(transaction=False) as pipeline:
                for channel, data in messages:
                    pipeline.publish(channel, data)
                await pipeline.execute()
        except Exception:  # noqa: BLE001 — counted and logged by the caller
            failed += len(messages)
    return failed


# --- Public counters ---------------------------------------------------------------------------------


def counter_interval():
    return float(getattr(settings, "NOTIFICATIONS_COUNTER_INTERVAL", 1.0))


def send_counter(key, value=None):
    """Push the counter's current value to its subscribers now."""
    if value is None:
        value = registry.counter_value(key, current=True)
    if value is None:
        return
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(counter_group(key), {"type": "counter.update", "counter": key, "value": value})
    except Exception:  # noqa: BLE001
        logger.warning("notifications: counter push for %s failed", key, exc_info=True)


# Per counter, the time until which this process knows that a push is already scheduled (a trailing push, its
# own or another process's): changes before then are shown by it, so they need not ask the cache. A petition being
# signed 300 times a second then costs each process a few cache calls a second, not two per signature.
_scheduled_until = {}


def counter_changed(key):
    """A counter changed: push it now if it was not pushed in the last interval; otherwise push once at
    the end of the interval (so the last change is shown too). At most one push per counter per interval,
    across every process sharing the cache (whose clocks agree, as NTP keeps them)."""
    now = time.time()
    if _scheduled_until.get(key, 0.0) > now:
        return
    interval = counter_interval()
    if cache.add(f"notifications:counter:{key}:recent", 1, timeout=max(1, round(interval))):
        send_counter(key)
        return
    trailing = f"notifications:counter:{key}:trailing"
    fires_at = now + interval
    if cache.add(trailing, fires_at, timeout=max(1, round(interval)) + 1):
        _remember_scheduled(key, fires_at)
        timer = threading.Timer(interval, _trailing_push, args=(key,))
        timer.daemon = True
        timer.start()
        return
    scheduled = cache.get(trailing)
    if isinstance(scheduled, float):  # another process's trailing push, not yet sent (it deletes the key first)
        _remember_scheduled(key, scheduled)


def _remember_scheduled(key, fires_at):
    if len(_scheduled_until) > 10_000:
        now = time.time()
        for stale in [name for name, until in _scheduled_until.items() if until <= now]:
            _scheduled_until.pop(stale, None)
    _scheduled_until[key] = fires_at


def _trailing_push(key):
    try:
        cache.set(f"notifications:counter:{key}:recent", 1, timeout=max(1, round(counter_interval())))
        cache.delete(f"notifications:counter:{key}:trailing")
        send_counter(key)
    except Exception:  # noqa: BLE001 — a timer thread must not die noisily
        logger.warning("notifications: trailing counter push for %s failed", key, exc_info=True)
    finally:
        connections.close_all()  # this thread's own connections
