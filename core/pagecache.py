"""Anonymous pages from a cache, purged on publish (docs/operations.md#page-cache, docs/decisions.md).

The response's `Cache-Control` is the truth for every cache in front of the portal:

- a view opts in with `public(request)` (or `@cache_public`): Wagtail pages (cms/wagtail_hooks.py), the public
  petition pages, the content API's pages, the platform API's public GETs (search, petitions, consultations,
  polls). `public(request, live=True)`: its counts change without a publish, so it is kept
  PAGE_CACHE_LIVE_SECONDS only. Its response is cacheable only when nothing personal can be in it:
  a GET without the session cookie, `Authorization` or an app session token (`X-Session-Token`), without a
  messages cookie, a 200 that sets no cookie and used no CSRF token. It then carries
  `Cache-Control: public, max-age=PAGE_CACHE_MAX_AGE, s-maxage=PAGE_CACHE_SECONDS`;
- every other response carries `Cache-Control: private` (or the `no-store` its view chose).

`PageCacheMiddleware` also keeps the cacheable responses in the Django cache (local memory on the embedded
default, Redis in a deployment) for `PAGE_CACHE_SECONDS`, so that `make run` has a page cache too. An entry's key
is the scheme, host, path with query, the language the request asks for and the contrast cookie (the only things
that change an anonymous page: docs/decisions.md). `PurgeBackend` is a wagtail.contrib.frontend_cache backend:
purging a URL marks its path purged at that moment, which hides every entry of that path (any query, any host,
language or contrast) stored before it, and stops a response rendered before the purge from being stored after
it. `purge_all()` does the same for every path (a change of theme)."""

import hashlib
import time
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language_from_request
from wagtail.contrib.frontend_cache.backends.base import BaseBackend

PREFIX = "pagecache"
ALL_KEY = f"{PREFIX}:purged:*"
HIT_HEADER = "X-Page-Cache"
CONTRAST_COOKIE = "portal_contrast"  # themes.selection.CONTRAST_COOKIE: core imports no app
PERSONAL_HEADERS = ("HTTP_AUTHORIZATION", "HTTP_X_SESSION_TOKEN")


def seconds():
    return int(getattr(settings, "PAGE_CACHE_SECONDS", 60))


def max_age():
    return int(getattr(settings, "PAGE_CACHE_MAX_AGE", 0))


def in_process():
    return bool(getattr(settings, "PAGE_CACHE_IN_PROCESS", True)) and seconds() > 0


def live_seconds():
    return int(getattr(settings, "PAGE_CACHE_LIVE_SECONDS", 10))


def public(request, live=False):
    """The view's answer to an anonymous visitor is the same for every anonymous visitor: cache it (when it is
    not personal after all: see `cacheable`). `live=True`: it shows counts that change without a publish (an open
    petition's signatures, a poll's live results), so caches keep it at most PAGE_CACHE_LIVE_SECONDS."""
    request._page_cache_public = True
    if live:
        request._page_cache_live = True


def lifetime(request):
    """How long caches may keep this request's public answer (its s-maxage)."""
    if getattr(request, "_page_cache_live", False):
        return min(seconds(), live_seconds())
    return seconds()


