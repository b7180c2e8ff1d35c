"""The authorities' API: keys (hashed, revocable, scoped, one authority each), payments, bills,
Idempotency-Key."""

from datetime import date

import pytest
from django.test import Client

from payments import services
from payments.models import ApiKey, Bill, IdempotencyRecord, Payment

pytestmark = pytest.mark.django_db


def api_client(authority, scopes=("payments", "bills")):
    api_key, token = services.create_api_key(authority=authority, name="billing system", scopes=scopes)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}"), api_key, token


PAYMENT = {
    "amount": 12_500,
    "description_ar": "غرامة مرورية",
    "description_en": "Traffic fine",
    "return_url": "https://ministry.example.gov.kw/done",
    "metadata": {"case": "TR-77"},
}


def post(client, url, body, **headers):
    return client.post(url, body, content_type="application/json", **headers)


def test_a_key_is_stored_hashed_and_shown_once(authority):
    api_key, token = services.create_api_key(authority=authority, name="k", scopes=["payments"])
    stored = ApiKey.objects.get(pk=api_key.pk)
    assert token.startswith(f"pk_{stored.prefix}_")
    assert token.split("_", 2)[2] not in stored.secret_hash and len(stored.secret_hash) == 64


def test_an_authority_creates_a_payment_and_gets_a_next_url(authority):
    client, _key, _token = api_client(authority)
    response = post(client, "/api/v1/payments/", PAYMENT)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "created" and body["amount"] == 12_500 and body["currency"] == "KWD"
    assert body["authority"] == authority.code
    assert body["next_url"] == f"http://testserver/ar/payments/{body['reference']}/pay/"
    assert body["metadata"] == {"case": "TR-77"}
    assert client.get(f"/api/v1/payments/{body['reference']}/").json()["reference"] == body["reference"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": 0}, "amount"),
        ({"amount": 10_000_001}, "amount"),
        ({"amount": "12.5"}, "amount"),
        ({"currency": "USD"}, "currency"),
        ({"return_url": "javascript:alert(1)"}, "return_url"),
        ({"metadata": {f"k{n}": 1 for n in range(16)}}, "metadata"),
        ({"line_items": [{"label_ar": "أ", "label_en": "A", "amount": 1}]}, "line_items"),
    ],
)
def test_bad_payments_are_refused_with_the_field_and_change_nothing(authority, change, field):
    client, _key, _token = api_client(authority)
    response = post(client, "/api/v1/payments/", {**PAYMENT, **change}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["field"].startswith(field)
    assert not Payment.objects.exists()


def test_the_same_idempotency_key_and_body_returns_the_original(authority):
    client, _key, _token = api_client(authority)
    first = post(client, "/api/v1/payments/", PAYMENT, HTTP_IDEMPOTENCY_KEY="order-1")
    again = post(client, "/api/v1/payments/", PAYMENT, HTTP_IDEMPOTENCY_KEY="order-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["reference"] == again.json()["reference"]
    assert Payment.objects.count() == 1
    other = post(client, "/api/v1/payments/", {**PAYMENT, "amount": 1}, HTTP_IDEMPOTENCY_KEY="order-1")
    assert other.status_code == 409 and other.json()["code"] == "idempotency_conflict"
    assert Payment.objects.count() == 1


def test_an_idempotency_key_older_than_a_day_is_forgotten(authority):
    from datetime import timedelta

    from django.utils import timezone

    client, _key, _token = api_client(authority)
    post(client, "/api/v1/payments/", PAYMENT, HTTP_IDEMPOTENCY_KEY="order-2")
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=25))
    assert post(client, "/api/v1/payments/", PAYMENT, HTTP_IDEMPOTENCY_KEY="order-2").status_code == 201
    assert Payment.objects.count() == 2


def test_a_key_never_sees_another_authoritys_payments(authority, other_authority):
    ours, _key, _token = api_client(authority)
    theirs, _key2, _token2 = api_client(other_authority)
    reference = post(ours, "/api/v1/payments/", PAYMENT).json()["reference"]
    assert theirs.get(f"/api/v1/payments/{reference}/").status_code == 404
    assert theirs.get("/api/v1/payments/").json()["count"] == 0
    assert ours.get("/api/v1/payments/").json()["count"] == 1


def test_revoked_missing_and_unscoped_keys_are_refused(authority):
    client, api_key, _token = api_client(authority, scopes=("bills",))
    assert post(client, "/api/v1/payments/", PAYMENT).status_code == 403
    services.revoke_api_key(api_key)
    assert client.get("/api/v1/bills/").status_code == 401
    assert Client().get("/api/v1/bills/").status_code in (401, 403)
    assert Client(HTTP_AUTHORIZATION="Bearer pk_00000000_nothing").get("/api/v1/bills/").status_code == 401


BILL = {
    "number": "E-2026-0001",
    "payer_civil_id": "290010112345",
    "amount_due": 45_000,
    "due_date": "2026-12-31",
    "partial_allowed": True,
    "description_ar": "فاتورة كهرباء",
    "description_en": "Electricity bill",
}


def test_an_authority_pushes_a_bill_once_per_number(authority, other_authority):
    client, _key, _token = api_client(authority)
    response = post(client, "/api/v1/bills/", BILL)
    assert response.status_code == 201, response.content
    bill = Bill.objects.get()
    assert bill.payer_civil_id_hash and "290010112345" not in bill.payer_civil_id_hash
    assert bill.due_date == date(2026, 12, 31) and bill.state == "open"
    assert post(client, "/api/v1/bills/", BILL).status_code == 409
    # Another authority may use the same number.
    assert post(api_client(other_authority)[0], "/api/v1/bills/", BILL).status_code == 201


def test_a_bill_without_payer_or_with_a_bad_civil_id_is_refused(authority):
    client, _key, _token = api_client(authority)
    assert post(client, "/api/v1/bills/", {**BILL, "payer_civil_id": ""}).status_code == 400
    assert post(client, "/api/v1/bills/", {**BILL, "payer_civil_id": "12345"}).json()["field"] == "payer_civil_id"
    assert not Bill.objects.exists()


def test_an_open_bill_can_be_cancelled_by_its_authority_only(authority, other_authority):
    client, _key, _token = api_client(authority)
    post(client, "/api/v1/bills/", BILL)
    assert post(api_client(other_authority)[0], f"/api/v1/bills/{BILL['number']}/cancel/", {}).status_code == 404
    assert post(client, f"/api/v1/bills/{BILL['number']}/cancel/", {}).json()["state"] == "cancelled"
    assert post(client, f"/api/v1/bills/{BILL['number']}/cancel/", {}).status_code == 409


def test_the_schema_describes_payments_and_bills(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").content.decode()
    for path in ("/api/v1/payments/", "/api/v1/payments/{reference}/", "/api/v1/bills/", "/api/v1/bills/{number}/"):
        assert path in schema
    assert "Idempotency-Key" in schema and "authorityApiKey" in schema
