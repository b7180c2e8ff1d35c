"""The payments ledger. Amounts are integer fils (1 KWD = 1,000 fils), in Kuwaiti dinars only.

A `Payment` moves created → started → submitted → success | failed | cancelled | expired | error; a final
state never changes. Every transition and every message a gateway sent (as received and decoded) is a
`PaymentEvent` row, only ever added. A success is credited once: `Credit` has one row per payment and one per
gateway transaction, by unique constraints, written under a lock on the payment's row (services.py).
"""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.money import format_fils

CURRENCY = "KWD"
CURRENCY_NUMERIC = "414"  # ISO 4217
MAX_METADATA_KEYS = 15
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud over the phone


def new_reference(prefix="PAY"):
    return prefix + "-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(12))


def new_refund_reference():
    return new_reference("RFD")


def _amount_constraints(field, name):
    return [
        models.CheckConstraint(condition=Q(**{f"{field}__gt": 0}), name=f"{name}_positive"),
        models.CheckConstraint(
            condition=Q(**{f"{field}__lte": settings.PAYMENTS_MAX_AMOUNT_FILS}), name=f"{name}_at_most_maximum"
        ),
    ]


class PaymentState(models.TextChoices):
    CREATED = "created", _("Created")
    STARTED = "started", _("Started")
    SUBMITTED = "submitted", _("Submitted")
    SUCCESS = "success", _("Paid")
    FAILED = "failed", _("Declined")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")
    ERROR = "error", _("Error")


FINAL_STATES = frozenset(
    {PaymentState.SUCCESS, PaymentState.FAILED, PaymentState.CANCELLED, PaymentState.EXPIRED, PaymentState.ERROR}
)
_ENDINGS = {PaymentState.FAILED, PaymentState.CANCELLED, PaymentState.EXPIRED, PaymentState.ERROR}
# Which state may follow which. A success needs the gateway's word, so it comes from started or submitted.
TRANSITIONS = {
    PaymentState.CREATED: {PaymentState.STARTED} | _ENDINGS,
    PaymentState.STARTED: {PaymentState.SUBMITTED, PaymentState.SUCCESS} | _ENDINGS,
    PaymentState.SUBMITTED: {PaymentState.SUCCESS} | _ENDINGS,
}


