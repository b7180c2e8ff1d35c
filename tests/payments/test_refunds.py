"""Refunds: full or partial, never more than is available, refused (412) against a stale amount_available."""

import pytest
from django.test import Client

from payments import services
from payments.errors import InvalidPayment, StaleAmountAvailable
from payments.models import PaymentEvent, Refund

from .conftest import make_payment, paid

pytestmark = pytest.mark.django_db


def test_partial_then_full_refunds_use_up_the_amount_available(authority):
    payment = paid(authority)
    first = services.refund_payment(payment, amount_fils=4_000, expected_available=10_000, reason="duplicate")
    assert first.state == Refund.State.SUCCESS
    assert services.amount_available(payment) == 6_000
    services.refund_payment(payment, amount_fils=6_000, expected_available=6_000)
    assert services.amount_available(payment) == 0
    assert PaymentEvent.objects.filter(payment=payment, kind="refund").count() == 4


def test_a_refund_against_a_stale_amount_available_is_refused(authority):
    payment = paid(authority)
    services.refund_payment(payment, amount_fils=4_000, expected_available=10_000)
    with pytest.raises(StaleAmountAvailable) as refused:
        services.refund_payment(payment, amount_fils=1_000, expected_available=10_000)
    assert refused.value.status == 412
    with pytest.raises(StaleAmountAvailable):
        services.refund_payment(payment, amount_fils=6_001, expected_available=6_000)
    assert Refund.objects.count() == 1


def test_an_unpaid_payment_cannot_be_refunded(authority):
    payment = make_payment(authority)
    with pytest.raises(InvalidPayment):
        services.refund_payment(payment, amount_fils=1, expected_available=0)


def test_refunds_through_the_api_with_the_refunds_scope(authority):
    payment = paid(authority)
    _key, token = services.create_api_key(authority=authority, name="k", scopes=["payments", "refunds"])
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    url = f"/api/v1/payments/{payment.reference}/refunds/"
    body = {"amount": 2_500, "refund_amount_available": 10_000}
    created = client.post(url, body, content_type="application/json")
    assert created.status_code == 201 and created.json()["state"] == "success"
    stale = client.post(url, body, content_type="application/json")
    assert stale.status_code == 412 and stale.json()["code"] == "stale_amount_available"
    summary = client.get(f"/api/v1/payments/{payment.reference}/").json()["refund_summary"]
    assert summary == {"amount_available": 7_500, "amount_refunded": 2_500}
    _key2, no_refunds = services.create_api_key(authority=authority, name="k2", scopes=["payments"])
    assert (
        Client(HTTP_AUTHORIZATION=f"Bearer {no_refunds}").post(url, body, content_type="application/json").status_code
        == 403
    )
