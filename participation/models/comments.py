"""Comments (تعليقات) on consultations, petitions, polls and service pages.

Each target is a real foreign key, and a check constraint makes sure exactly one is set: the database can
check every reference, which a generic relation could not. Comments on pages attach to the original page of
a translation set (`ParticipationPage.original()` / the oldest page with the same translation key), so the
Arabic and English pages show one conversation."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

MAX_DEPTH = 3
MAX_LENGTH = 5000  # characters of text, after sanitising
DEFAULT_EDIT_WINDOW_MINUTES = 15

TARGETS = ("consultation", "petition", "poll", "service")


def _only(target):
    return Q(**{f"{name}__isnull": name != target for name in TARGETS})


class Stance(models.TextChoices):
    FOR = "for", _("For")
    AGAINST = "against", _("Against")
    NEUTRAL = "neutral", _("Neutral")


class Comment(models.Model):
    class State(models.TextChoices):
        VISIBLE = "visible", _("Visible")
        HIDDEN = "hidden", _("Hidden by moderation")

    consultation = models.ForeignKey(
        "participation.ConsultationPage", null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    petition = models.ForeignKey(
        "participation.Petition", null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    poll = models.ForeignKey(
        "participation.PollPage", null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    service = models.ForeignKey(
        "cms.ServicePage", null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    # The id of the consultation's body block (paragraph) the comment is about; empty for the whole thing.
    paragraph = models.CharField(_("paragraph"), max_length=64, blank=True, db_index=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("reply to"), null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    depth = models.PositiveSmallIntegerField(_("depth"), default=1)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField(_("text"), help_text=_("Sanitised HTML."))
    stance = models.CharField(_("stance"), max_length=10, choices=Stance.choices, blank=True)
    # An answer given on behalf of the authority by its staff, shown as such.
    is_official = models.BooleanField(_("official answer"), default=False)
    official_authority = models.ForeignKey(
        "cms.Authority",
        verbose_name=_("answering for"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.VISIBLE)
    hidden_reason = models.CharField(_("reason for hiding"), max_length=300, blank=True)
    hidden_at = models.DateTimeField(_("hidden"), null=True, blank=True)
    # Set when staff looked at the flags and kept the comment: later flags do not hide it automatically.
    approved_at = models.DateTimeField(_("approved by moderation"), null=True, blank=True)
    created_at = models.DateTimeField(_("written"), auto_now_add=True, db_index=True)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=_only("consultation") | _only("petition") | _only("poll") | _only("service"),
                name="participation_comment_has_one_target",
            ),
            models.CheckConstraint(
                condition=Q(depth__gte=1, depth__lte=MAX_DEPTH), name="participation_comment_depth_at_most_3"
            ),
            models.CheckConstraint(
                condition=Q(depth=1, parent__isnull=True) | Q(depth__gt=1, parent__isnull=False),
                name="participation_comment_reply_has_parent",
            ),
            models.CheckConstraint(
                condition=Q(stance="") | Q(consultation__isnull=False),
                name="participation_stance_only_on_consultations",
            ),
            models.CheckConstraint(
                condition=Q(is_official=False) | Q(official_authority__isnull=False),
                name="participation_official_answer_names_authority",
            ),
            models.CheckConstraint(
                condition=Q(state="visible") | ~Q(hidden_reason=""),
                name="participation_hidden_comment_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["consultation", "created_at"], name="participation_comment_cons"),
            models.Index(fields=["petition", "created_at"], name="participation_comment_pet"),
            models.Index(fields=["poll", "created_at"], name="participation_comment_poll"),
            models.Index(fields=["service", "created_at"], name="participation_comment_svc"),
        ]

    def __str__(self):
        return f"{self.pk} — {self.author_id}"

    def get_hidden_reason_display(self):
        """The reason in the reader's language: an automatic reason is stored as its English source text (so it
        is translated when shown); a moderator's own words are shown as written."""
        return gettext(self.hidden_reason) if self.hidden_reason else ""

    @property
    def target_name(self):
        return next(name for name in TARGETS if getattr(self, f"{name}_id"))

    @property
    def target_id(self):
        return getattr(self, f"{self.target_name}_id")


class CommentVote(models.Model):
    """Up (+1) or down (−1): one per person and comment, by the database's unique constraint."""

    wagtail_reference_index_ignore = True  # high-volume rows no editor looks up by reference

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    value = models.SmallIntegerField(_("vote"), choices=[(1, _("Up")), (-1, _("Down"))])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("comment vote")
        verbose_name_plural = _("comment votes")
        constraints = [
            models.UniqueConstraint(fields=["comment", "user"], name="participation_one_vote_per_comment"),
            models.CheckConstraint(condition=Q(value__in=[1, -1]), name="participation_comment_vote_is_up_or_down"),
        ]

    def __str__(self):
        return f"{self.comment_id}: {self.value:+d}"
