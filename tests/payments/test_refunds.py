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


def test_a_payable_hears_of_each_refund_that_succeeds_in_its_transaction(authority, monkeypatch, caplog):
    """payments.registry's on_refunded: told, under the payment's lock and in the refund's transaction, how much of
    the payment has been refunded in all. The gateway has given the money back: if the payable fails, its writes
    are rolled back and logged, and the refund is recorded as done all the same."""
    from payments import registry

    heard = []
    monkeypatch.setattr(registry, "_payables", {**registry._payables, "test.thing": lambda key, reference: None})
    monkeypatch.setattr(registry, "_refunded", {**registry._refunded, "test.thing": lambda *args: heard.append(args)})
    payment = paid(authority, metadata={registry.PAYABLE_KEY: "test.thing", registry.PAYABLE_ID_KEY: "T-1"})
    services.refund_payment(payment, amount_fils=4_000, expected_available=10_000)
    services.refund_payment(payment, amount_fils=6_000, expected_available=6_000)
    assert heard == [("T-1", payment.reference, 4_000), ("T-1", payment.reference, 10_000)]

    def broken(*args):
        PaymentEvent.objects.filter(payment=other).delete()  # a write of the payable's, rolled back with it
        raise RuntimeError("the thing could not hear of it")

    other = paid(authority, metadata={registry.PAYABLE_KEY: "test.thing", registry.PAYABLE_ID_KEY: "T-2"})
    events = PaymentEvent.objects.filter(payment=other).count()
    monkeypatch.setitem(registry._refunded, "test.thing", broken)
    with caplog.at_level("ERROR", logger="payments.registry"):
        refund = services.refund_payment(other, amount_fils=1_000, expected_available=10_000)
    assert refund.state == Refund.State.SUCCESS and services.amount_available(other) == 9_000
    assert (
        PaymentEvent.objects.filter(payment=other).count() == events + 3
    )  # none deleted: the refund's two, the gateway's
    assert "failed to hear of a refund" in caplog.text