def cache_public(view=None, *, live=False):
    """Decorator for a view (a function, or a class-based view's `as_view()`) whose GET answer is public (see
    `public`): `@cache_public` or `@cache_public(live=True)`."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method in ("GET", "HEAD"):
                public(request, live=live)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate(view) if view is not None else decorate


def anonymous(request):
    """No way for the request to say who it is: no session cookie, no Authorization, no app session token, no
    messages waiting for it. Only such a request may be answered from a cache, or have its answer cached."""
    if request.method not in ("GET", "HEAD"):
        return False
    if settings.SESSION_COOKIE_NAME in request.COOKIES or getattr(settings, "MESSAGES_COOKIE_NAME", "messages") in (
        request.COOKIES
    ):
        return False
    return not any(request.META.get(header) for header in PERSONAL_HEADERS)


def cacheable(request, response):
    """Whether this answer may be kept and served to anyone else."""
    return (
        getattr(request, "_page_cache_public", False)
        and anonymous(request)
        and response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")  # a CSRF token was put in the page
        and not request.META.get("CSRF_COOKIE_USED")
        and not _user_is_signed_in(request)
        and "private" not in response.get("Cache-Control", "")
        and "no-store" not in response.get("Cache-Control", "")
    )


def _user_is_signed_in(request):
    user = getattr(request, "_cached_user", None)  # only if something loaded it
    return bool(user is not None and user.is_authenticated)


def _digest(*parts):
    return hashlib.blake2b("\x1f".join(parts).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _path_key(path):
    return f"{PREFIX}:purged:{_digest(path)}"


def _entry_key(request):
    contrast = request.COOKIES.get(CONTRAST_COOKIE, "")
    language = get_language_from_request(request, check_path=True)
    return f"{PREFIX}:page:" + _digest(
        request.scheme, request.get_host(), request.get_full_path(), language or "", contrast
    )


def purge_paths(paths):
    """Hide every cached entry of these paths (with any query string, on any host) from now on."""
    now = time.time()
    cache.set_many({_path_key(path): now for path in paths}, timeout=seconds() + 60)


def purge_urls(urls):
    purge_paths({urlsplit(url).path or "/" for url in urls})


def purge_all():
    cache.set(ALL_KEY, time.time(), timeout=seconds() + 60)
    forget_fragments()


class PurgeBackend(BaseBackend):
    """wagtail.contrib.frontend_cache backend for the in-process page cache (always configured)."""

    def purge(self, url):
        purge_urls([url])

    def purge_batch(self, urls):
        purge_urls(urls)


def _private(response):
    control = response.get("Cache-Control", "")
    if "private" in control or "no-store" in control:
        return
    if "public" in control:
        del response["Cache-Control"]
    patch_cache_control(response, private=True)


def _public(request, response):
    # A view that said `public` itself chose how long (the receipts' JWKS: five minutes): its word stands.
    if "public" not in response.get("Cache-Control", ""):
        if response.has_header("Cache-Control"):
            del response["Cache-Control"]
        shared = lifetime(request)
        patch_cache_control(response, public=True, max_age=min(max_age(), shared), s_maxage=shared)
    # The session middleware says Vary: Cookie whenever the view looked at the (empty) session; the cookies
    # that matter are in the key (the contrast) or make the request personal (the session), so drop it.
    vary = [value.strip() for value in response.get("Vary", "").split(",") if value.strip()]
    kept = [value for value in vary if value.lower() != "cookie"]
    if kept:
        response["Vary"] = ", ".join(kept)
    elif response.has_header("Vary"):
        del response["Vary"]


class PageCacheMiddleware:
    """Answers anonymous requests from the page cache, and marks every response public or private. Placed
    outside the session middleware (so that it sees the response's final Vary) and after WhiteNoise."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with fragments_of_one_request():
            return self.answer(request)

    def answer(self, request):
        if not anonymous(request) or request.method != "GET" or not in_process():
            response = self.get_response(request)
            return self.mark(request, response)
        try:
            key = _entry_key(request)
            path_key = _path_key(request.path)
            found = cache.get_many([key, path_key, ALL_KEY])
        except Exception:  # noqa: BLE001 — a cache outage means a miss, never an error page
            return self.mark(request, self.get_response(request))
        entry = found.get(key)
        purged = max(found.get(path_key, 0), found.get(ALL_KEY, 0))
        if entry is not None and entry[0] > purged:
            return self.rebuild(entry)
        started = time.time()
        response = self.get_response(request)
        response = self.mark(request, response)
        if response.get(HIT_HEADER) == "miss":
            self.store(key, path_key, started, response, lifetime(request))
        return response

    def mark(self, request, response):
        if cacheable(request, response):
            _public(request, response)
            response[HIT_HEADER] = "miss"
        else:
            _private(response)
        return response

    def store(self, key, path_key, started, response, timeout):
        try:
            purged = cache.get_many([path_key, ALL_KEY])
            if max(purged.values(), default=0) >= started:
                return  # purged while this was rendering: it may show what changed before the change
            headers = [(name, value) for name, value in response.items() if name != HIT_HEADER]
            cache.set(key, (time.time(), response.status_code, headers, response.content), timeout=timeout)
        except Exception:  # noqa: BLE001, S110 — not storing is always safe
            pass

    def rebuild(self, entry):
        _stored, status, headers, content = entry
        response = HttpResponse(content, status=status)
        for name, value in headers:
            response[name] = value
        response[HIT_HEADER] = "hit"
        return response


# --- Fragments: parts of every page (the main menu), kept until the next purge -----------------------------
#
# Two levels. The shared one is the Django cache (Redis in a deployment): a fragment computed by one process serves
# every process. The local one is this process's memory: a fragment already read here costs a dictionary lookup
# instead of a cache round trip and an unpickling. Both obey the same clock, FRAGMENTS_PURGED_KEY, the time of the
# last purge: an entry stored before it is not used. A request reads that time once (the first fragment it asks
# for), not once per fragment; code outside a request reads it every time. When the key is missing (an empty or
# flushed cache, or it expired) the first reader sets it to now, which forgets every local entry: a local entry is
# never trusted against a clock that was lost.
#
# A fragment's value is shared by the threads of a process and by the requests after: whoever reads it treats it
# as read-only (copy it before changing it: core.menu does).

FRAGMENTS_PURGED_KEY = f"{PREFIX}:fragments:purged"
LOCAL_FRAGMENTS = 4096  # at most this many in a process; all forgotten at once when full (they come back in one read)

_local_fragments = {}  # key -> (time stored, expiry, value)
_request_purged = ContextVar("fragments_purged", default=None)  # None: not in a request; 0: not read yet
_NOT_READ = 0.0


def fragment(name, parts, compute):
    """compute(), kept in this process and in the Django cache under name and parts until `forget_fragments()`
    (every page purge) or PAGE_CACHE_SECONDS. Kept here: no round trip; kept elsewhere: one round trip."""
    return fragments(name, [parts], lambda _missing: [compute()])[0]


def fragments(name, parts_list, compute_missing):
    """[fragment(name, parts, …) for parts in parts_list] with one cache round trip for all those not kept in
    this process and one to store those computed: `compute_missing(indexes)` computes the values of the parts at
    those indexes of parts_list, in their order, all at once (the content API's listing builds its missing items
    with one query)."""
    everything = list(range(len(parts_list)))
    if seconds() <= 0:
        return list(compute_missing(everything))
    keys = [f"{PREFIX}:fragment:{name}:" + _digest(*[str(part) for part in parts]) for parts in parts_list]
    values = [None] * len(keys)
    try:
        purged = _purged_at()
        now = time.time()
        missing = []
        for index, key in enumerate(keys):
            local = _local_fragments.get(key)
            if local is not None and local[0] > purged and local[1] > now:
                values[index] = local[2]
            else:
                missing.append(index)
        found = cache.get_many([keys[index] for index in missing]) if missing else {}
    except Exception:  # noqa: BLE001 — a cache outage computes
        return list(compute_missing(everything))
    unknown = []
    for index in missing:
        entry = found.get(keys[index])
        if entry is not None and entry[0] > purged:
            values[index] = entry[1]
            _keep_locally(keys[index], entry[0], entry[1])
        else:
            unknown.append(index)
    if not unknown:
        return values
    started = time.time()
    computed = dict(zip(unknown, compute_missing(unknown), strict=True))
    for index, value in computed.items():
        values[index] = value
    try:
        if cache.get(FRAGMENTS_PURGED_KEY, 0) < started:
            cache.set_many({keys[index]: (started, value) for index, value in computed.items()}, timeout=seconds())
            for index, value in computed.items():
                _keep_locally(keys[index], started, value)
    except Exception:  # noqa: BLE001, S110 — not storing is always safe
        pass
    return values


def _purged_at():
    known = _request_purged.get()
    if known:
        return known
    purged = cache.get(FRAGMENTS_PURGED_KEY)
    if purged is None:
        # No clock (an empty cache): start one now, which no entry kept here predates.
        cache.add(FRAGMENTS_PURGED_KEY, time.time(), timeout=seconds() + 60)
        purged = cache.get(FRAGMENTS_PURGED_KEY) or time.time()
    if known is not None:
        _request_purged.set(purged)
    return purged


def _keep_locally(key, stored, value):
    if len(_local_fragments) >= LOCAL_FRAGMENTS:
        _local_fragments.clear()
    _local_fragments[key] = (stored, time.time() + seconds(), value)


def forget_fragments():
    now = time.time()
    cache.set(FRAGMENTS_PURGED_KEY, now, timeout=seconds() + 60)
    if _request_purged.get() is not None:
        _request_purged.set(now)  # this request, too, sees its own purge at once


@contextmanager
def fragments_of_one_request():
    """The fragments' purge time read once for what runs inside (a request: PageCacheMiddleware)."""
    token = _request_purged.set(_NOT_READ)
    try:
        yield
    finally:
        _request_purged.reset(token)
