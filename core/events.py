"""Domain events: what happened, announced to whoever cares, after the change is committed.

An app announces a fact once its writes are done, inside the same transaction:

    from core import events
    events.emit("petition.opened", petition_id=petition.pk)

and another app reacts to it, without either importing the other:

    @events.subscribe("petition.opened")
    def notify_followers(event):
        ...event.payload["petition_id"]...

Subscribers run after the surrounding transaction commits (at once when there is none), so they never see
a change that is later rolled back, and never run for one. Each subscriber runs on its own: one that fails
is logged and the others still run. Subscribers do quick work or enqueue a task; a payload should be plain
values (ids, strings) that a task can carry.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction

_subscribers = defaultdict(list)


@dataclass(frozen=True)
class Event:
    name: str
    payload: dict = field(default_factory=dict)


def subscribe(name):
    """Decorator: run the function with each `Event` called `name`, after the emitting transaction commits."""

    def decorator(subscriber):
        if subscriber not in _subscribers[name]:
            _subscribers[name].append(subscriber)
        return subscriber

    return decorator


def unsubscribe(name, subscriber):
    if subscriber in _subscribers.get(name, ()):
        _subscribers[name].remove(subscriber)


def subscribers(name):
    return list(_subscribers.get(name, ()))


def emit(name, /, using=None, **payload):
    """Announce the event `name` with `payload`; its subscribers run once the transaction commits."""
    event = Event(name, dict(payload))
    for subscriber in subscribers(name):
        transaction.on_commit(_delivery(subscriber, event), using=using, robust=True)
    return event


def _delivery(subscriber, event):
    def deliver():
        subscriber(event)

    # Django names the callback when it logs a failure.
    deliver.__qualname__ = f"{event.name} → {getattr(subscriber, '__qualname__', repr(subscriber))}"
    return deliver
