"""What the catalogue makes searchable: its live, public service pages, indexed again after the page events
cms announces (cms/signals.py), and the names of its authorities and life events for search's facets."""

import html
import re

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from search.registry import PageSource, register

from . import cache
from .catalogue_format import SERVICE_TEXTS, service_texts
from .models import Authority, LifeEvent, ServicePage

_TAG = re.compile(r"<[^>]*>")
# Texts of a service searched besides its title and summary (declared in catalogue_format.SERVICE_TEXTS), and
# the keys of stream items that are codes.
BODY_TEXTS = tuple(field.name for field in SERVICE_TEXTS if field.searched)
CODE_KEYS = {"kind", "optional"}


# --- Search ---------------------------------------------------------------------------------------------


def plain_text(value):
    """The words of a text field, a rich-text field or a stream (as catalogue_format gives them)."""
    if isinstance(value, str):
        return " ".join(html.unescape(_TAG.sub(" ", value)).split())
    if isinstance(value, dict):
        return " ".join(plain_text(item) for key, item in value.items() if key not in CODE_KEYS)
    if isinstance(value, list | tuple):
        return " ".join(plain_text(item) for item in value)
    return ""


class ServiceSearch(PageSource):
    kind = "service"
    label = _("Services")
    model = ServicePage
    related = ("authority", "locale")
    prefetched = ("life_events",)
    restricted_paths = staticmethod(cache.view_restricted_paths)  # kept until they change

    def record(self, page):
        texts = service_texts(page)
        body = [page.service_id, page.authority.name, *(plain_text(texts[name]) for name in BODY_TEXTS)]
        return self.page_record(
            page,
            summary=page.summary,
            body="\n".join(text for text in body if text),
            authority=page.authority.code,
            status=page.status,
            life_events=tuple(event.slug for event in page.life_events.all()),
            date=page.last_published_at,
        )

    def facet_labels(self, facet, values):
        """An authority's name (by its code) and a life event's (by its slug), in the active language."""
        model, key = {"authority": (Authority, "code"), "life_event": (LifeEvent, "slug")}.get(facet, (None, None))
        if model is None or not values:
            return {}
        rows = model.objects.filter(**{f"{key}__in": values, "locale__language_code": get_language()})
        return {getattr(row, key): row.name for row in rows}


register(ServiceSearch())
