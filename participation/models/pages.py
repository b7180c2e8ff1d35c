"""Consultations (استشارات) and polls (استطلاعات): Wagtail pages that a ministry launches, with the citizens'
responses and ballots as plain rows.

A page exists once per language (Wagtail i18n), but a consultation or a poll is one thing: responses,
ballots and comments attach to the *original* page of the translation set (the oldest one, see
`ParticipationPage.original`), so an Arabic and an English voter are counted together. Questions and
options carry a stable `key` that translations keep, so a translated page can name what the original stores.
"""

from collections.abc import Callable
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpResponseNotAllowed
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.models import Page


class PageView(NamedTuple):
    context: Callable  # (page, request) -> dict added to the template's context
    post: Callable | None  # (page, request, *args, **kwargs) -> response; None: a POST is refused (405)


_page_views: dict[type, PageView] = {}


def register_page_view(model, *, context, post=None):
    """The views that serve a page model register here (participation/views/), so that the models import no view."""
    _page_views[model] = PageView(context, post)


class ServedByViews:
    """A page whose context and POST are the views' (registered with `register_page_view`)."""

    def page_view(self):
        for model in type(self).__mro__:
            if model in _page_views:
                return _page_views[model]
        raise LookupError(f"No view is registered for {type(self).__name__}: is participation.views imported?")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(self.page_view().context(self, request))
        return context

    def serve(self, request, *args, **kwargs):
        if request.method == "POST":
            post = self.page_view().post
            if post is None:
                return HttpResponseNotAllowed(["GET", "HEAD"])
            return post(self, request, *args, **kwargs)
        return super().serve(request, *args, **kwargs)


class ParticipationIndexPage(ServedByViews, Page):
    """شارك: the one page under the home page that holds consultations and polls."""

    intro = models.TextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["participation.ConsultationPage", "participation.PollPage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("participation section")


class Phase(models.TextChoices):
    FORTHCOMING = "forthcoming", _("Forthcoming")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    OUTCOME = "outcome", _("Outcome published")


class ParticipationPage(ServedByViews, Page):
    """What consultations and polls share: the authority running it and when it is open."""

    authority = models.ForeignKey(
        "cms.Authority", verbose_name=_("authority"), on_delete=models.PROTECT, related_name="+"
    )
    summary = models.TextField(_("summary"))
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))

    parent_page_types = ["participation.ParticipationIndexPage"]
    subpage_types = []

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": _("The closing time must be after the opening time.")})

    def original(self):
        """The page of this translation set that responses, ballots and comments belong to (looked up once
        per object)."""
        found = self.__dict__.get("_original")
        if found is None:
            found = self
            if self.translation_key:
                found = type(self).objects.filter(translation_key=self.translation_key).order_by("pk").first() or self
            self.__dict__["_original"] = found
        return found

    def is_open(self, now=None):
        now = now or timezone.now()
        return self.opens_at <= now < self.closes_at

    @property
    def phase(self):
        now = timezone.now()
        if now < self.opens_at:
            return Phase.FORTHCOMING
        if now < self.closes_at:
            return Phase.OPEN
        return Phase.CLOSED
