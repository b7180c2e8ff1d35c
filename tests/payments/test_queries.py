"""The query counts of the two paths bench/payments_bench.py measures (docs/benchmarks.md#payments): creating a
payment through the API and the sandbox's "paid" callback. A test here fails when a query is added to either.

In a test the transactions are savepoints (SAVEPOINT … RELEASE in place of BEGIN … COMMIT: the same number
of queries), and what runs after the commit (the notifications' task) does not run."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from payments import services
from payments.gateways.sandbox import SandboxGateway
from payments.models import Credit, Payment, PaymentEvent

from .conftest import make_payment

pytestmark = pytest.mark.django_db

# The key (1); the payment, its line item and its first event in one transaction (2 + 3).
CREATE_QUERIES = 6
# The payment locked, the callback logged (2 + 2); the credit in a savepoint (3); the line items read once (1);
# the payment's row written once and its three transitions logged in one INSERT (2); the webhook endpoints (1).
CALLBACK_QUERIES = 11
# A replay for a payment already paid: locked, logged, a note (2 + 3).
REPLAY_QUERIES = 5

BODY = {
    "amount": 12_500,
    "description_ar": "غرامة مرورية",
    "description_en": "Traffic fine",
    "metadata": {"case": "TR-77"},
}


def test_creating_a_payment_through_the_api_costs_at_most_6_queries(authority):
    _api_key, token = services.create_api_key(authority=authority, name="system", scopes=["payments"])
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    client.post("/api/v1/payments/", BODY, content_type="application/json")  # the key's last use is recorded
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/api/v1/payments/", BODY, content_type="application/json")
    assert response.status_code == 201, response.content
    assert len(queries) <= CREATE_QUERIES, [query["sql"] for query in queries]
    # The answer is made from what was written, without reading it back: it is what a read answers.
    created = response.json()
    read = client.get(f"/api/v1/payments/{created['reference']}/").json()
    assert created == read
    assert created["line_items"] == [
        {
            "label_ar": "غرامة مرورية",
            "label_en": "Traffic fine",
            "amount": 12_500,
            "authority": "MSAL",
            "bill_number": None,
        }
    ]
    assert created["refund_summary"] == {"amount_available": 0, "amount_refunded": 0}


def test_the_sandbox_paid_callback_costs_at_most_11_queries_and_a_replay_5(authority):
    payment = make_payment(authority, amount_fils=7_000)
    result = SandboxGateway().signed_result(payment, "success")
    client = Client()
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/payments/gateway/sandbox/callback/", {"result": result})
    assert response.status_code == 302
    assert len(queries) <= CALLBACK_QUERIES, [query["sql"] for query in queries]
    payment.refresh_from_db()
    assert payment.state == "success" and payment.receipt and payment.gateway_transaction.startswith("SBX")
    assert Credit.objects.filter(payment=payment).count() == 1
    # Every move is still in the log, in order, though written in one INSERT.
    moves = list(PaymentEvent.objects.filter(payment=payment, kind="transition").values_list("from_state", "to_state"))
    assert moves == [("", "created"), ("created", "started"), ("started", "submitted"), ("submitted", "success")]

    with CaptureQueriesContext(connection) as queries:
        response = client.post("/payments/gateway/sandbox/callback/", {"result": result})
    assert response.status_code == 302
    assert len(queries) <= REPLAY_QUERIES, [query["sql"] for query in queries]
    assert Credit.objects.filter(payment=payment).count() == 1
    assert Payment.objects.get(pk=payment.pk).state == "success"
