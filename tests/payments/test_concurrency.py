"""Real concurrent requests on PostgreSQL: twenty identical callbacks at once credit a payment exactly once,
identical Idempotency-Key requests at once create one payment, and refunds at once never take more than was
paid."""

import threading

import pytest
from django.db import connection, connections
from django.test import Client

from payments import services
from payments.gateways.sandbox import SandboxGateway
from payments.models import Credit, Payment, PaymentEvent, PaymentState, Refund

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def _authority():
    from wagtail.models import Locale

    from cms.models import Authority

    # Transactional tests start from an empty database once another has flushed it.
    locale, _created = Locale.objects.get_or_create(language_code="ar")
    authority, _created = Authority.objects.get_or_create(code="CPAY", locale=locale, defaults={"name": "جهة الدفع"})
    return authority


def _payment(authority, amount=5_000):
    return services.create_payment(authority=authority, amount_fils=amount, description_ar="رسم", description_en="Fee")


def _at_once(count, send):
    start = threading.Barrier(count)
    answers = [None] * count

    def run(index):
        try:
            start.wait()
            answers[index] = send(index)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_twenty_identical_callbacks_at_once_credit_exactly_once():
    payment = _payment(_authority())
    result = SandboxGateway().signed_result(payment, "success")
    statuses = _at_once(
        20, lambda _index: Client().post("/payments/gateway/sandbox/callback/", {"result": result}).status_code
    )
    assert statuses == [302] * 20
    payment.refresh_from_db()
    assert payment.state == PaymentState.SUCCESS
    assert Credit.objects.filter(payment=payment).count() == 1
    assert PaymentEvent.objects.filter(payment=payment, kind="transition", to_state="success").count() == 1
    assert PaymentEvent.objects.filter(payment=payment, kind="gateway").count() == 20  # nothing lost


def test_a_success_and_a_decline_at_once_end_in_one_final_state():
    payment = _payment(_authority())
    sandbox = SandboxGateway()
    results = [sandbox.signed_result(payment, outcome) for outcome in ("success", "failed")] * 10
    _at_once(20, lambda index: Client().post("/payments/gateway/sandbox/callback/", {"result": results[index]}))
    payment.refresh_from_db()
    finals = PaymentEvent.objects.filter(payment=payment, kind="transition", to_state__in=["success", "failed"])
    assert finals.count() == 1 and finals.get().to_state == payment.state
    assert Credit.objects.filter(payment=payment).count() == (1 if payment.state == "success" else 0)


def test_identical_idempotent_requests_at_once_create_one_payment():
    authority = _authority()
    _key, token = services.create_api_key(authority=authority, name="k", scopes=["payments"])
    body = {"amount": 1_000, "description_ar": "رسم", "description_en": "Fee"}

    def send(_index):
        response = Client(HTTP_AUTHORIZATION=f"Bearer {token}").post(
            "/api/v1/payments/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="same"
        )
        return response.status_code, response.json()["reference"]

    answers = _at_once(10, send)
    assert {reference for _status, reference in answers} == {Payment.objects.get().reference}
    assert sorted(status for status, _reference in answers).count(201) == 1


def test_refunds_at_once_never_take_more_than_was_paid():
    from payments.gateways import GatewayResult, Outcome

    payment = _payment(_authority(), amount=10_000)
    services.settle(
        payment.reference, GatewayResult(payment.reference, Outcome.SUCCESS, 10_000, "KWD", "TXC"), source="t"
    )

    def send(_index):
        try:
            services.refund_payment(payment, amount_fils=6_000, expected_available=10_000)
            return "refunded"
        except Exception as error:  # noqa: BLE001 — the refusal is what is counted
            return getattr(error, "status", repr(error))

    answers = _at_once(8, send)
    assert answers.count("refunded") == 1 and answers.count(412) == 7
    assert Refund.objects.get().amount_fils == 6_000


def test_twenty_callbacks_at_once_tell_the_authority_once_and_workers_at_once_send_it_once():
    from payments.models import WebhookAttempt, WebhookDelivery
    from payments.services import webhooks

    from .fake_receiver import FakeReceiver

    receiver = FakeReceiver().start()
    try:
        authority = _authority()
        receiver.secret = webhooks.create_endpoint(authority=authority, url=receiver.url).secret
        receiver.mode = "error"  # the first attempt (the task, inline, after the crediting commit) fails
        payment = _payment(authority)
        result = SandboxGateway().signed_result(payment, "success")
        _at_once(20, lambda _index: Client().post("/payments/gateway/sandbox/callback/", {"result": result}))
        delivery = WebhookDelivery.objects.get()  # one change, one message
        assert delivery.attempts == 1 and delivery.state == WebhookDelivery.State.PENDING
        receiver.mode = "slow"  # the retry is slow: five workers at once must not all send it
        due = delivery.next_attempt_at
        states = _at_once(5, lambda _index: webhooks.attempt(delivery.pk, due))
        assert states.count("pending") == 1 and states.count(None) == 4
        assert WebhookAttempt.objects.filter(delivery=delivery).count() == 2
        assert len(receiver.received) == 2
    finally:
        receiver.stop()


def test_the_same_settlement_file_imported_twice_at_once_is_recorded_once():
    from payments.errors import InvalidSettlement
    from payments.models import SettlementImport, SettlementLine
    from payments.services.reconciliation import import_settlement

    payment = _payment(_authority())
    data = f"settlement_date,track_id,amount,currency\n2026-12-05,{payment.reference},5.000,KWD\n".encode()

    def send(_index):
        try:
            import_settlement(data, file_name="settle.csv")
            return "imported"
        except InvalidSettlement:
            return "refused"

    answers = _at_once(4, send)
    assert answers.count("imported") == 1 and answers.count("refused") == 3
    assert SettlementImport.objects.count() == 1 and SettlementLine.objects.count() == 1
