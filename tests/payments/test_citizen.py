"""For the citizen: history, the printable bilingual receipt, the signed receipt whose public verification
shows the amount and the authority, and notifications when a payment succeeds, fails or is refunded."""

import pytest
from django.core import mail
from django.test import Client

from identity.receipts import verify_receipt
from notifications.models import Notification
from payments import services
from payments.gateways import GatewayResult, Outcome

from .conftest import make_citizen, make_payment

pytestmark = pytest.mark.django_db


def settle(payment, outcome=Outcome.SUCCESS):
    services.settle(
        payment.reference,
        GatewayResult(payment.reference, outcome, payment.amount_fils, "KWD", f"TX-{payment.reference}"),
        source="test",
    )
    payment.refresh_from_db()
    return payment


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_a_paid_payment_carries_a_signed_receipt_with_amount_and_authority(authority, citizen):
    payment = settle(make_payment(authority, amount_fils=12_500, payer=citizen))
    verification = verify_receipt(payment.receipt)
    assert verification.valid and verification.kind == "payment.succeeded"
    assert verification.claims["ref"] == payment.reference and verification.claims["amount_fils"] == 12_500
    assert verification.claims["authority"] == authority.name
    page = Client().get("/en/receipts/verify/", {"receipt": payment.receipt}).content.decode()
    assert "KWD 12.500" in page and authority.name in page


def test_the_printable_receipt_is_in_both_languages(authority, citizen):
    payment = settle(make_payment(authority, amount_fils=12_500, payer=citizen))
    html = signed_in(citizen).get(f"/en/payments/{payment.reference}/receipt/").content.decode()
    assert "إيصال دفع" in html and "Payment receipt" in html
    assert "12.500 د.ك" in html and "KWD 12.500" in html and payment.receipt in html


def test_an_unpaid_payment_has_no_receipt(authority, citizen):
    payment = make_payment(authority, payer=citizen)
    assert signed_in(citizen).get(f"/en/payments/{payment.reference}/receipt/").status_code == 400


def test_the_history_lists_only_the_citizens_own_payments(authority, citizen):
    mine = make_payment(authority, payer=citizen)
    theirs = make_payment(authority, payer=make_citizen())
    html = signed_in(citizen).get("/en/payments/").content.decode()
    assert mine.reference in html and theirs.reference not in html


def test_success_failure_and_refund_reach_the_inbox_and_email(authority, citizen, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        paid = settle(make_payment(authority, amount_fils=10_000, payer=citizen))
        settle(make_payment(authority, payer=citizen), Outcome.FAILED)
        services.refund_payment(paid, amount_fils=4_000, expected_available=10_000)
    kinds = sorted(Notification.objects.filter(recipient=citizen).values_list("kind", flat=True))
    assert kinds == ["payment.failed", "payment.refunded", "payment.succeeded"]
    refunded = Notification.objects.get(recipient=citizen, kind="payment.refunded")
    assert "4.000" in refunded.text_ar and "4.000" in refunded.text_en
    assert len(mail.outbox) == 3
