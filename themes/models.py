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
