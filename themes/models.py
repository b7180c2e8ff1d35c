from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting

from .registry import DEFAULT, theme_choices


@register_setting(icon="view")
class ThemeSettings(BaseSiteSetting):
    """The theme a Wagtail Site wears. A citizen may still switch to high contrast for themselves."""

    theme = models.CharField(
        _("theme"),
        max_length=40,
        choices=theme_choices,
        default=DEFAULT,
        help_text=_("How the public pages of this site look. Citizens can switch to high contrast for themselves."),
    )

    panels = [FieldPanel("theme")]

    class Meta:
        verbose_name = _("theme")


def _theme_changed(sender, instance, created=False, **kwargs):
    if created and instance.theme == DEFAULT:
        return  # the first read of a site's settings makes its row, with the theme the pages already wear
    # Every page of the site looks different: nothing cached before now may be served (core/pagecache.py). At
    # once, for this transaction's own requests, and again after the commit, for pages rendered in between.
    from django.db import transaction

    from core import pagecache

    pagecache.purge_all()
    transaction.on_commit(pagecache.purge_all)


models.signals.post_save.connect(_theme_changed, sender=ThemeSettings, dispatch_uid="themes.purge_page_cache")
