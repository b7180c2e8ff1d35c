"""The page events cms announces. Wagtail's page signals become domain events (core.events), emitted after
the change commits: `page.published`, `page.unpublished`, `page.deleted` (each with `page_ids` and the page's
`model`), `page.privacy_changed` (a view restriction added, changed or removed) and `page.url_changed` (moved or
slug changed), both with the ids of the page and of everything under it. Search listens to them (cms/search.py);
other apps may too. Connected when cms is ready (cms/apps.py)."""

from django.db.models.signals import post_delete, post_save
from wagtail.models import Page, PageViewRestriction
from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

from core import events


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
