"""Petitions (عرائض): a citizen writes one to an authority, a few others sponsor it, staff moderate it, then
anyone with the assurance level the policy asks for may sign it until it closes.

The count of signatures is never stored on the petition row (docs/architecture.md, principle 3): it is derived
from `PetitionSignature` rows (see selectors.signature_count) and checked by `manage.py recount`."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

DEFAULT_SPONSORS_NEEDED = 5
DEFAULT_RESPONSE_THRESHOLD = 10_000
DEFAULT_DEBATE_THRESHOLD = 100_000
DEFAULT_OPEN_FOR = timedelta(days=183)  # six months


def new_sponsor_token():
    return secrets.token_urlsafe(24)


class Governorate(models.TextChoices):
    CAPITAL = "capital", _("Capital")
    HAWALLI = "hawalli", _("Hawalli")
    FARWANIYA = "farwaniya", _("Farwaniya")
    MUBARAK_AL_KABEER = "mubarak_al_kabeer", _("Mubarak Al-Kabeer")
    AHMADI = "ahmadi", _("Ahmadi")
    JAHRA = "jahra", _("Jahra")


class PetitionSettings(models.Model):
    """An authority's own sponsorship and thresholds. Copied onto each petition when it is created, so a
    change here never moves the goalposts of a petition already running."""

    authority = models.OneToOneField(
        "cms.Authority", verbose_name=_("authority"), on_delete=models.CASCADE, related_name="petition_settings"
    )
    sponsors_needed = models.PositiveSmallIntegerField(_("sponsors needed"), default=DEFAULT_SPONSORS_NEEDED)
    response_threshold = models.PositiveIntegerField(
        _("signatures for a government response"), default=DEFAULT_RESPONSE_THRESHOLD
    )
    debate_threshold = models.PositiveIntegerField(_("signatures for a debate"), default=DEFAULT_DEBATE_THRESHOLD)
    open_for_days = models.PositiveSmallIntegerField(_("days open for signing"), default=DEFAULT_OPEN_FOR.days)

    class Meta:
        verbose_name = _("petition settings")
        verbose_name_plural = _("petition settings")

    def __str__(self):
        return str(self.authority)


class Petition(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        COLLECTING_SPONSORS = "collecting_sponsors", _("Collecting sponsors")
        AWAITING_MODERATION = "awaiting_moderation", _("Awaiting moderation")
        OPEN = "open", _("Open for signing")
        CLOSED = "closed", _("Closed")
        REJECTED = "rejected", _("Rejected")
        HIDDEN = "hidden", _("Hidden")

    PUBLIC_STATES = (State.OPEN, State.CLOSED)

    authority = models.ForeignKey(
        "cms.Authority", verbose_name=_("addressed to"), on_delete=models.PROTECT, related_name="petitions"
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), help_text=_("Sanitised HTML."))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="petitions"
    )
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.DRAFT, db_index=True)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    sponsor_token = models.CharField(_("sponsor link token"), max_length=64, unique=True, default=new_sponsor_token)
    sponsors_needed = models.PositiveSmallIntegerField(_("sponsors needed"), default=DEFAULT_SPONSORS_NEEDED)
    open_for_days = models.PositiveSmallIntegerField(_("days open for signing"), default=DEFAULT_OPEN_FOR.days)
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes"), null=True, blank=True, db_index=True)
    response_threshold = models.PositiveIntegerField(
        _("signatures for a government response"), default=DEFAULT_RESPONSE_THRESHOLD
    )
    debate_threshold = models.PositiveIntegerField(_("signatures for a debate"), default=DEFAULT_DEBATE_THRESHOLD)
    # Set once each, when a count first reaches the threshold: two writes in a petition's life, not one per
    # signature.
    response_threshold_reached_at = models.DateTimeField(_("response threshold reached"), null=True, blank=True)
    debate_threshold_reached_at = models.DateTimeField(_("debate threshold reached"), null=True, blank=True)
    government_response = models.TextField(_("government response"), blank=True, help_text=_("Sanitised HTML."))
    responded_at = models.DateTimeField(_("responded"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("petition")
        verbose_name_plural = _("petitions")
        ordering = ["-opened_at", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="open") | Q(opened_at__isnull=False, closes_at__isnull=False),
                name="participation_open_petition_has_dates",
            ),
        ]

    def __str__(self):
        return self.title


class PetitionSponsor(models.Model):
    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="sponsors")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("sponsored"), auto_now_add=True)

    class Meta:
        verbose_name = _("sponsor")
        verbose_name_plural = _("sponsors")
        constraints = [
            models.UniqueConstraint(fields=["petition", "user"], name="participation_one_sponsorship_per_person")
        ]

    def __str__(self):
        return f"{self.petition_id} — {self.user_id}"


class PetitionSignature(models.Model):
    """One citizen's signature of one petition.

    Written by `sign_petition` with `core.sql.insert`, not `save()`: no pre_save/post_save signal is sent and no
    Python `default=` or `auto_now_add` is applied, so the insert names every NOT NULL column itself. A new NOT
    NULL column needs a `db_default` or a value there (tests/core/test_architecture.py checks)."""

    # Signatures refer to nothing an editor would look up; recording each in Wagtail's reference index
    # cost a quarter of the signing time (docs/participation.md).
    wagtail_reference_index_ignore = True

    petition = models.ForeignKey(
        Petition, verbose_name=_("petition"), on_delete=models.CASCADE, related_name="signatures"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("citizen"), on_delete=models.PROTECT, related_name="+"
    )
    governorate = models.CharField(_("governorate"), max_length=20, choices=Governorate.choices)
    keep_informed = models.BooleanField(_("keep me informed"), default=False)
    created_at = models.DateTimeField(_("signed"), auto_now_add=True)
    invalidated_at = models.DateTimeField(_("invalidated"), null=True, blank=True)
    invalidation_reason = models.CharField(_("reason for invalidation"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["petition", "user"], name="participation_one_signature_per_person"),
            models.CheckConstraint(
                condition=Q(invalidated_at__isnull=True) | ~Q(invalidation_reason=""),
                name="participation_invalidation_has_reason",
            ),
        ]
        indexes = [
            # The shown count and the open data are COUNT(*)s over exactly these rows.
            models.Index(
                fields=["petition", "governorate"],
                condition=Q(invalidated_at__isnull=True),
                name="participation_valid_signature",
            ),
        ]

    def __str__(self):
        return f"{self.petition_id} — {self.user_id}"


class PetitionTally(models.Model):
    """A stored count per petition, refreshed by `manage.py recount`: derived, rebuildable, never written by
    signing. It is what recount proves equal to COUNT(*)."""

    petition = models.OneToOneField(Petition, on_delete=models.CASCADE, primary_key=True, related_name="tally")
    count = models.PositiveIntegerField(_("signatures"), default=0)
    by_governorate = models.JSONField(_("signatures by governorate"), default=dict)
    counted_at = models.DateTimeField(_("counted"))

    class Meta:
        verbose_name = _("petition tally")
        verbose_name_plural = _("petition tallies")

    def __str__(self):
        return f"{self.petition_id}: {self.count}"
