"""Consultations (استشارات): a ministry asks the public about a draft; the citizens' responses are plain rows
attached to the original page of the translation set."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page

from ..forms.page_forms import ParticipationPageForm
from .pages import ParticipationPage, Phase

RICH_TEXT_FEATURES = ["bold", "italic", "link", "ol", "ul", "h3", "h4", "document-link"]


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

    base_form_class = ParticipationPageForm

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")

    @property
    def phase(self):
        """The outcome is a phase only once the consultation has closed (responses are accepted until then)."""
        now = timezone.now()
        if self.outcome_published_at and self.outcome_published_at <= now and self.closes_at <= now:
            return Phase.OUTCOME
        return super().phase

    def clean(self):
        super().clean()
        errors = {}
        if self.outcome_published_at and self.closes_at and self.outcome_published_at < self.closes_at:
            errors["outcome_published_at"] = _(
                "The outcome can be published only once the consultation has closed: choose a time after it closes."
            )
        if self.outcome_published_at and not strip_tags(self.outcome_summary or "").strip():
            errors["outcome_summary"] = _("Write the outcome before setting when it is published.")
        if errors:
            raise ValidationError(errors)


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
