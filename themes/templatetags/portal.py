from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.urls import reverse, translate_url
from django.utils.translation import get_language

from core.money import format_fils

register = template.Library()


@register.simple_tag(takes_context=True)
def language_links(context):
    """A link for every other language: to the translation of the current page when there is one, or to the
    same path in that language. Each goes through the language switch, which remembers the choice."""
    request = context.get("request")
    page = context.get("page")
    current = get_language()
    links = []
    for code, name in settings.LANGUAGES:
        if code == current:
            continue
        target = None
        if page is not None and hasattr(page, "get_translations"):
            translation = page.get_translations().filter(locale__language_code=code).live().first()
            if translation is not None:
                target = translation.get_url(request)
        if target is None and request is not None:
            target = translate_url(request.path, code)
            if target == request.path:
                target = f"/{code}/"
        switch = reverse("switch_language", args=[code]) + "?" + urlencode({"next": target})
        links.append({"code": code, "name": name, "url": switch})
    return links


@register.filter
def fils(value):
    return format_fils(value)
