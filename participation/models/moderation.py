"""Moderation: citizens' flags, the block lists, and one append-only log of every staff (and automatic)
decision on petitions, comments and participants."""

import ipaddress

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

DEFAULT_AUTO_HIDE_FLAGS = 3


class FlagReason(models.TextChoices):
    SPAM = "spam", _("Spam or advertising")
    ABUSE = "abuse", _("Abusive or hateful")
    OFF_TOPIC = "off_topic", _("Off topic")
    PERSONAL_DATA = "personal_data", _("Reveals personal data")
    ILLEGAL = "illegal", _("Unlawful content")
    OTHER = "other", _("Something else")


class Flag(models.Model):
    """A citizen's report that a comment or a petition breaks the rules. One per person and thing: the
    number of distinct flags is what hides content automatically."""

    wagtail_reference_index_ignore = True  # high-volume rows no editor looks up by reference

    comment = models.ForeignKey(
        "participation.Comment", null=True, blank=True, on_delete=models.CASCADE, related_name="flags"
    )
    petition = models.ForeignKey(
        "participation.Petition", null=True, blank=True, on_delete=models.CASCADE, related_name="flags"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("flagged by"), on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=20, choices=FlagReason.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("flagged"), auto_now_add=True)
    # Set when staff have reviewed the thing flagged (approved it or hid it): the flag leaves the queue.
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        verbose_name = _("flag")
        verbose_name_plural = _("flags")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(comment__isnull=False, petition__isnull=True)
                | Q(comment__isnull=True, petition__isnull=False),
                name="participation_flag_has_one_target",
            ),
            models.UniqueConstraint(
                fields=["comment", "user"],
                condition=Q(comment__isnull=False),
                name="participation_one_flag_per_comment_per_person",
            ),
            models.UniqueConstraint(
                fields=["petition", "user"],
                condition=Q(petition__isnull=False),
                name="participation_one_flag_per_petition_per_person",
            ),
        ]

    def __str__(self):
        return f"{self.get_reason_display()} — {self.comment_id or self.petition_id}"


def validate_network(value):
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError as error:
        raise ValidationError(_("Give an IP address or a range such as 192.0.2.0/24.")) from error


class BlockedNetwork(models.Model):
    """Addresses (a single IP or a CIDR range) from which nobody may sign, vote, comment or flag."""

    network = models.CharField(_("IP address or range"), max_length=50, unique=True, validators=[validate_network])
    reason = models.CharField(_("reason"), max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("blocked"), auto_now_add=True)

    class Meta:
        verbose_name = _("blocked IP range")
        verbose_name_plural = _("blocked IP ranges")
        ordering = ["network"]

    def __str__(self):
        return self.network

    def save(self, *args, **kwargs):
        self.network = str(ipaddress.ip_network(self.network, strict=False))
        super().save(*args, **kwargs)


class BlockedEmailDomain(models.Model):
    """E-mail domains (throw-away mail services, say) whose accounts may not take part."""

    domain = models.CharField(_("e-mail domain"), max_length=253, unique=True)
    reason = models.CharField(_("reason"), max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("blocked"), auto_now_add=True)

    class Meta:
        verbose_name = _("blocked e-mail domain")
        verbose_name_plural = _("blocked e-mail domains")
        ordering = ["domain"]

    def __str__(self):
        return self.domain

    def save(self, *args, **kwargs):
        self.domain = self.domain.strip().lower().lstrip("@")
        super().save(*args, **kwargs)


class BlockedParticipant(models.Model):
    """A person staff have blocked from taking part (from the moderation queue's "block author")."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE, related_name="participation_block"
    )
    reason = models.CharField(_("reason"), max_length=300)
    until = models.DateTimeField(_("blocked until"), null=True, blank=True, help_text=_("Empty: until lifted."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("blocked"), auto_now_add=True)

    class Meta:
        verbose_name = _("blocked participant")
        verbose_name_plural = _("blocked participants")
        ordering = ["-created_at"]

    def __str__(self):
        return str(self.user)


class ModerationRecord(models.Model):
    """The audit trail of moderation: staff decisions on petitions, signatures, comments and participants,
    and the automatic hiding of flagged content. Rows are only ever added."""

    class Kind(models.TextChoices):
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        HIDDEN = "hidden", _("Hidden")
        AUTO_HIDDEN = "auto_hidden", _("Hidden automatically after flags")
        RESTORED = "restored", _("Restored")
        SIGNATURES_INVALIDATED = "signatures_invalidated", _("Signatures invalidated")
        RESPONSE_PUBLISHED = "response_published", _("Government response published")
        AUTHOR_BLOCKED = "author_blocked", _("Author blocked")

    petition = models.ForeignKey(
        "participation.Petition", null=True, blank=True, on_delete=models.CASCADE, related_name="moderation_log"
    )
    comment = models.ForeignKey(
        "participation.Comment", null=True, blank=True, on_delete=models.CASCADE, related_name="moderation_log"
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person concerned"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(_("decision"), max_length=30, choices=Kind.choices)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("staff"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(_("reason"), blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("moderation record")
        verbose_name_plural = _("moderation log")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.petition_id or self.comment_id or self.subject_id}"


class Announcement(models.Model):
    """A scheduled event that has been announced once (`consultation:12:closing_soon`, say): the scheduler
    inserts the key before emitting, and the unique key makes sure a second run — or a second scheduler —
    announces nothing twice."""

    key = models.CharField(_("key"), max_length=120, unique=True)
    created_at = models.DateTimeField(_("announced"), auto_now_add=True)

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")

    def __str__(self):
        return self.key
