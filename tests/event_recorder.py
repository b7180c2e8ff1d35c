"""The one recorder of domain events (core.events) the tests use: subscribe to some event names for the length
of a `with` block (or a fixture), and read what was delivered — after the transaction commits, as in production."""

import threading

from core import events


class EventRecorder:
    """`with EventRecorder("petition.signed", ...) as recorder:` — `recorder.events` are the delivered events in
    order, `recorder.heard` the same as (name, payload), `recorder.named(name)` the payloads of one name. Safe to
    deliver to from several threads."""

    def __init__(self, *names):
        self.names = names
        self.events = []
        self.heard = []
        self._lock = threading.Lock()

    def __call__(self, event):
        with self._lock:
            self.events.append(event)
            self.heard.append((event.name, event.payload))

    def __enter__(self):
        for name in self.names:
            events.subscribe(name)(self)
        return self

    def __exit__(self, *exc):
        for name in self.names:
            events.unsubscribe(name, self)

    def named(self, name):
        return [event.payload for event in self.events if event.name == name]
