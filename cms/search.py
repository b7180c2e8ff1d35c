"""What the catalogue makes searchable (its live, public service pages), and the page events it announces.

Wagtail's page signals become domain events (core.events), emitted after the change commits:
`page.published`, `page.unpublished`, `page.deleted` (each with `page_ids` and the page's `model`),
`page.privacy_changed` (a view restriction added, changed or removed) and `page.url_changed` (moved or
slug changed), both with the ids of the page and of everything under it. Search listens to them through
`ServiceSearch.events`; other apps may too."""

import html
import re

from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page, PageViewRestriction
from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

from core import events
from search.registry import SearchRecord, SearchSource, register

from .catalogue_format import service_texts
from .models import ServicePage

SERVICE_MODEL = ServicePage._meta.label_lower
_TAG = re.compile(r"<[^>]*>")
# Texts of a service searched besides its title and summary, and the keys of stream items that are codes.
BODY_TEXTS = ("eligibility", "steps", "documents", "fee_note", "channels", "other_ways_to_apply", "output")
BODY_TEXTS += ("legal_basis", "downtime_message")
CODE_KEYS = {"kind", "optional"}


# --- Page events ------------------------------------------------------------------------------------------


def _model(page):
    return page.specific_class._meta.label_lower if page.specific_class else page._meta.label_lower


def _page_and_descendants(page):
    return list(Page.objects.descendant_of(page, inclusive=True).values_list("pk", flat=True))


def _on_published(sender, instance, **kwargs):
    events.emit("page.published", page_ids=[instance.pk], model=_model(instance))


def _on_unpublished(sender, instance, **kwargs):
    events.emit("page.unpublished", page_ids=[instance.pk], model=_model(instance))


def _on_deleted(sender, instance, **kwargs):
    events.emit("page.deleted", page_ids=[instance.pk], model=_model(instance))


def _on_restriction_changed(sender, instance, **kwargs):
    page = Page.objects.filter(pk=instance.page_id).first()
    if page is not None:
        events.emit("page.privacy_changed", page_ids=_page_and_descendants(page))


def _on_url_changed(sender, instance, **kwargs):
    events.emit("page.url_changed", page_ids=_page_and_descendants(instance))


page_published.connect(_on_published, dispatch_uid="cms.events.page_published")
page_unpublished.connect(_on_unpublished, dispatch_uid="cms.events.page_unpublished")
post_delete.connect(_on_deleted, sender=Page, dispatch_uid="cms.events.page_deleted")
post_save.connect(_on_restriction_changed, sender=PageViewRestriction, dispatch_uid="cms.events.restriction_saved")
post_delete.connect(_on_restriction_changed, sender=PageViewRestriction, dispatch_uid="cms.events.restriction_deleted")
post_page_move.connect(_on_url_changed, dispatch_uid="cms.events.page_moved")
page_slug_changed.connect(_on_url_changed, dispatch_uid="cms.events.page_slug_changed")


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


class ServiceSearch(SearchSource):
    kind = "service"
    label = _("Services")
    events = ("page.published", "page.unpublished", "page.deleted", "page.privacy_changed", "page.url_changed")

    def ids_from_event(self, event):
        page_ids = event.payload.get("page_ids", [])
        model = event.payload.get("model")
        if model is not None:
            return page_ids if model == SERVICE_MODEL else []
        return list(ServicePage.objects.filter(pk__in=page_ids).values_list("pk", flat=True))

    def _pages(self, ids=None):
        pages = ServicePage.objects.live().public()
        if ids is not None:
            pages = pages.filter(pk__in=[int(source_id) for source_id in ids if str(source_id).isdigit()])
        return pages

    def records(self, ids=None):
        pages = (
            self._pages(ids)
            .select_related("authority", "locale")
            .prefetch_related("life_events")
            .order_by("pk")
            .iterator(chunk_size=200)
        )
        for page in pages:
            yield self.record(page)

    def record(self, page):
        texts = service_texts(page)
        body = [page.service_id, page.authority.name, *(plain_text(texts[name]) for name in BODY_TEXTS)]
        return SearchRecord(
            kind=self.kind,
            source_id=str(page.pk),
            locale=page.locale.language_code,
            title=page.title,
            url=page.get_url() or "",
            summary=page.summary,
            body="\n".join(text for text in body if text),
            authority=page.authority.code,
            status=page.status,
            life_events=tuple(event.slug for event in page.life_events.all()),
            date=page.last_published_at,
        )

    def public_ids(self, ids):
        return {str(pk) for pk in self._pages(ids).values_list("pk", flat=True)}

    def count(self):
        return self._pages().count()


register(ServiceSearch())
