"""Translating a page ("Translate", wagtail.contrib.simple_translation) copies it into the other language with
its references as they are: an English copy of an Arabic service would point at the Arabic authority, the
Arabic life events and the Arabic related services, and could not be saved until the editor chose each again
(the authority must be the section's). This points the copy at the translations of what it refers to, where
they exist, and keeps the copy's draft revision in step, which is what the editor's form opens."""

from django.dispatch import receiver
from wagtail.signals import copy_for_translation_done

from .models import ServiceRelation


def _in(locale, item):
    return item.get_translation_or_none(locale) or item


@receiver(copy_for_translation_done, dispatch_uid="cms.translation.references")
def point_the_copy_at_translations(sender, source_obj, target_obj, **kwargs):
    page = target_obj.specific
    if getattr(page, "alias_of_id", None):
        return  # an alias follows its source
    locale = page.locale
    changed = False
    if getattr(page, "authority_id", None) and page.authority.locale_id != locale.pk:
        page.authority = _in(locale, page.authority)
        changed = True
    if hasattr(page, "life_events"):
        events = list(page.life_events.all())
        if any(event.locale_id != locale.pk for event in events):
            page.life_events = [_in(locale, event) for event in events]
            changed = True
    if hasattr(page, "related_links"):
        links = list(page.related_links.all())
        if any(link.service.locale_id != locale.pk for link in links):
            page.related_links = [
                ServiceRelation(service=_in(locale, link.service), sort_order=link.sort_order) for link in links
            ]
            changed = True
    if not changed:
        return
    page.save(clean=False)
    if page.latest_revision_id:
        page.save_revision(clean=False, changed=False, log_action=False)
