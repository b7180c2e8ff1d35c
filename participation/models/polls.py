"""Polls (استطلاعات): a question with options; the ballots are secret rows attached to the original page of
the translation set."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel
from wagtail.models import Orderable, Page

from ..forms.page_forms import PollPageForm
from .pages import ParticipationPage


class PollKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    RANKED = "ranked", _("Ranked")


class ResultsShown(models.TextChoices):
    LIVE = "live", _("While the poll is open")
    AFTER_CLOSE = "after_close", _("Only after it closes")


class PollPage(ParticipationPage):
    """A question with options. Ballots are secret: a ballot row holds a keyed hash of its voter, never a
    reference to them (see services and docs/participation.md)."""

    kind = models.CharField(_("kind"), max_length=10, choices=PollKind.choices, default=PollKind.SINGLE)
    min_choices = models.PositiveSmallIntegerField(
        _("fewest choices"), default=1, help_text=_("Multiple choice: the fewest options a ballot may choose.")
    )
    max_choices = models.PositiveSmallIntegerField(
        _("most choices"),
        null=True,
        blank=True,
        help_text=_("Multiple choice: the most options a ballot may choose (empty: all)."),
    )
    results_shown = models.CharField(
        _("results shown"), max_length=12, choices=ResultsShown.choices, default=ResultsShown.AFTER_CLOSE
    )
    binding = models.BooleanField(
        _("binding"), default=False, help_text=_("A binding poll needs the higher assurance level to vote.")
    )

    content_panels = Page.content_panels + [
        FieldPanel("authority"),
        FieldPanel("summary"),
        FieldRowPanel([FieldPanel("opens_at"), FieldPanel("closes_at")], heading=_("Open for voting")),
        FieldRowPanel([FieldPanel("kind"), FieldPanel("min_choices"), FieldPanel("max_choices")]),
        FieldRowPanel([FieldPanel("results_shown"), FieldPanel("binding")]),
        InlinePanel("options", label=_("Options"), min_num=2),
    ]
    base_form_class = PollPageForm

    class Meta:
        verbose_name = _("poll")
        verbose_name_plural = _("polls")
        constraints = [
            models.CheckConstraint(
                condition=Q(max_choices__isnull=True) | Q(max_choices__gte=models.F("min_choices")),
                name="participation_poll_choice_bounds",
            )
        ]

    def voted_option_ids(self):
        """The options that ballots name (they cannot be removed or re-keyed: the page form says so)."""
        return set(BallotChoice.objects.filter(option__page_id=self.pk).values_list("option_id", flat=True))

    def clean(self):
        super().clean()
        if self.max_choices is not None and self.max_choices < self.min_choices:
            raise ValidationError({"max_choices": _("The most choices cannot be fewer than the fewest.")})


class PollOption(Orderable):
    page = ParentalKey(PollPage, on_delete=models.CASCADE, related_name="options")
    key = models.SlugField(
        _("key"), max_length=50, blank=True, help_text=_("Kept by translations; made from the label if empty.")
    )
    label = models.CharField(_("option"), max_length=300)

    panels = [FieldPanel("label"), FieldPanel("key")]

    class Meta(Orderable.Meta):
        verbose_name = _("option")
        verbose_name_plural = _("options")

    def __str__(self):
        return self.label

    def save(self, *args, **kwargs):
        if not self.key:
            self.key = slugify(self.label, allow_unicode=False)[:40] or f"option-{(self.sort_order or 0) + 1}"
        super().save(*args, **kwargs)


class Ballot(models.Model):
    """One ballot per voter and poll: `voter` is a keyed hash (HMAC) of the poll and the person, unique per
    poll. It lets the same person replace their ballot, and lets nobody — staff included — read who voted
    for what."""

    wagtail_reference_index_ignore = True  # high-volume rows no editor looks up by reference

    poll = models.ForeignKey(PollPage, verbose_name=_("poll"), on_delete=models.CASCADE, related_name="ballots")
    voter = models.CharField(_("voter (keyed hash)"), max_length=64)
    cast_on = models.DateField(_("cast on"), auto_now=True)

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        constraints = [models.UniqueConstraint(fields=["poll", "voter"], name="participation_one_ballot_per_voter")]

    def __str__(self):
        return f"{self.poll_id} — {self.pk}"


class BallotChoice(models.Model):
    """An option chosen on a ballot; `rank` (1 = first preference) only on ranked polls."""

    wagtail_reference_index_ignore = True  # high-volume rows no editor looks up by reference

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="choices")
    option = models.ForeignKey(PollOption, on_delete=models.PROTECT, related_name="+")
    rank = models.PositiveSmallIntegerField(_("rank"), null=True, blank=True)

    class Meta:
        verbose_name = _("ballot choice")
        verbose_name_plural = _("ballot choices")
        constraints = [
            models.UniqueConstraint(fields=["ballot", "option"], name="participation_option_once_per_ballot"),
            models.UniqueConstraint(fields=["ballot", "rank"], name="participation_rank_once_per_ballot"),
        ]
        indexes = [models.Index(fields=["option", "rank"], name="participation_choice_count")]

    def __str__(self):
        return f"{self.ballot_id}: {self.option_id}"
