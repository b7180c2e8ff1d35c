from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.models import TranslatableMixin
from wagtail.search import index

CODE_VALIDATOR = RegexValidator(r"^[A-Z0-9-]+$", _("Use capital Latin letters, digits and hyphens only."))
SLUG_VALIDATOR = RegexValidator(r"^[a-z0-9-]+$", _("Use small Latin letters, digits and hyphens only."))


class Authority(TranslatableMixin, index.Indexed, models.Model):
    """A ministry or government body (جهة حكومية) that provides services. The code is the same in every
    language; the Arabic and English records are translations of each other."""

    class Kind(models.TextChoices):
        MINISTRY = "ministry", _("Ministry")
        AUTHORITY = "authority", _("Public authority")
        AGENCY = "agency", _("Agency")
        COUNCIL = "council", _("Council or commission")

    code = models.CharField(_("code"), max_length=20, validators=[CODE_VALIDATOR])
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.MINISTRY)
    parent = models.ForeignKey(
        "self", verbose_name=_("part of"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("telephone"), max_length=32, blank=True)
    website = models.URLField(_("website"), blank=True)
    address = models.TextField(_("address"), blank=True)
    logo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("logo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("code"),
        FieldPanel("kind"),
        FieldPanel("parent"),
        MultiFieldPanel(
            [FieldPanel("email"), FieldPanel("phone"), FieldPanel("website"), FieldPanel("address")],
            heading=_("Contact"),
        ),
        FieldPanel("logo"),
    ]
    search_fields = [
        index.SearchField("name"),
        index.AutocompleteField("name"),
        index.FilterField("code"),
        index.FilterField("locale_id"),
    ]

    class Meta(TranslatableMixin.Meta):
        verbose_name = _("authority")
        verbose_name_plural = _("authorities")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["code", "locale"], name="cms_authority_code_per_locale")]

    def __str__(self):
        return self.name


class LifeEvent(TranslatableMixin, models.Model):
    """A topic a citizen meets in life (مناسبة حياتية): starting a business, employment, family…"""

    slug = models.SlugField(_("slug"), max_length=60, validators=[SLUG_VALIDATOR])
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    order = models.IntegerField(_("order"), default=0)

    panels = [FieldPanel("name"), FieldPanel("slug"), FieldPanel("description"), FieldPanel("order")]

    class Meta(TranslatableMixin.Meta):
        verbose_name = _("life event")
        verbose_name_plural = _("life events")
        ordering = ["order", "name"]
        constraints = [models.UniqueConstraint(fields=["slug", "locale"], name="cms_lifeevent_slug_per_locale")]

    def __str__(self):
        return self.name
