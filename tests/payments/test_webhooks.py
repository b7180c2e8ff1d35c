"""Webhooks to authorities: signed (HMAC-SHA256 over "<timestamp>.<body>"), recorded in the change's own
transaction, delivered at least once by a task and retried after 1 min, 5 min, 1 h, 1 day and 2 days, then
failed; a log row per attempt; a resend is a new delivery of the same message. The receiver is a fake
authority's system on loopback that is down, slow, answers 500 or garbage."""

import json
import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from payments import services
from payments.errors import InvalidWebhook
from payments.gateways import GatewayResult, Outcome
from payments.models import WebhookAttempt, WebhookDelivery
from payments.services import webhooks

from .conftest import make_payment
from .fake_receiver import FakeReceiver, closed_port_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver():
    fake = FakeReceiver().start()
    yield fake
    fake.stop()


@pytest.fixture
def endpoint(authority, receiver):
    endpoint = webhooks.create_endpoint(authority=authority, url=receiver.url)
    receiver.secret = endpoint.secret
    return endpoint


def succeed(payment):
    return services.settle(
        payment.reference,
        GatewayResult(payment.reference, Outcome.SUCCESS, payment.amount_fils, "KWD", f"TX-{payment.reference}"),
        source="test",
    )


def test_a_payment_success_is_delivered_signed_by_the_task(
    authority, endpoint, receiver, django_capture_on_commit_callbacks
):
    payment = make_payment(authority, amount_fils=12_500, metadata={"case": "TR-77"})
    with django_capture_on_commit_callbacks(execute=True):
        succeed(payment)
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == WebhookDelivery.State.DELIVERED and delivery.attempts == 1
    [request] = receiver.received
    assert request["verified"]
    headers = request["headers"]
    assert headers["Portal-Event"] == "payment.succeeded" and headers["Portal-Event-Id"] == delivery.event_id
    message = json.loads(request["body"])
    assert message["type"] == "payment.succeeded" and message["id"] == delivery.event_id
    assert message["data"]["reference"] == payment.reference and message["data"]["state"] == "success"
    assert message["data"]["amount"] == 12_500 and message["data"]["metadata"] == {"case": "TR-77"}
    [attempt] = WebhookAttempt.objects.filter(delivery=delivery)
    assert attempt.status_code == 204 and attempt.error == ""


def test_the_signature_is_over_the_timestamp_and_the_body_and_old_timestamps_are_refused():
    body = b'{"id":"evt_1"}'
    now = int(time.time())
    sent = webhooks.signature("whsec_x", now, body)
    assert webhooks.verify("whsec_x", str(now), body, sent)
    assert not webhooks.verify("whsec_y", str(now), body, sent)  # another secret
    assert not webhooks.verify("whsec_x", str(now), body + b" ", sent)  # another body
    assert not webhooks.verify("whsec_x", str(now + 1), body, sent)  # another timestamp, same signature
    old = now - 301
    assert not webhooks.verify("whsec_x", str(old), body, webhooks.signature("whsec_x", old, body))  # a replay
    assert not webhooks.verify("whsec_x", "yesterday", body, sent)


def test_a_receiver_that_answers_500_is_retried_on_the_backoff_then_the_delivery_fails(authority, endpoint, receiver):
    receiver.mode = "error"
    succeed(make_payment(authority))
    delivery = WebhookDelivery.objects.get()
    start = delivery.next_attempt_at
    expected_waits = [timedelta(0), *webhooks.BACKOFF]
    at = start
    for number, wait in enumerate(expected_waits, start=1):
        at = at + wait
        assert webhooks.deliver_due(at - timedelta(seconds=1)) == {}  # not due a second early
        assert webhooks.deliver_due(at) == {"failed" if number == 6 else "pending": 1}
        delivery.refresh_from_db()
        assert delivery.attempts == number
        if number < 6:
            assert delivery.next_attempt_at == at + webhooks.BACKOFF[number - 1]
    assert delivery.state == WebhookDelivery.State.FAILED and delivery.next_attempt_at is None
    log = list(WebhookAttempt.objects.filter(delivery=delivery).values_list("number", "status_code", "error"))
    assert log == [(n, 500, "HTTP 500") for n in range(1, 7)]
    assert webhooks.deliver_due(at + timedelta(days=30)) == {}  # failed is final until someone resends


