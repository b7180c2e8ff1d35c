"""Paying a service's fee through the sandbox's hosted page, end to end through the views."""

import base64
import json
import re

import pytest
from django.test import Client

from payments.models import Credit, Payment, PaymentEvent, PaymentState
from tests import factories

from .conftest import make_citizen

pytestmark = pytest.mark.django_db
CALLBACK = "/payments/gateway/sandbox/callback/"


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def start_fee(client, page):
    response = client.post(f"/ar/payments/fee/{page.pk}/", {"amount_fils": 1})
    assert response.status_code == 302
    payment = Payment.objects.latest("pk")
    assert response["Location"] == f"/ar/payments/{payment.reference}/pay/"
    response = client.get(response["Location"])
    assert response["Location"] == f"/ar/payments/sandbox/{payment.reference}/"
    page_html = client.get(response["Location"]).content.decode()
    results = dict(
        zip(
            re.findall(r'name="outcome" value="(\w+)"', page_html),
            re.findall(r'name="result" value="([^"]+)"', page_html),
            strict=True,
        )
    )
    return payment, results


def test_the_service_page_offers_to_pay_its_fee(citizen, fee_page):
    html = signed_in(citizen).get(fee_page.url).content.decode()
    assert f'action="/ar/payments/fee/{fee_page.pk}/"' in html
    assert "دفع الرسم" in html or "Pay the fee" in html


def test_a_visitor_is_asked_to_sign_in_to_pay_and_gets_no_csrf_token(client, fee_page):
    response = client.get(fee_page.url)
    html = response.content.decode()
    assert f'action="/ar/payments/fee/{fee_page.pk}/"' not in html
    assert "/ar/accounts/login/?next=" in html and "دفع الرسم" in html
    assert "csrftoken" not in response.cookies
    assert response["Cache-Control"].startswith("public")


def test_a_citizen_pays_a_fee_the_server_priced(citizen, fee_page):
    client = signed_in(citizen)
    payment, results = start_fee(client, fee_page)
    assert payment.amount_fils == fee_page.fee_fils  # the browser's amount_fils=1 was ignored
    assert payment.payer == citizen and payment.source == "fee"
    assert set(results) == {"success", "failed", "cancelled"}
    response = client.post(CALLBACK, {"result": results["success"]})
    assert response.status_code == 302 and response["Location"] == f"/ar/payments/{payment.reference}/"
    payment.refresh_from_db()
    assert payment.state == PaymentState.SUCCESS
    assert Credit.objects.get(payment=payment).amount_fils == fee_page.fee_fils
    assert "تم الدفع" in client.get(response["Location"]).content.decode() or payment.state == "success"


@pytest.mark.parametrize(("choice", "state"), [("failed", "failed"), ("cancelled", "cancelled")])
def test_declined_and_cancelled_end_without_credit(citizen, fee_page, choice, state):
    client = signed_in(citizen)
    payment, results = start_fee(client, fee_page)
    client.post(CALLBACK, {"result": results[choice]})
    payment.refresh_from_db()
    assert payment.state == state
    assert not Credit.objects.filter(payment=payment).exists()


def test_the_same_callback_replayed_ten_times_credits_once(citizen, fee_page):
    client = signed_in(citizen)
    payment, results = start_fee(client, fee_page)
    for _ in range(10):
        assert client.post(CALLBACK, {"result": results["success"]}).status_code == 302
    assert Credit.objects.filter(payment=payment).count() == 1
    assert PaymentEvent.objects.filter(payment=payment, kind="note", note__startswith="ignored").count() == 9


def test_a_decline_after_the_success_changes_nothing(citizen, fee_page):
    client = signed_in(citizen)
    payment, results = start_fee(client, fee_page)
    client.post(CALLBACK, {"result": results["success"]})
    client.post(CALLBACK, {"result": results["failed"]})
    payment.refresh_from_db()
    assert payment.state == PaymentState.SUCCESS


def test_a_tampered_result_is_refused_logged_and_changes_nothing(citizen, fee_page):
    client = signed_in(citizen)
    payment, results = start_fee(client, fee_page)
    token = results["success"]
    payload, signature = token.split(":", 1)
    decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    decoded["amount_fils"] = 1
    tampered = base64.urlsafe_b64encode(json.dumps(decoded).encode()).decode().rstrip("=") + ":" + signature
    for forged in (tampered, token[:-3] + "abc", "garbage", ""):
        assert client.post(CALLBACK, {"result": forged}).status_code == 400
    payment.refresh_from_db()
    assert payment.state == PaymentState.STARTED
    assert PaymentEvent.objects.filter(kind="refused").count() == 4
    assert not Credit.objects.exists()


def test_a_citizen_below_the_policy_level_cannot_pay(fee_page):
    client = signed_in(make_citizen("L0"))
    response = client.post(f"/ar/payments/fee/{fee_page.pk}/")
    assert response.status_code == 403
    assert not Payment.objects.exists()


def test_someone_else_cannot_see_or_pay_a_citizens_payment(citizen, fee_page):
    payment, _results = start_fee(signed_in(citizen), fee_page)
    stranger = signed_in(make_citizen())
    assert stranger.get(f"/ar/payments/{payment.reference}/").status_code == 404
    assert stranger.get(f"/ar/payments/sandbox/{payment.reference}/").status_code == 404


def test_a_free_service_has_no_fee_to_pay(citizen):
    free = factories.service(fee_fils=0)
    assert signed_in(citizen).post(f"/ar/payments/fee/{free.pk}/").status_code == 400
