"""The ledger: amounts, currency and states held by the database, final states never left, one credit."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from payments import services
from payments.errors import InvalidPayment, PaymentFinal
from payments.gateways import GatewayResult, Outcome
from payments.models import Credit, Payment, PaymentEvent, PaymentState

from .conftest import make_payment

pytestmark = pytest.mark.django_db


def success(payment, transaction_id="TX1", amount=None):
    return GatewayResult(
        reference=payment.reference,
        outcome=Outcome.SUCCESS,
        amount_fils=payment.amount_fils if amount is None else amount,
        currency="KWD",
        transaction_id=transaction_id,
    )


@pytest.mark.parametrize("amount", [0, -5, 10_000_001, 2.5, "100", True, None])
def test_amounts_outside_the_ledger_are_refused(authority, amount):
    with pytest.raises(InvalidPayment) as refused:
        make_payment(authority, amount_fils=amount)
    assert refused.value.field == "amount"
    assert not Payment.objects.exists()


def test_the_database_itself_refuses_a_zero_amount_and_another_currency(authority):
    payment = make_payment(authority)
    for change in ({"amount_fils": 0}, {"amount_fils": 10_000_001}, {"currency": "USD"}, {"state": "paid"}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Payment.objects.filter(pk=payment.pk).update(**change)


def test_line_items_must_add_up_to_the_amount(authority):
    with pytest.raises(InvalidPayment) as refused:
        make_payment(
            authority,
            amount_fils=3000,
            line_items=[{"label_ar": "أ", "label_en": "A", "amount_fils": 1000}],
        )
    assert refused.value.field == "line_items"


def test_more_than_fifteen_metadata_keys_are_refused(authority):
    with pytest.raises(InvalidPayment):
        make_payment(authority, metadata={f"k{n}": n for n in range(16)})
    assert make_payment(authority, metadata={f"k{n}": n for n in range(15)}).metadata["k14"] == 14


def test_a_success_is_credited_once_and_never_changes(authority):
    payment = make_payment(authority)
    services.settle(payment.reference, success(payment), source="test")
    payment.refresh_from_db()
    assert payment.state == PaymentState.SUCCESS
    assert Credit.objects.get(payment=payment).amount_fils == 2500
    # The same success again, then a decline: nothing changes, nothing is credited twice.
    services.settle(payment.reference, success(payment), source="test")
    services.settle(
        payment.reference, GatewayResult(reference=payment.reference, outcome=Outcome.FAILED), source="test"
    )
    payment.refresh_from_db()
    assert payment.state == PaymentState.SUCCESS
    assert Credit.objects.filter(payment=payment).count() == 1


def test_a_gateway_transaction_is_credited_to_one_payment_only(authority):
    first, second = make_payment(authority), make_payment(authority)
    services.settle(first.reference, success(first, "SAME"), source="test")
    services.settle(second.reference, success(second, "SAME"), source="test")
    second.refresh_from_db()
    assert second.state == PaymentState.ERROR
    assert "already credited" in second.failure_reason
    assert Credit.objects.filter(gateway_transaction="SAME").count() == 1


def test_a_success_for_another_amount_is_an_error_without_credit(authority):
    payment = make_payment(authority)
    services.settle(payment.reference, success(payment, amount=1), source="test")
    payment.refresh_from_db()
    assert payment.state == PaymentState.ERROR
    assert "amount mismatch" in payment.failure_reason
    assert not Credit.objects.exists()


def test_every_transition_is_logged_in_order(authority):
    payment = make_payment(authority)
    services.settle(payment.reference, success(payment), source="test")
    transitions = list(
        PaymentEvent.objects.filter(payment=payment, kind="transition").values_list("from_state", "to_state")
    )
    assert transitions == [("", "created"), ("created", "started"), ("started", "submitted"), ("submitted", "success")]


def test_the_log_cannot_be_changed_or_deleted(authority):
    event = PaymentEvent.objects.filter(payment=make_payment(authority)).first()
    event.note = "changed"
    with pytest.raises(ValidationError):
        event.save()
    with pytest.raises(ValidationError):
        event.delete()


def test_the_log_refuses_sql_updates_on_postgresql(authority, on_services):
    if not on_services:
        pytest.skip("the append-only trigger exists on PostgreSQL only")
    payment = make_payment(authority)
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        PaymentEvent.objects.filter(payment=payment).update(note="changed")


def test_a_final_payment_cannot_be_started_again(authority, rf):
    payment = make_payment(authority)
    services.settle(payment.reference, success(payment), source="test")
    with pytest.raises(PaymentFinal):
        services.start_payment(payment, rf.get("/"))


def test_unfinished_payments_expire_after_ninety_minutes(authority):
    old, recent, paid = make_payment(authority), make_payment(authority), make_payment(authority)
    services.settle(paid.reference, success(paid), source="test")
    Payment.objects.filter(pk__in=[old.pk, paid.pk]).update(created_at=timezone.now() - timedelta(minutes=91))
    Payment.objects.filter(pk=recent.pk).update(created_at=timezone.now() - timedelta(minutes=89))
    assert services.expire_stale_payments() == 1
    states = dict(Payment.objects.values_list("pk", "state"))
    assert states == {old.pk: "expired", recent.pk: "created", paid.pk: "success"}


def test_the_ledgers_writes_leave_wagtails_reference_index_alone(authority):
    """The ledger's models are admin screens, but not content: indexing their references cost every payment's
    write a savepoint, a query and a row (found by bench/payments_bench.py)."""
    from wagtail.models import ReferenceIndex

    before = ReferenceIndex.objects.count()
    payment = make_payment(authority)
    services.settle(payment.reference, success(payment), source="test")
    payment.refresh_from_db()
    assert payment.state == "success" and ReferenceIndex.objects.count() == before
