"""What to purge from the page caches when participation changes (core/pagecache.py, docs/operations.md#page-cache).

A petition saved (moderated, closed by staff, answered by the government) purges its page and the petition list in
each language, the API's petition list and detail, and the home pages (their petitions section). A comment saved
or deleted (posted, edited, hidden or approved by moderation) purges the page that shows its thread, in each
language. Signatures are not purged one by one: pages with counts that change that way are kept only
PAGE_CACHE_LIVE_SECONDS (core.pagecache.public(live=True))."""

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from cms.cache import purge_addresses


def petition_paths(petition_id):
    paths = {"/api/v1/petitions/", f"/api/v1/petitions/{petition_id}/", "/api/v1/search/", "/api/v1/search/suggest/"}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            paths.add(reverse("participation:petition_list"))
            paths.add(reverse("participation:petition_detail", args=[petition_id]))
    return sorted(paths)


def _on_petition_changed(sender, instance, **kwargs):
    from cms.models import HomePage

    purge_addresses(petition_paths(instance.pk), pages=list(HomePage.objects.live()))


def _on_comment_changed(sender, instance, **kwargs):
    if instance.petition_id:
        purge_addresses(petition_paths(instance.petition_id))
        return
    page = instance.consultation or instance.poll or instance.service
    if page is not None:
        purge_addresses([], pages=[page])


def connect():
    from django.db.models.signals import post_delete, post_save

    from .models import Comment, Petition

    for model, receiver in ((Petition, _on_petition_changed), (Comment, _on_comment_changed)):
        for event, signal in (("saved", post_save), ("deleted", post_delete)):
            signal.connect(receiver, sender=model, dispatch_uid=f"participation.cache.{model.__name__}.{event}")
