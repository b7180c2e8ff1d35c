"""Consultations (استشارات) and polls (استطلاعات): Wagtail pages that a ministry launches, with the citizens'
responses and ballots as plain rows.

A page exists once per language (Wagtail i18n), but a consultation or a poll is one thing: responses,
ballots and comments attach to the *original* page of the translation set (the oldest one, see
`ParticipationPage.original`), so an Arabic and an English voter are counted together. Questions and
options carry a stable `key` that translations keep, so a translated page can name what the original stores.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page

from ..forms_polls import PollPageForm

RICH_TEXT_FEATURES = ["bold", "italic", "link", "ol", "ul", "h3", "h4", "document-link"]


class ParticipationIndexPage(Page):
    """شارك: the one page under the home page that holds consultations and polls."""

    intro = models.TextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["participation.ConsultationPage", "participation.PollPage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("participation section")

    def get_context(self, request, *args, **kwargs):
        from ..selectors.consultations import participation_listing

        context = super().get_context(request, *args, **kwargs)
        context["listing"] = participation_listing(self)
        return context


class Phase(models.TextChoices):
    FORTHCOMING = "forthcoming", _("Forthcoming")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    OUTCOME = "outcome", _("Outcome published")


class ParticipationPage(Page):
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


# --- Consultations -----------------------------------------------------------------------------------


class ConsultationPage(ParticipationPage):
    """A ministry asks the public about a draft (a law, a regulation, a plan). Citizens answer its
    questions once (editable while open), comment on the draft paragraph by paragraph, and later read the
    outcome."""

    body = StreamField(
        [
            ("heading", blocks.CharBlock(label=_("Heading"), form_classname="title")),
            ("paragraph", blocks.RichTextBlock(label=_("Paragraph"), features=RICH_TEXT_FEATURES)),
        ],
        verbose_name=_("draft text"),
        help_text=_("Each paragraph can be commented on separately."),
    )
    outcome_summary = RichTextField(_("outcome"), blank=True, features=RICH_TEXT_FEATURES)
    outcome_published_at = models.DateTimeField(
        _("outcome published"),
        null=True,
        blank=True,
        help_text=_("Set when the outcome is published; the consultation then shows it."),
    )

    content_panels = Page.content_panels + [
        FieldPanel("authority"),
        FieldPanel("summary"),
        FieldRowPanel([FieldPanel("opens_at"), FieldPanel("closes_at")], heading=_("Open for responses")),
        FieldPanel("body"),
        InlinePanel("documents", label=_("Documents")),
        InlinePanel("questions", label=_("Questions")),
        MultiFieldPanel([FieldPanel("outcome_summary"), FieldPanel("outcome_published_at")], heading=_("Outcome")),
    ]

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")

    @property
    def phase(self):
        if self.outcome_published_at and self.outcome_published_at <= timezone.now():
            return Phase.OUTCOME
        return super().phase

    def get_context(self, request, *args, **kwargs):
        from ..views.consultations import consultation_context

        context = super().get_context(request, *args, **kwargs)
        context.update(consultation_context(self, request))
        return context

    def serve(self, request, *args, **kwargs):
        """A response is posted to the page itself (participation/views/consultations.py)."""
        if request.method == "POST":
            from ..views.consultations import serve_consultation_page

            return serve_consultation_page(self, request, *args, **kwargs)
        return super().serve(request, *args, **kwargs)


class ConsultationDocument(Orderable):
    page = ParentalKey(ConsultationPage, on_delete=models.CASCADE, related_name="documents")
    document = models.ForeignKey(
        "wagtaildocs.Document", verbose_name=_("document"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    is_outcome = models.BooleanField(_("part of the outcome"), default=False)

    panels = [FieldPanel("document"), FieldPanel("title"), FieldPanel("is_outcome")]

    class Meta(Orderable.Meta):
        verbose_name = _("consultation document")


class QuestionKind(models.TextChoices):
    TEXT = "text", _("Free text")
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    SCALE = "scale", _("Scale")


class ConsultationQuestion(Orderable):
    page = ParentalKey(ConsultationPage, on_delete=models.CASCADE, related_name="questions")
    key = models.SlugField(
        _("key"),
        max_length=50,
        blank=True,
        help_text=_("A short identifier kept by translations and used in exports; made from the text if empty."),
    )
    text = models.CharField(_("question"), max_length=500)
    help_text = models.CharField(_("help text"), max_length=500, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=QuestionKind.choices, default=QuestionKind.TEXT)
    choices = models.TextField(
        _("choices"), blank=True, help_text=_("For single and multiple choice: one choice per line.")
    )
    scale_max = models.PositiveSmallIntegerField(
        _("scale maximum"), default=5, help_text=_("For a scale: answers run from 1 to this number.")
    )
    required = models.BooleanField(_("required"), default=False)

    panels = [
        FieldPanel("text"),
        FieldPanel("help_text"),
        FieldRowPanel([FieldPanel("kind"), FieldPanel("required"), FieldPanel("scale_max")]),
        FieldPanel("choices"),
        FieldPanel("key"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self):
        return self.text

    def save(self, *args, **kwargs):
        if not self.key:
            self.key = slugify(self.text, allow_unicode=False)[:40] or f"q{(self.sort_order or 0) + 1}"
        super().save(*args, **kwargs)

    @property
    def choice_list(self):
        return [line.strip() for line in self.choices.splitlines() if line.strip()]


class ConsultationResponse(models.Model):
    """A citizen's answers to a consultation's questions: one per person and consultation (the unique
    constraint), replaced by editing while the consultation is open. `answers` maps question keys to an
    answer: text, a choice, a list of choices, or a number on the scale."""

    wagtail_reference_index_ignore = True  # high-volume rows no editor looks up by reference

    consultation = models.ForeignKey(
        ConsultationPage, verbose_name=_("consultation"), on_delete=models.CASCADE, related_name="responses"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("respondent"), on_delete=models.PROTECT, related_name="+"
    )
    answers = models.JSONField(_("answers"), default=dict)
    created_at = models.DateTimeField(_("submitted"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    class Meta:
        verbose_name = _("consultation response")
        verbose_name_plural = _("consultation responses")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["consultation", "user"], name="participation_one_response_per_person")
        ]

    def __str__(self):
        return f"{self.consultation_id} — {self.pk}"


# --- Polls -------------------------------------------------------------------------------------------


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

    def clean(self):
        super().clean()
        if self.max_choices is not None and self.max_choices < self.min_choices:
            raise ValidationError({"max_choices": _("The most choices cannot be fewer than the fewest.")})

    def get_context(self, request, *args, **kwargs):
        from ..views.polls import poll_context

        context = super().get_context(request, *args, **kwargs)
        context.update(poll_context(self, request))
        return context

    def serve(self, request, *args, **kwargs):
        """A ballot is posted to the page itself (participation/views/polls.py)."""
        if request.method == "POST":
            from ..views.polls import serve_poll_page

            return serve_poll_page(self, request, *args, **kwargs)
        return super().serve(request, *args, **kwargs)


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
