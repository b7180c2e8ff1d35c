"""What payments tells people (docs/notifications.md for the kinds): the payer hears, in the inbox and by
e-mail, when a payment succeeds, fails or is refunded. Imported by notifications when Django starts; runs in
notifications' background task, never in the request that paid."""

from dataclasses import replace

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.money import format_fils
from notifications.registry import Notice, bilingual, bilingual_url, on, register_kind

from .models import Payment, Refund

register_kind("payment.succeeded", _("A payment I made succeeded"), email=True)
register_kind("payment.failed", _("A payment I made did not go through"), email=True)
register_kind("payment.refunded", _("A payment I made was refunded"), email=True)


def _notice(kind, payment, message, **params):
    return Notice(
        kind=kind,
        target=f"payment:{payment.reference}",
        text=bilingual(
            lambda: (
                str(message)
                % {"reference": payment.reference, "description": payment.description(), **_amounts(params)}
            )
        ),
        url=bilingual_url(lambda: reverse("payments:payment_detail", args=[payment.reference])),
        users=[payment.payer_id],
    )


def _amounts(params):
    return {name: format_fils(value) for name, value in params.items()}


def _payment(event):
    return Payment.objects.filter(pk=event.payload["payment_id"], payer__isnull=False).first()


@on("payment.succeeded")
def _succeeded(event):
    payment = _payment(event)
    if payment is not None:
        yield _notice(
            "payment.succeeded",
            payment,
            _("Your payment %(reference)s of %(amount)s for “%(description)s” succeeded. Your receipt is ready."),
            amount=payment.amount_fils,
        )


@on("payment.failed")
def _failed(event):
    payment = _payment(event)
    if payment is not None:
        yield _notice(
            "payment.failed",
            payment,
            _("Your payment %(reference)s for “%(description)s” was declined. No money was taken."),
        )


@on("payment.refunded")
def _refunded(event):
    payment = _payment(event)
    refund = Refund.objects.filter(pk=event.payload["refund_id"]).first()
    if payment is not None and refund is not None:
        notice = _notice(
            "payment.refunded",
            payment,
            _("%(refund)s of your payment %(reference)s for “%(description)s” was refunded."),
            refund=refund.amount_fils,
        )
        yield replace(notice, key=refund.reference)