def test_a_receiver_down_for_a_day_gets_the_message_when_it_is_back(authority, receiver):
    endpoint = webhooks.create_endpoint(authority=authority, url=closed_port_url())
    receiver.secret = endpoint.secret
    payment = make_payment(authority)
    succeed(payment)
    delivery = WebhookDelivery.objects.get()
    at = delivery.next_attempt_at
    for wait in [timedelta(0), *webhooks.BACKOFF[:3]]:  # now, +1 min, +5 min, +1 h: all refused
        at += wait
        assert webhooks.deliver_due(at) == {"pending": 1}
    errors = list(WebhookAttempt.objects.filter(delivery=delivery).values_list("status_code", "error"))
    assert len(errors) == 4 and all(code is None and "refused" in error.lower() for code, error in errors)
    endpoint.url = receiver.url  # the authority's system is back (on its usual port)
    endpoint.save()
    at += webhooks.BACKOFF[3]  # a day later
    assert webhooks.deliver_due(at) == {"delivered": 1}
    assert [message["data"]["reference"] for message in receiver.delivered()] == [payment.reference]


@pytest.mark.parametrize("mode", ["slow", "garbage"])
def test_a_slow_or_garbled_answer_is_a_failed_attempt_with_its_error_and_duration(authority, endpoint, receiver, mode):
    receiver.mode = mode
    succeed(make_payment(authority))
    assert webhooks.deliver_due() == {"pending": 1}
    [attempt] = WebhookAttempt.objects.all()
    assert attempt.status_code is None and attempt.error
    if mode == "slow":
        assert "timed out" in attempt.error.lower() and attempt.duration_ms >= 900
    receiver.mode = "ok"
    assert webhooks.deliver_due(timezone.now() + timedelta(minutes=1)) == {"delivered": 1}
    assert len(receiver.delivered()) == 1


def test_a_change_that_rolls_back_leaves_no_message(authority, endpoint):
    payment = make_payment(authority)
    with pytest.raises(RuntimeError), transaction.atomic():
        succeed(payment)
        assert WebhookDelivery.objects.count() == 1
        raise RuntimeError
    assert WebhookDelivery.objects.count() == 0


def test_refunds_and_bill_changes_are_told_and_other_authorities_hear_nothing(
    authority, other_authority, endpoint, receiver
):
    other = webhooks.create_endpoint(authority=other_authority, url=receiver.url)
    payment = make_payment(authority, amount_fils=10_000)
    succeed(payment)
    services.refund_payment(payment, amount_fils=4_000, expected_available=10_000, reason="duplicate")
    bill = services.push_bill(
        authority=authority,
        number="E-1",
        amount_due_fils=5_000,
        due_date="2026-12-31",
        description_ar="فاتورة",
        description_en="Bill",
        payer_account="ACC-1",
    )
    services.cancel_bill(bill)
    assert webhooks.deliver_due() == {"delivered": 3}
    assert not WebhookDelivery.objects.filter(endpoint=other).exists()
    kinds = {message["type"]: message["data"] for message in receiver.delivered()}
    assert set(kinds) == {"payment.succeeded", "payment.refunded", "bill.cancelled"}
    assert kinds["payment.refunded"]["refund"]["amount"] == 4_000
    assert kinds["bill.cancelled"] == {**kinds["bill.cancelled"], "number": "E-1", "state": "cancelled"}


def test_an_endpoint_only_gets_the_events_it_asked_for(authority, receiver):
    endpoint = webhooks.create_endpoint(authority=authority, url=receiver.url, events=["payment.refunded"])
    succeed(make_payment(authority))
    assert not WebhookDelivery.objects.filter(endpoint=endpoint).exists()


def test_a_resend_is_a_new_delivery_of_the_same_message(authority, endpoint, receiver):
    receiver.mode = "error"
    succeed(make_payment(authority))
    first = WebhookDelivery.objects.get()
    webhooks.deliver_due()
    receiver.mode = "ok"
    again = webhooks.resend(first)
    assert webhooks.deliver_due() == {"delivered": 1}
    again.refresh_from_db()
    first.refresh_from_db()
    assert again.event_id == first.event_id and again.body == first.body and again.resent_from == first
    assert first.state == WebhookDelivery.State.PENDING and again.state == WebhookDelivery.State.DELIVERED


def test_an_endpoint_must_be_https_outside_development(authority, settings):
    settings.PAYMENTS_WEBHOOKS_ALLOW_HTTP = False
    with pytest.raises(InvalidWebhook) as refused:
        webhooks.create_endpoint(authority=authority, url="http://ministry.example/hooks")
    assert refused.value.field == "url"
    with pytest.raises(InvalidWebhook):
        webhooks.create_endpoint(authority=authority, url="https://ministry.example/hooks", events=["payment.won"])
    assert webhooks.create_endpoint(authority=authority, url="https://ministry.example/hooks").secret.startswith(
        "whsec_"
    )


def test_a_refused_endpoint_says_why_in_both_languages(authority, settings):
    from django.utils import translation

    settings.PAYMENTS_WEBHOOKS_ALLOW_HTTP = False
    for language, words in (("ar", "عنوان إشعارات الويب"), ("en", "webhook address")):
        with translation.override(language), pytest.raises(InvalidWebhook) as refused:
            webhooks.create_endpoint(authority=authority, url="ftp://ministry.example/")
        assert words in refused.value.message and refused.value.status == 400
