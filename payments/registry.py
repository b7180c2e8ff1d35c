"""What another app uses of payments (docs/payments.md, "For other apps"): it registers a **payable** — a kind
of thing of its own that costs a fee (labour's labour-needs request) — from its `payables.py`, asks for a
payment of one, and is told, in the very transaction that credits the payment, when it is paid. An app imports
this module only, never payments' models or services (tests/core/test_architecture.py).

    # labour/payables.py
    payable("labour.needs_request", on_paid=needs_request_paid, on_refunded=needs_request_refunded)
    # on_paid(key, reference); on_refunded(key, reference, refunded_fils)

    payment = request_payment("labour.needs_request", "LAB-…", authority=…, amount_fils=…, …)
    redirect(pay_url(payment))

The amount is the caller's, from its own records: never a figure the browser sent."""

import logging
from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse

logger = logging.getLogger(__name__)

PAYABLE_KEY = "payable"
PAYABLE_ID_KEY = "payable_id"
_payables = {}
_refunded = {}


@dataclass(frozen=True)
class PaymentInfo:
    """What another app may know of a payment: its reference, state, amount, and whether it is finished."""

    reference: str
    state: str
    amount_fils: int
    finished: bool

    @property
    def succeeded(self):
        return self.state == "success"


def payable(kind, *, on_paid, on_refunded=None):
    """Register `kind`. `on_paid(key, reference)` runs once per successful payment of one of its things, under
    the payment's lock and in the transaction that credits it: the payment is credited and the thing moves on
    together, or neither does. `on_refunded(key, reference, refunded_fils)`, if given, runs each time a refund of
    such a payment succeeds, under the payment's lock and in the transaction that records the refund as done, with
    everything refunded of the payment so far (if it fails, the refund is recorded all the same: `refunded`).
    Neither may call a gateway or anything slow."""
    _payables[kind] = on_paid
    if on_refunded is not None:
        _refunded[kind] = on_refunded
    else:
        _refunded.pop(kind, None)


def _info(payment):
    return PaymentInfo(payment.reference, payment.state, payment.amount_fils, payment.is_final)


def request_payment(kind, key, *, authority, amount_fils, description_ar, description_en, payer, return_url=""):
    """A new payment (state `created`) of `amount_fils` for the thing `key` of the registered `kind`, paid by
    `payer` (a signed-in user). Raises payments.errors.InvalidPayment (a PortalError) for a bad amount or text."""
    from .models import Payment
    from .services import create_payment

    if kind not in _payables:
        raise LookupError(f"payments: no payable {kind!r} is registered")
    payment = create_payment(
        authority=authority,
        amount_fils=amount_fils,
        description_ar=description_ar,
        description_en=description_en,
        source=Payment.Source.FEE,
        payer=payer,
        metadata={PAYABLE_KEY: kind, PAYABLE_ID_KEY: str(key)},
        return_url=return_url,
    )
    return _info(payment)


def payment_info(reference):
    """The payment `reference` (as `request_payment` returned it), or None."""
    from .models import Payment

    payment = Payment.objects.filter(reference=reference).first()
    return _info(payment) if payment is not None else None


def pay_url(reference):
    """Where the payer is sent to pay (it starts the payment and goes on to the gateway)."""
    return reverse("payments:pay", args=[reference])


def paid(payment):
    """Called by payments' ledger when `payment` (locked) has just been credited: its payable, if any, is told."""
    metadata = payment.metadata or {}
    on_paid = _payables.get(metadata.get(PAYABLE_KEY))
    if on_paid is not None:
        on_paid(metadata.get(PAYABLE_ID_KEY, ""), payment.reference)


def refunded(payment, refunded_fils):
    """Called by payments' refunds when a refund of `payment` (locked) has just succeeded: its payable, if any, is
    told how much of the payment has been refunded in all. The gateway has given the money back by then, which
    cannot be undone: a payable that fails is logged and its own writes rolled back (a savepoint), and the refund
    is recorded as done all the same."""
    metadata = payment.metadata or {}
    on_refunded = _refunded.get(metadata.get(PAYABLE_KEY))
    if on_refunded is None:
        return
    try:
        with transaction.atomic():
            on_refunded(metadata.get(PAYABLE_ID_KEY, ""), payment.reference, refunded_fils)
    except Exception:
        logger.exception("payments: the payable of %s failed to hear of a refund", payment.reference)
