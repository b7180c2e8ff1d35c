from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.assurance import AssuranceLevel


class Action(models.TextChoices):
    """Everything a citizen can do that needs a minimum assurance level. One row of `ActionPolicy` each."""

    COMMENT = "comment", _("Comment")
    POLL_VOTE = "poll_vote", _("Vote in a poll")
    BINDING_POLL_VOTE = "binding_poll_vote", _("Vote in a binding poll")
    CONSULTATION_RESPOND = "consultation_respond", _("Respond to a consultation")
    PETITION_CREATE = "petition_create", _("Create a petition")
    PETITION_SIGN = "petition_sign", _("Sign a petition")
    PAY_FEE = "pay_fee", _("Pay a fee")
    LABOUR_NEEDS_REQUEST = "labour_needs_request", _("Submit an employer's labour-needs request")
    STAFF_REFUND = "staff_refund", _("Refund a payment (staff, in the admin)")


DEFAULT_MIN_LEVELS = {
    Action.COMMENT: AssuranceLevel.L1,
    Action.POLL_VOTE: AssuranceLevel.L1,
    Action.BINDING_POLL_VOTE: AssuranceLevel.L2,
    Action.CONSULTATION_RESPOND: AssuranceLevel.L1,
    Action.PETITION_CREATE: AssuranceLevel.L2,
    Action.PETITION_SIGN: AssuranceLevel.L2,
    Action.PAY_FEE: AssuranceLevel.L1,
    Action.LABOUR_NEEDS_REQUEST: AssuranceLevel.L2,
    Action.STAFF_REFUND: AssuranceLevel.L2,
}


class ActionPolicy(models.Model):
    """The one table that says which assurance level each action needs; staff edit it in the admin."""

    action = models.CharField(_("action"), max_length=40, choices=Action.choices, unique=True)
    min_level = models.CharField(_("minimum assurance level"), max_length=2, choices=AssuranceLevel.choices)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("assurance policy")
        verbose_name_plural = _("assurance policy")
        ordering = ["action"]

    def __str__(self):
        return f"{self.get_action_display()}: {self.min_level}"


class AssuranceGrant(models.Model):
    """The highest level a user reached through a strong method (national ID → L2, qualified signature →
    L3). L1 is not stored: it follows from a verified e-mail address."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assurance_grant")
    level = models.CharField(_("level"), max_length=2, choices=AssuranceLevel.choices)
    method = models.CharField(_("method"), max_length=40)
    granted_at = models.DateTimeField(_("granted"), auto_now=True)

    class Meta:
        verbose_name = _("assurance grant")

    def __str__(self):
        return f"{self.user} — {self.level} ({self.method})"


class NationalIdentity(models.Model):
    """A user's link to the national digital identity. The civil ID number is never stored: only a keyed
    hash of it, unique, so that one civil ID maps to one account."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="national_identity")
    civil_id_hash = models.CharField(_("civil ID (keyed hash)"), max_length=64, unique=True)
    full_name = models.CharField(_("name"), max_length=300, blank=True)
    verified_at = models.DateTimeField(_("verified"), auto_now=True)

    class Meta:
        verbose_name = _("national identity")
        verbose_name_plural = _("national identities")

    def __str__(self):
        return f"{self.user} — {self.full_name}"


class SecurityEvent(models.Model):
    """The audit log of security events. Rows are only ever added."""

    class Kind(models.TextChoices):
        SIGNED_IN = "signed_in", _("Signed in")
        SIGN_IN_FAILED = "sign_in_failed", _("Sign-in failed")
        SIGNED_OUT = "signed_out", _("Signed out")
        SESSION_EXPIRED = "session_expired", _("Session expired")
        SIGNED_UP = "signed_up", _("Account created")
        EMAIL_VERIFIED = "email_verified", _("E-mail verified")
        PASSWORD_CHANGED = "password_changed", _("Password changed")
        PASSWORD_RESET = "password_reset", _("Password reset")
        MFA_ADDED = "mfa_added", _("Second factor added")
        MFA_REMOVED = "mfa_removed", _("Second factor removed")
        RECOVERY_CODES_RENEWED = "recovery_codes_renewed", _("Recovery codes renewed")
        LEVEL_CHANGED = "level_changed", _("Assurance level changed")
        NATIONAL_ID_LINKED = "national_id_linked", _("National ID linked")
        NATIONAL_ID_FAILED = "national_id_failed", _("National ID sign-in failed")
        ADMIN_REFUSED_NO_MFA = "admin_refused_no_mfa", _("Admin refused: no second factor")
        # A staff member's action on records the log must answer for (a refund, a resent webhook, a revoked
        # key): `detail` names the action and what it was done to.
        STAFF_ACTION = "staff_action", _("Staff action")

    kind = models.CharField(_("event"), max_length=40, choices=Kind.choices, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="security_events",
    )
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("security event")
        verbose_name_plural = _("security events")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.user or '—'} — {self.created_at:%Y-%m-%d %H:%M}"