class Payment(models.Model):
    """One payment by one payer, through one gateway, for one or more line items."""

    # The ledger is not content: Wagtail's reference index would add a query and a row to every write.
    wagtail_reference_index_ignore = True

    class Source(models.TextChoices):
        FEE = "fee", _("Service fee")
        BILLS = "bills", _("Bills")
        API = "api", _("Authority's system")

    reference = models.CharField(_("reference"), max_length=20, unique=True, default=new_reference, editable=False)
    # Null when the line items belong to several authorities (one checkout for bills of two ministries).
    authority = models.ForeignKey(
        "cms.Authority", verbose_name=_("authority"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    description_ar = models.CharField(_("description (Arabic)"), max_length=255)
    description_en = models.CharField(_("description (English)"), max_length=255)
    amount_fils = models.BigIntegerField(_("amount (fils)"))
    currency = models.CharField(_("currency"), max_length=3, default=CURRENCY, editable=False)
    state = models.CharField(_("state"), max_length=10, choices=PaymentState.choices, default=PaymentState.CREATED)
    gateway = models.CharField(_("gateway"), max_length=20)
    return_url = models.URLField(_("return URL"), max_length=500, blank=True)
    metadata = models.JSONField(_("metadata"), default=dict, blank=True)
    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("payer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="payments",
    )
    api_key = models.ForeignKey(
        "payments.ApiKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="payments"
    )
    service_page = models.ForeignKey(
        "wagtailcore.Page", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    gateway_transaction = models.CharField(_("gateway transaction"), max_length=64, blank=True)
    failure_reason = models.CharField(_("reason"), max_length=255, blank=True)
    # The signed receipt (identity.receipts, kind payment.succeeded) issued when the payment succeeded.
    receipt = models.TextField(_("signed receipt"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at", "-pk"]
        constraints = [
            *_amount_constraints("amount_fils", "payment_amount"),
            models.CheckConstraint(condition=Q(currency=CURRENCY), name="payment_currency_kwd"),
            models.CheckConstraint(condition=Q(state__in=PaymentState.values), name="payment_state_known"),
        ]
        indexes = [models.Index(fields=["state", "created_at"], name="payment_state_created")]

    def __str__(self):
        return self.reference

    @property
    def is_final(self):
        return self.state in FINAL_STATES

    @property
    def amount_display(self):
        return format_fils(self.amount_fils)

    def description(self, language=None):
        from django.utils.translation import get_language

        return self.description_en if (language or get_language() or "ar")[:2] == "en" else self.description_ar

    def clean(self):
        if not isinstance(self.metadata, dict) or len(self.metadata) > MAX_METADATA_KEYS:
            raise ValidationError({"metadata": _("At most 15 metadata keys.")})


class LineItem(models.Model):
    wagtail_reference_index_ignore = True
    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="line_items")
    position = models.PositiveSmallIntegerField(default=0)
    authority = models.ForeignKey("cms.Authority", on_delete=models.PROTECT, related_name="+")
    label_ar = models.CharField(_("label (Arabic)"), max_length=255)
    label_en = models.CharField(_("label (English)"), max_length=255)
    amount_fils = models.BigIntegerField(_("amount (fils)"))
    bill = models.ForeignKey(
        "payments.Bill", null=True, blank=True, on_delete=models.PROTECT, related_name="line_items"
    )

    class Meta:
        ordering = ["payment", "position"]
        constraints = _amount_constraints("amount_fils", "line_item_amount")

    def __str__(self):
        return f"{self.label_en} {self.amount_fils}"

    def label(self, language=None):
        from django.utils.translation import get_language

        return self.label_en if (language or get_language() or "ar")[:2] == "en" else self.label_ar


class AppendOnly(models.Model):
    """A row that is written once and never changed or deleted (in Python here; on PostgreSQL a trigger too)."""

    wagtail_reference_index_ignore = True  # (inherited by the logs)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValidationError(f"{type(self).__name__} rows are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(f"{type(self).__name__} rows are never deleted")


class PaymentEvent(AppendOnly):
    """The ledger's log: one row per transition, per message from a gateway, per refund or staff action."""

    class Kind(models.TextChoices):
        TRANSITION = "transition", _("State changed")
        GATEWAY = "gateway", _("Gateway message")
        REFUSED = "refused", _("Message refused")
        REFUND = "refund", _("Refund")
        NOTE = "note", _("Note")

    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    from_state = models.CharField(_("from"), max_length=10, blank=True)
    to_state = models.CharField(_("to"), max_length=10, blank=True)
    source = models.CharField(_("source"), max_length=40, blank=True)
    # A gateway's message exactly as received (text, truncated at 20,000 characters), and what it said decoded.
    raw = models.TextField(_("as received"), blank=True)
    decoded = models.JSONField(_("decoded"), default=dict, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("payment event")
        verbose_name_plural = _("payment events")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.kind} {self.from_state}→{self.to_state}"


class Credit(AppendOnly):
    """The money a successful payment brought in: at most one per payment and one per gateway transaction."""

    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="credit")
    gateway = models.CharField(max_length=20)
    gateway_transaction = models.CharField(max_length=64)
    amount_fils = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("credit")
        constraints = [
            *_amount_constraints("amount_fils", "credit_amount"),
            models.UniqueConstraint(fields=["gateway", "gateway_transaction"], name="one_credit_per_transaction"),
        ]

    def __str__(self):
        return f"{self.payment_id}: {self.amount_fils}"


class Bill(models.Model):
    """A due an authority asks a citizen to pay (a fine, a utility bill), pushed through the API."""

    wagtail_reference_index_ignore = True

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        PARTLY_PAID = "partly_paid", _("Partly paid")
        PAID = "paid", _("Paid")
        EXPIRED = "expired", _("Expired")
        CANCELLED = "cancelled", _("Cancelled")

    OPEN_STATES = (State.OPEN, State.PARTLY_PAID)

    authority = models.ForeignKey(
        "cms.Authority", verbose_name=_("authority"), on_delete=models.PROTECT, related_name="+"
    )
    number = models.CharField(_("bill number"), max_length=40)
    # The payer: a keyed hash of the civil ID (as identity.NationalIdentity stores it), or an account number.
    payer_civil_id_hash = models.CharField(_("payer (civil ID, keyed hash)"), max_length=64, blank=True, db_index=True)
    payer_account = models.CharField(_("payer's account number"), max_length=40, blank=True)
    description_ar = models.CharField(_("description (Arabic)"), max_length=255)
    description_en = models.CharField(_("description (English)"), max_length=255)
    amount_due_fils = models.BigIntegerField(_("amount due (fils)"))
    amount_paid_fils = models.BigIntegerField(_("amount paid (fils)"), default=0)
    due_date = models.DateField(_("due date"))
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    partial_allowed = models.BooleanField(_("partial payment allowed"), default=False)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.OPEN)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("bill")
        verbose_name_plural = _("bills")
        ordering = ["due_date", "pk"]
        constraints = [
            *_amount_constraints("amount_due_fils", "bill_amount_due"),
            models.CheckConstraint(
                condition=Q(amount_paid_fils__gte=0, amount_paid_fils__lte=models.F("amount_due_fils")),
                name="bill_paid_within_due",
            ),
            models.UniqueConstraint(fields=["authority", "number"], name="bill_number_unique_per_authority"),
            models.CheckConstraint(condition=~Q(payer_civil_id_hash="") | ~Q(payer_account=""), name="bill_has_payer"),
        ]

    def __str__(self):
        return f"{self.number}"

    @property
    def amount_outstanding_fils(self):
        return self.amount_due_fils - self.amount_paid_fils

    def description(self, language=None):
        from django.utils.translation import get_language

        return self.description_en if (language or get_language() or "ar")[:2] == "en" else self.description_ar


class ApiKey(models.Model):
    """A key an authority's system uses on /api/v1/payments/ and /api/v1/bills/. Only a SHA-256 of the secret
    is stored (the secret is 256 random bits, so a plain hash cannot be reversed by guessing); the prefix is
    shown to tell keys apart. A key sees its own authority's data only, and only within its scopes."""

    wagtail_reference_index_ignore = True

    class Scope(models.TextChoices):
        PAYMENTS = "payments", _("Create and read payments")
        BILLS = "bills", _("Push and read bills")
        REFUNDS = "refunds", _("Refund payments")

    authority = models.ForeignKey(
        "cms.Authority", verbose_name=_("authority"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(_("scopes"), default=list)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["authority", "name"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self):
        return self.revoked_at is None


class IdempotencyRecord(models.Model):
    """What a request with an `Idempotency-Key` created, so that the same request within 24 hours answers the
    same, and a different request under the same key is refused."""

    wagtail_reference_index_ignore = True

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    bill = models.ForeignKey(Bill, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["api_key", "key"], name="idempotency_key_unique_per_api_key")]

    def __str__(self):
        return self.key


class Refund(models.Model):
    """Money given back from a successful payment, in full or in part. `submitted` until the gateway
    answers; the amount still available is the payment's less every refund not in `error`."""

    wagtail_reference_index_ignore = True

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        SUCCESS = "success", _("Refunded")
        ERROR = "error", _("Error")

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    reference = models.CharField(
        _("reference"), max_length=20, unique=True, default=new_refund_reference, editable=False
    )
    amount_fils = models.BigIntegerField(_("amount (fils)"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.SUBMITTED)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    api_key = models.ForeignKey(ApiKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    gateway_reference = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["-created_at", "-pk"]
        constraints = _amount_constraints("amount_fils", "refund_amount")

    def __str__(self):
        return self.reference


# --- Webhooks to authorities ------------------------------------------------------------------------------


def new_webhook_secret():
    return "whsec_" + secrets.token_urlsafe(32)


def new_event_id():
    return "evt_" + secrets.token_hex(12)


class WebhookEvent(models.TextChoices):
    """What an authority's system is told about (docs/payments.md, "Webhooks")."""

    PAYMENT_SUCCEEDED = "payment.succeeded", _("Payment succeeded")
    PAYMENT_FAILED = "payment.failed", _("Payment declined")
    PAYMENT_CANCELLED = "payment.cancelled", _("Payment cancelled")
    PAYMENT_EXPIRED = "payment.expired", _("Payment expired")
    PAYMENT_ERROR = "payment.error", _("Payment in error")
    PAYMENT_REFUNDED = "payment.refunded", _("Payment refunded")
    BILL_PAID = "bill.paid", _("Bill paid")
    BILL_PARTLY_PAID = "bill.partly_paid", _("Bill partly paid")
    BILL_CANCELLED = "bill.cancelled", _("Bill cancelled")
    BILL_EXPIRED = "bill.expired", _("Bill expired")


class WebhookEndpoint(models.Model):
    """An address of an authority's system that is told of its payments', refunds' and bills' changes, each
    message signed with the endpoint's secret (HMAC-SHA256)."""

    wagtail_reference_index_ignore = True

    authority = models.ForeignKey(
        "cms.Authority", verbose_name=_("authority"), on_delete=models.PROTECT, related_name="+"
    )
    url = models.URLField(_("address"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=64, default=new_webhook_secret, editable=False)
    # The events sent to this address; empty: every event.
    events = models.JSONField(_("events"), default=list, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["authority", "url"]

    def __str__(self):
        return self.url

    def wants(self, event_type):
        return not self.events or event_type in self.events


class WebhookDelivery(models.Model):
    """One message to one endpoint, delivered at least once: `pending` until the receiver answers 2xx
    (`delivered`), retried after 1 min, 5 min, 1 h, 1 day and 2 days, then `failed`. A resend from the admin
    is a new delivery of the same message (`resent_from`)."""

    wagtail_reference_index_ignore = True

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(
        WebhookEndpoint, verbose_name=_("endpoint"), on_delete=models.PROTECT, related_name="deliveries"
    )
    event_id = models.CharField(_("event id"), max_length=40, default=new_event_id, db_index=True)
    event_type = models.CharField(_("event"), max_length=40, choices=WebhookEvent.choices)
    # The message exactly as it is sent (and signed) every time.
    body = models.TextField(_("message"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    resent_from = models.ForeignKey(
        "self", verbose_name=_("resent from"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="webhook_delivery_due")]

    def __str__(self):
        return f"{self.event_type} {self.event_id}"

    @property
    def authority(self):
        return self.endpoint.authority


class WebhookAttempt(AppendOnly):
    """The delivery log: one row per attempt, with the receiver's status code or the error, and how long."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.PROTECT, related_name="attempt_log")
    number = models.PositiveSmallIntegerField(_("attempt"))
    started_at = models.DateTimeField(_("at"))
    duration_ms = models.PositiveIntegerField(_("duration (ms)"))
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")
        ordering = ["delivery", "number"]

    def __str__(self):
        return f"{self.delivery_id} #{self.number}: {self.status_code or self.error}"


# --- Reconciliation with the acquirer's settlement file ----------------------------------------------------


class SettlementImport(models.Model):
    """One settlement file of the acquirer, imported whole (`manage.py import_settlement`). The same file
    (by its SHA-256) is never imported twice."""

    wagtail_reference_index_ignore = True

    file_name = models.CharField(_("file"), max_length=255)
    file_sha256 = models.CharField(max_length=64, unique=True, editable=False)
    first_date = models.DateField(_("first settlement date"))
    last_date = models.DateField(_("last settlement date"))
    lines = models.PositiveIntegerField(_("lines"))
    total_fils = models.BigIntegerField(_("total (fils)"))
    imported_at = models.DateTimeField(_("imported"), auto_now_add=True)

    class Meta:
        verbose_name = _("settlement file")
        verbose_name_plural = _("settlement files")
        ordering = ["-imported_at", "-pk"]

    def __str__(self):
        return f"{self.file_name} ({self.first_date}–{self.last_date})"


class SettlementUpload(models.Model):
    """A settlement file a staff member uploaded in the admin, imported in the background (a task): the file
    waits here until the task reads it, which records how far it got (`lines_read` of `lines_total`) for the
    progress bar, and then the import it made (`settlement`) or why the file was refused. The file's bytes are
    dropped once it is done with."""

    wagtail_reference_index_ignore = True

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Imported")
        REFUSED = "refused", _("Refused")
        FAILED = "failed", _("Failed")

    FINISHED = (State.DONE, State.REFUSED, State.FAILED)

    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    file_name = models.CharField(_("file"), max_length=255)
    data = models.BinaryField(editable=False)
    # The staff member's language when uploading: a refusal's problems are written in it.
    language = models.CharField(max_length=8)
    # Where the upload came from, for the audit row the import writes later (identity's log).
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.QUEUED)
    lines_read = models.PositiveIntegerField(default=0)
    lines_total = models.PositiveIntegerField(default=0)
    settlement = models.ForeignKey(SettlementImport, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    message = models.TextField(blank=True)
    problems = models.JSONField(default=list, blank=True)
    problem_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("settlement file upload")
        verbose_name_plural = _("settlement file uploads")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.file_name} ({self.state})"

    @property
    def finished(self):
        return self.state in self.FINISHED


class SettlementLine(AppendOnly):
    """A line of a settlement file and what it was matched to, by track id (the payment's reference): a payment
    line to the payment, a refund line to one of the payment's refunds."""

    class Status(models.TextChoices):
        MATCHED = "matched", _("Matched")
        AMOUNT_MISMATCH = "amount_mismatch", _("Amount mismatch")
        NOT_PAID = "not_paid", _("Payment not paid")
        UNMATCHED = "unmatched", _("No such payment")
        NO_REFUND = "no_refund", _("No such refund")
        DUPLICATE = "duplicate", _("Settled twice")

    class Kind(models.TextChoices):
        PAYMENT = "payment", _("Payment")
        REFUND = "refund", _("Refund")

    settlement = models.ForeignKey(SettlementImport, on_delete=models.CASCADE, related_name="settlement_lines")
    line_number = models.PositiveIntegerField(_("line"))
    kind = models.CharField(_("type"), max_length=8, choices=Kind.choices, default=Kind.PAYMENT)
    settlement_date = models.DateField(_("settlement date"))
    track_id = models.CharField(_("track id"), max_length=40, db_index=True)
    transaction_id = models.CharField(_("transaction"), max_length=64, blank=True)
    amount_fils = models.BigIntegerField(_("amount (fils)"))
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="settlement_lines"
    )
    # A refund line: the portal's refund it was matched to (its payment is `payment`).
    refund = models.ForeignKey(Refund, null=True, blank=True, on_delete=models.PROTECT, related_name="settlement_lines")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, db_index=True)

    class Meta:
        verbose_name = _("settlement line")
        verbose_name_plural = _("settlement lines")
        ordering = ["settlement", "line_number"]

    def __str__(self):
        return f"{self.settlement_id}:{self.line_number} {self.track_id}"
