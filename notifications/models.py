"""Notifications (إشعارات): a row per recipient first, then a best-effort push and e-mail.

Targets are named by a string key (`petition:12`, `consultation:40`, `authority:MSAL`) that the app owning
the thing chooses (see notifications.registry): notifications never holds a foreign key into another app."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

TARGET_MAX_LENGTH = 100


class Notification(models.Model):
    """One thing a person is told about, in Arabic and English. `dedupe_key` names the event that caused
    it, so that delivering an event twice (a retried task) writes nothing twice."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=64)
    target = models.CharField(_("about"), max_length=TARGET_MAX_LENGTH, blank=True)
    text_ar = models.CharField(_("text in Arabic"), max_length=500)
    text_en = models.CharField(_("text in English"), max_length=500)
    url_ar = models.CharField(_("link (Arabic)"), max_length=500, blank=True)
    url_en = models.CharField(_("link (English)"), max_length=500, blank=True)
    dedupe_key = models.CharField(_("event"), max_length=200)
    # False when the person turned the in-app channel off for this kind but wants the e-mail: the row is
    # kept for the e-mail (and the digest) and never shown or pushed.
    in_app = models.BooleanField(_("shown in the portal"), default=True)
    email_pending = models.BooleanField(_("e-mail to send"), default=False)
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "dedupe_key"], name="notifications_once_per_event"),
        ]
        indexes = [
            # The inbox, the resync after an id, and the unread count are all per recipient, newest first.
            models.Index(fields=["recipient", "-id"], name="notifications_inbox"),
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True, in_app=True), name="notifications_unread"
            ),
            models.Index(fields=["recipient"], condition=Q(email_pending=True), name="notifications_email_due"),
        ]

    def __str__(self):
        return f"{self.recipient_id}: {self.kind} {self.target}"

    def text(self, language):
        return self.text_en if language == "en" else self.text_ar

    def url(self, language):
        return (self.url_en if language == "en" else self.url_ar) or self.url_ar or self.url_en


class Follow(models.Model):
    """A person follows a target. Unfollowing keeps the row, inactive, so that something followed
    automatically (signing, commenting) is not followed again behind the person's back.

    `follow_automatically` writes it with `core.sql.insert`, not `save()`: no signal is sent and no Python
    `default=` or `auto_now_add` is applied, so the insert names every NOT NULL column itself. A new NOT NULL
    column needs a `db_default` or a value there (tests/core/test_architecture.py checks)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE)
    target = models.CharField(_("follows"), max_length=TARGET_MAX_LENGTH)
    active = models.BooleanField(_("following"), default=True)
    automatic = models.BooleanField(_("followed automatically"), default=False)
    created_at = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("follow")
        verbose_name_plural = _("follows")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["user", "target"], name="notifications_one_follow_per_target")]
        indexes = [
            # Fan-out walks the followers of a target in user id order.
            models.Index(fields=["target", "user"], condition=Q(active=True), name="notifications_followers"),
        ]

    def __str__(self):
        return f"{self.user_id} → {self.target}"


class EmailFrequency(models.TextChoices):
    IMMEDIATE = "immediate", _("One e-mail per notification")
    DAILY = "daily", _("A daily digest")


class NotificationSettings(models.Model):
    """A person's choices that are not per kind. A person without a row has the defaults."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="notification_settings"
    )
    email_frequency = models.CharField(
        _("e-mails"), max_length=10, choices=EmailFrequency.choices, default=EmailFrequency.IMMEDIATE
    )
    auto_follow = models.BooleanField(
        _("follow what I create, sign, answer or comment on"),
        default=True,
    )
    digest_sent_at = models.DateTimeField(_("last digest"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self):
        return str(self.user_id)


class NotificationPreference(models.Model):
    """The channels a person wants for one kind of notification; without a row, the kind's defaults."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=64)
    in_app = models.BooleanField(_("in the portal"), default=True)
    email = models.BooleanField(_("by e-mail"), default=False)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notifications_one_preference_per_kind")]

    def __str__(self):
        return f"{self.user_id}: {self.kind}"
