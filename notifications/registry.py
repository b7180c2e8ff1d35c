"""What each app notifies about. An app declares, in its own `notifications.py` (imported when Django
starts), the kinds of notification it sends, which of its `core.events` become notifications for whom, what
people follow automatically, and its public live counters. Notifications never imports an app.

    register_kind("petition.responded", _("A government response to a petition I follow"), email=True)

    @on("petition.responded")
    def government_response(event):
        petition = Petition.objects.get(pk=event.payload["petition_id"])
        yield Notice(
            kind="petition.responded",
            target=f"petition:{petition.pk}",
            text=bilingual(_("The government responded to “%(title)s”."), title=petition.title),
            url=bilingual_url(lambda: reverse("participation:petition_detail", args=[petition.pk])),
            followers=[f"petition:{petition.pk}"],
            users=[petition.author_id],
        )

    @auto_follow("petition.created")
    def author_follows(event):
        return [(event.payload["author_id"], f"petition:{event.payload['petition_id']}")]

    register_counter("petition", signature_count, events=("petition.signed",),
                     ids_from_event=lambda event: [event.payload["petition_id"]])

Handlers and auto-follows run in a background task (`notifications.tasks.deliver_event`), never in the
request that emitted the event.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import translation
from django.utils.module_loading import autodiscover_modules

from core import events

TARGET_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{0,30}:[A-Za-z0-9_.-]{1,60}$")


@dataclass(frozen=True)
class Kind:
    key: str
    label: object  # a lazy translation
    in_app: bool = True
    email: bool = False


@dataclass(frozen=True)
class Notice:
    """One notification to write for every recipient: the people in `users` and everyone actively
    following any of `followers`, less those in `exclude` (the person who acted, say).

    `text` and `url` map a language code to the text and the link in that language (see `bilingual`).
    `key` tells the notice apart from others of the same event; with the event it makes each row's
    `dedupe_key`."""

    kind: str
    target: str
    text: dict
    url: dict = field(default_factory=dict)
    users: Iterable = ()
    followers: Iterable[str] = ()
    exclude: Iterable = ()
    key: str = ""


@dataclass(frozen=True)
class Counter:
    prefix: str
    value: Callable  # (object id as str) -> int, or None when the thing is not public
    events: tuple = ()
    ids_from_event: Callable | None = None
    current: Callable | None = None  # (object id as str) -> the number now, for a push (`value` may lag)


_kinds: dict[str, Kind] = {}
_handlers: dict[str, list] = {}
_auto_follows: dict[str, list] = {}
_follow_conditions: dict = {}
_counters: dict[str, Counter] = {}
_subscribed: set[tuple[str, str]] = set()


def languages():
    return [code for code, _name in settings.LANGUAGES]


def bilingual(message, **params):
    """`message` (a gettext_lazy string, or a callable returning text) rendered in every language."""
    texts = {}
    for language in languages():
        with translation.override(language):
            text = message() if callable(message) else str(message)
            texts[language] = (text % params if params else text)[:500]
    return texts


def bilingual_url(make_url):
    """The link `make_url()` gives in each language (reverse() and page URLs follow the active language)."""
    urls = {}
    for language in languages():
        with translation.override(language):
            try:
                urls[language] = make_url() or ""
            except Exception:  # noqa: BLE001 — a missing translation of a page must not lose the notification
                urls[language] = ""
    return urls


def register_kind(key, label, *, in_app=True, email=False):
    """Declare a kind of notification and its default channels (a person may change them)."""
    _kinds[key] = Kind(key=key, label=label, in_app=in_app, email=email)
    return _kinds[key]


def kinds():
    return list(_kinds.values())


def get_kind(key):
    return _kinds.get(key)


def _subscribe(name):
    if ("deliver", name) not in _subscribed:
        _subscribed.add(("deliver", name))
        events.subscribe(name)(_enqueue_delivery)


def _enqueue_delivery(event):
    """A task for the event, unless nothing registered for it would act on it (a signature without "keep me
    informed" follows nothing and notifies nobody: no task row on the signing path)."""
    from .tasks import deliver_event

    wanted = handlers(event.name) or any(
        _follow_conditions.get(follower, _always)(event) for follower in auto_follows(event.name)
    )
    if wanted:
        deliver_event.enqueue(event.name, dict(event.payload))


def _always(event):
    return True


def on(event_name):
    """Decorator: `handler(event)` returns (or yields) the `Notice`s an event causes."""

    def decorator(handler):
        if handler not in _handlers.setdefault(event_name, []):
            _handlers[event_name].append(handler)
        _subscribe(event_name)
        return handler

    return decorator


def auto_follow(event_name, when=None):
    """Decorator: `follower(event)` returns the (user id, target) pairs to follow automatically after the
    event (unless the person turned automatic follows off or unfollowed that target before). `when(event)`,
    if given, says from the payload alone whether there can be any: without it no task is queued."""

    def decorator(follower):
        if when is not None:
            _follow_conditions[follower] = when
        if follower not in _auto_follows.setdefault(event_name, []):
            _auto_follows[event_name].append(follower)
        _subscribe(event_name)
        return follower

    return decorator


def handlers(event_name):
    return list(_handlers.get(event_name, ()))


def auto_follows(event_name):
    return list(_auto_follows.get(event_name, ()))


def register_counter(prefix, value, *, events=(), ids_from_event=None, current=None):
    """A public live counter `<prefix>:<id>`: `value(id)` gives its number (None: not public), pushed to
    subscribed sockets at most once a second after each of `events`. A push reads `current(id)` when given:
    the number now, where `value` may be a cached one that lags (the last push must show the last change)."""
    _counters[prefix] = Counter(
        prefix=prefix, value=value, events=tuple(events), ids_from_event=ids_from_event, current=current
    )
    for name in events:
        if (prefix, name) not in _subscribed:
            _subscribed.add((prefix, name))
            core_events_subscribe_counter(prefix, name)
    return _counters[prefix]


def core_events_subscribe_counter(prefix, name):
    def counter_changed(event):
        from .push import counter_changed as push_counter

        counter = _counters.get(prefix)
        if counter is None or counter.ids_from_event is None:
            return
        for object_id in counter.ids_from_event(event):
            push_counter(f"{prefix}:{object_id}")

    counter_changed.__qualname__ = f"{prefix}_counter_changed"
    events.subscribe(name)(counter_changed)


def get_counter(key):
    """The counter behind `petition:12` and the id part, or (None, None) when there is no such counter."""
    if not isinstance(key, str) or not TARGET_PATTERN.match(key):
        return None, None
    prefix, object_id = key.split(":", 1)
    counter = _counters.get(prefix)
    return (counter, object_id) if counter else (None, None)


def counter_value(key, *, current=False):
    """The counter's number (None: no such counter, or not public); `current`: as a push shows it."""
    counter, object_id = get_counter(key)
    if counter is None:
        return None
    if current and counter.current is not None:
        return counter.current(object_id)
    return counter.value(object_id)


@dataclass(frozen=True)
class Followable:
    prefix: str
    describe: Callable  # (object id as str) -> {"title": ..., "url": ...} in the active language, or None


_followables: dict[str, Followable] = {}


def register_followable(prefix, describe):
    """People may follow `<prefix>:<id>` when `describe(id)` names a public thing (title and link in the
    active language); None refuses the follow."""
    _followables[prefix] = Followable(prefix=prefix, describe=describe)
    return _followables[prefix]


def followable_prefixes():
    return sorted(_followables)


def describe_target(target):
    """What `target` is, in the active language ({"title", "url"}), or None if it cannot be followed."""
    if not is_valid_target(target):
        return None
    prefix, object_id = target.split(":", 1)
    followable = _followables.get(prefix)
    if followable is None:
        return None
    try:
        return followable.describe(object_id)
    except (ValueError, LookupError):
        return None


def is_valid_target(target):
    return isinstance(target, str) and bool(TARGET_PATTERN.match(target))


def autodiscover():
    autodiscover_modules("notifications")
