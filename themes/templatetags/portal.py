import functools
from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse, translate_url
from django.utils import formats
from django.utils.translation import get_language

from core import menu, pagecache
from core.forms import HONEYPOT_FIELD
from core.money import format_fils
from themes.registry import HIGH_CONTRAST, current_theme
from themes.selection import CONTRAST_HIGH, CONTRAST_STANDARD

register = template.Library()


@register.simple_tag(takes_context=True)
def language_links(context):
    """A link for every other language: to the translation of the current page when there is one, or to the
    same path in that language. Each goes through the language switch, which remembers the choice."""
    request = context.get("request")
    page = context.get("page")
    current = get_language()
    translated = {}
    if page is not None and hasattr(page, "get_translations") and page.pk is not None:
        translated = _translated_urls(page, current, request)
    links = []
    for code, name in settings.LANGUAGES:
        if code == current:
            continue
        target, nearest = translated.get(code, (None, False))
        if target is None and request is not None:
            target = translate_url(request.path, code)
            if target == request.path:
                target = f"/{code}/"
        query = {"next": target, **({"nearest": "1"} if nearest else {})}
        switch = reverse("switch_language", args=[code]) + "?" + urlencode(query)
        links.append({"code": code, "name": name, "url": switch})
    return links


def _translated_urls(page, current, request):
    """{language: (URL, nearest)} of `_translated_url` for every other language, kept until the next purge
    (core.pagecache.fragment): a translation, or a page above it, published, unpublished, moved or deleted
    purges (cms/cache.py). The URL depends on the site the request came to (relative or absolute), so the host
    is part of the key."""

    def compute():
        return {code: _translated_url(page, code, request) for code, _name in settings.LANGUAGES if code != current}

    host = request.get_host() if request is not None else ""
    return pagecache.fragment("language-links", (host, current, page.pk, page.translation_key), compute)


def _translated_url(page, code, request):
    """(URL, nearest): the page's translation into `code`; when it has none, the nearest ancestor's that has one
    (nearest True); (None, False) when no page up the tree is translated (the home page in that language then)."""
    translation = page.get_translations().filter(locale__language_code=code).live().first()
    if translation is not None:
        return translation.get_url(request), False
    for candidate in page.get_ancestors().filter(depth__gt=1).order_by("-depth"):
        translation = candidate.get_translations().filter(locale__language_code=code).live().first()
        if translation is not None:
            return translation.get_url(request), True
    return f"/{code}/", True


@register.filter
def fils(value):
    return format_fils(value)


@register.filter
def number(value):
    """A whole number grouped in thousands as the active language writes it: `10,000`. (USE_THOUSAND_SEPARATOR
    stays off, so that ids in addresses are never grouped.)"""
    try:
        return formats.number_format(int(value), force_grouping=True)
    except (TypeError, ValueError):
        return value


@register.simple_tag
def theme_stylesheets():
    """The stylesheets of the theme being worn, in order (tokens first)."""
    return [static(path) for path in current_theme().stylesheets]


@register.simple_tag
def theme_name():
    return current_theme().name


@register.inclusion_tag("themes/contrast_switch.html", takes_context=True)
def contrast_switch(context):
    """A one-button form that turns high contrast on or off for this citizen (remembered in a cookie)."""
    request = context.get("request")
    high = current_theme().name == HIGH_CONTRAST
    return {
        "high": high,
        "choice": CONTRAST_STANDARD if high else CONTRAST_HIGH,
        "next": request.get_full_path() if request is not None else "/",
    }


@register.simple_tag
def optional_script(path):
    """The URL of a static script when some app ships it (e.g. notifications/live.js), else an empty string."""
    return static(path) if _static_exists(path) else ""


@functools.cache
def _static_exists(path):
    return finders.find(path) is not None


@register.simple_tag(takes_context=True)
def main_navigation(context):
    """The main menu: the entries the apps register (core.menu), each only once it exists in the active language."""
    return menu.items_for(context.get("request"))


@register.simple_tag
def search_page_url():
    """The public search page's URL (named `search_page`), or an empty string while the portal has none."""
    try:
        return reverse("search_page")
    except NoReverseMatch:
        return ""


@register.simple_tag
def honeypot_field_name():
    return HONEYPOT_FIELD
