"""The main menu and the account page's list of a person's own services, contributed by the apps that own their
entries, as `cms.home` does for home sections.

The theme imports no app, and search imports none either: each app that has a top-level entry registers a
`MenuItem` from its own `menu.py` (cms/menu.py, participation/menu.py, search/menu.py), autodiscovered when core
is ready. An item whose
`url` answers None (its page does not exist in the active language, its URLs are not installed) is left out, so a
site without one of them shows no dead link.

The account page (identity's `/<lang>/account/`) lists what the apps register with `menu=ACCOUNT`: a signed-in
person's own payments, bills, establishments, petitions, notifications, each with a line saying what it is."""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import get_language

from core import pagecache


@dataclass(frozen=True)
class MenuItem:
    key: str
    label: str
    # (request, locale) -> the URL in the active language, or None when there is nothing to link to.
    url: Callable
    order: int = 100
    description: str = ""  # what the account page says of the entry


MAIN = "main"
ACCOUNT = "account"
_items = {MAIN: {}, ACCOUNT: {}}


def register(item, menu=MAIN):
    """Add (or replace, by key) an entry of the main menu, or of the account page's with `menu=ACCOUNT`."""
    _items[menu][item.key] = item
    return item


def unregister(key, menu=MAIN):
    _items[menu].pop(key, None)


def named_url(name):
    """A `url` for an item that is a named URL pattern: None while the pattern is not installed."""

    def url(request, locale):
        try:
            return reverse(name)
        except NoReverseMatch:
            return None

    return url


def page_url(queryset):
    """A `url` for an item that is a page: the first live page of `queryset()` in the active locale, or None."""

    def url(request, locale):
        page = queryset().live().filter(locale=locale).order_by("depth").first()
        return page.get_url(request) if page is not None else None

    return url


def items_for(request):
    """[{"key", "label", "description", "url"[, "current"]}] in order; the item whose URL is the longest prefix of the request's
    path is the current one."""
    items = [dict(item) for item in pagecache.fragment("menu", _menu_parts(request), lambda: _items_in(request))]
    path = request.path if request is not None else ""
    matching = [item for item in items if path.startswith(item["url"])]
    if matching:
        max(matching, key=lambda item: len(item["url"]))["current"] = True
    return items


def account_items(request):
    """[{"key", "label", "description", "url"}] of the account page, in order (not cached: the page is a signed-in
    person's own)."""
    return _items_in(request, ACCOUNT)


def _items_in(request, menu=MAIN):
    from wagtail.models import Locale

    try:
        locale = Locale.get_active()
    except Locale.DoesNotExist:
        return []
    items = []
    for item in sorted(_items[menu].values(), key=lambda item: (item.order, item.key)):
        url = item.url(request, locale)
        if url:
            items.append({"key": item.key, "label": str(item.label), "description": str(item.description), "url": url})
    return items


def _menu_parts(request):
    """What the menu's URLs depend on: the language, and the host and scheme (a page's URL names its site when
    the request is for another one). Kept until the next page purge (core.pagecache.fragment)."""
    if request is None:
        return (get_language(),)
    return (get_language(), request.scheme, request.get_host())


def autodiscover():
    autodiscover_modules("menu")
