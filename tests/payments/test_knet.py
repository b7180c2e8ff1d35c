"""The KNET gateway end to end against a fake KNET on loopback that speaks the same protocol: the encrypted
request, the encrypted result POSTed back and answered `REDIRECT=…`, and the action-8 inquiry without which
no success is believed."""

import binascii
import json
import urllib.request
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.test import Client
from django.utils import timezone

from payments import services
from payments.gateways.knet import decrypt, encrypt, format_amount, parse_amount
from payments.models import Credit, Payment, PaymentEvent, PaymentState

from . import fake_knet
from .conftest import make_payment

pytestmark = pytest.mark.django_db
CALLBACK = "/payments/gateway/knet/callback/"


@pytest.fixture
def knet(settings):
    server = fake_knet.FakeKnet().start()
    settings.KNET_TRANPORTAL_ID = fake_knet.TRANPORTAL_ID
    settings.KNET_TRANPORTAL_PASSWORD = fake_knet.PASSWORD
    settings.KNET_RESOURCE_KEY = fake_knet.RESOURCE_KEY
    settings.KNET_PAYMENT_URL = f"{server.url}/pay"
    settings.KNET_INQUIRY_URL = f"{server.url}/inquiry"
    settings.KNET_TIMEOUT_SECONDS = 0.5
    settings.PAYMENTS_PUBLIC_URL = ""
    yield server
    server.stop()


def at_knet(authority, knet, amount_fils=12_500):
    """A KNET payment whose payer reached KNET's page (the fake's answer: what it decrypted)."""
    payment = make_payment(authority, amount_fils=amount_fils, gateway="knet")
    response = Client().get(f"/ar/payments/{payment.reference}/pay/")
    assert response.status_code == 302 and response["Location"].startswith(knet.url)
    with urllib.request.urlopen(response["Location"], timeout=5) as page:
        understood = json.loads(page.read())
    return payment, understood


def test_the_cipher_is_aes_128_cbc_with_the_key_as_iv_and_pkcs5_padding_in_hex():
    key = "0123456789ABCDEF"
    text = "id=1&amt=12.500"
    hex_text = encrypt(text, key)
    raw = binascii.unhexlify(hex_text)
    decryptor = Cipher(algorithms.AES(key.encode()), modes.CBC(key.encode())).decryptor()
    plain = decryptor.update(raw) + decryptor.finalize()
    assert plain == text.encode() + bytes([16 - len(text)]) * (16 - len(text))
    assert decrypt(hex_text, key) == decrypt(hex_text.lower(), key) == text
    assert len(encrypt("x" * 16, key)) == 64  # a whole block of padding after 16 bytes
    for bad in ("zz", "ABCD", encrypt(text, "FEDCBA9876543210")):
        with pytest.raises(ValueError):
            decrypt(bad, key)


def test_amounts_have_three_decimals():
    assert format_amount(12_500) == "12.500" and format_amount(5) == "0.005"
    assert parse_amount("12.5") == 12_500 and parse_amount("1,000") is None and parse_amount("") is None


def test_the_request_carries_the_fields_knet_expects(authority, knet):
    payment, understood = at_knet(authority, knet)
    assert understood["action"] == "1" and understood["currencycode"] == "414" and understood["langid"] == "AR"
    assert understood["amt"] == "12.500" and understood["trackid"] == payment.reference
    assert understood["responseURL"] == understood["errorURL"] == f"http://testserver{CALLBACK}"
    assert understood["udf1"] == payment.reference and understood["udf2"] == authority.code
    sent = PaymentEvent.objects.get(payment=payment, kind="gateway")
    assert sent.decoded["direction"] == "sent" and "password" not in sent.decoded["request"]
    assert decrypt(sent.raw, fake_knet.RESOURCE_KEY).startswith("id=900100&password=")


def test_a_captured_payment_is_credited_after_the_inquiry_confirms_it(authority, knet):
    payment, _understood = at_knet(authority, knet)
    response = Client().post(CALLBACK, knet.result_trandata(payment.reference))
    assert response.content.decode() == f"REDIRECT=http://testserver/ar/payments/{payment.reference}/"
    payment.refresh_from_db()
    assert payment.state == PaymentState.SUCCESS and knet.inquiries == 1
    credit = Credit.objects.get(payment=payment)
    assert credit.gateway == "knet" and credit.gateway_transaction == knet.payments[payment.reference]["tranid"]
    received = PaymentEvent.objects.filter(payment=payment, kind="gateway").order_by("pk")
    callback, inquiry = received[1], received[2]
    assert "trandata=" in callback.raw and callback.decoded["result"]["result"] == "CAPTURED"
    assert "<result>CAPTURED</result>" in inquiry.raw and inquiry.decoded["answer"]["result"] == "CAPTURED"


def test_the_same_callback_replayed_ten_times_credits_once_and_asks_once(authority, knet):
    payment, _understood = at_knet(authority, knet)
    body = knet.result_trandata(payment.reference)
    for _ in range(10):
        assert Client().post(CALLBACK, body).content.decode().startswith("REDIRECT=")
    assert Credit.objects.filter(payment=payment).count() == 1 and knet.inquiries == 1


@pytest.mark.parametrize(
    ("mode", "state", "reason"),
    [("not_captured", "failed", "NOT CAPTURED"), ("other_amount", "error", "amount mismatch")],
)
def test_a_capture_the_inquiry_does_not_confirm_is_never_credited(authority, knet, mode, state, reason):
    payment, _understood = at_knet(authority, knet)
    knet.inquiry_mode = mode
    Client().post(CALLBACK, knet.result_trandata(payment.reference))
    payment.refresh_from_db()
    assert payment.state == state and reason in payment.failure_reason
    assert not Credit.objects.exists()


@pytest.mark.parametrize("mode", ["slow", "garbage"])
def test_an_inquiry_that_times_out_or_answers_garbage_settles_nothing_until_asked_again(authority, knet, mode):
    payment, _understood = at_knet(authority, knet)
    knet.inquiry_mode = mode
    response = Client().post(CALLBACK, knet.result_trandata(payment.reference))
    assert response.content.decode().startswith("REDIRECT=")
    payment.refresh_from_db()
    assert payment.state == PaymentState.SUBMITTED and not Credit.objects.exists()
    assert PaymentEvent.objects.filter(payment=payment, kind="note", note__contains="inquiry").exists()
    # At expiry the portal asks again; KNET now answers: the payment is credited, not expired.
    knet.inquiry_mode = "normal"
    Payment.objects.filter(pk=payment.pk).update(created_at=timezone.now() - timedelta(minutes=91))
    assert services.expire_stale_payments() == 0
    payment.refresh_from_db()
    assert payment.state == PaymentState.SUCCESS and Credit.objects.filter(payment=payment).count() == 1


def test_a_callback_that_cannot_be_decrypted_is_logged_and_changes_nothing(authority, knet):
    payment, _understood = at_knet(authority, knet)
    for trandata in ("00FF", "NOT-HEX", encrypt(f"result=CAPTURED&trackid={payment.reference}", "FEDCBA9876543210")):
        response = Client().post(CALLBACK, {"trandata": trandata, "trackid": payment.reference})
        assert response.content.decode() == "REDIRECT=http://testserver/ar/payments/gateway-problem/"
    payment.refresh_from_db()
    assert payment.state == PaymentState.STARTED
    assert PaymentEvent.objects.filter(payment=payment, kind="refused").count() == 3
    assert knet.inquiries == 0


def test_a_callback_for_an_unknown_payment_is_logged_and_refused(authority, knet):
    payment, _understood = at_knet(authority, knet)
    body = knet.result_trandata(payment.reference)
    Payment.objects.filter(pk=payment.pk).update(reference="PAY-OTHER")
    assert Client().post(CALLBACK, body).status_code == 404
    assert PaymentEvent.objects.filter(payment=None, kind="gateway").count() == 1
    assert not Credit.objects.exists()


def test_a_cancelled_payment_ends_without_an_inquiry(authority, knet):
    payment, _understood = at_knet(authority, knet)
    Client().post(CALLBACK, knet.result_trandata(payment.reference, result="CANCELED"))
    payment.refresh_from_db()
    assert payment.state == PaymentState.CANCELLED and knet.inquiries == 0


def test_knets_error_post_ends_the_payment_in_error(authority, knet):
    payment, _understood = at_knet(authority, knet)
    response = Client().post(CALLBACK, {"Error": "IPAY0100049", "ErrorText": "Invalid", "trackid": payment.reference})
    assert response.content.decode().startswith("REDIRECT=")
    payment.refresh_from_db()
    assert payment.state == PaymentState.ERROR and "IPAY0100049" in payment.failure_reason


def test_without_configuration_knet_is_unavailable(authority, settings):
    settings.KNET_RESOURCE_KEY = ""
    payment = make_payment(authority, gateway="knet")
    response = Client().get(f"/ar/payments/{payment.reference}/pay/")
    assert response.status_code == 503


def test_a_knet_refund_is_asked_of_knet_with_action_2(authority, knet):
    payment, _understood = at_knet(authority, knet)
    Client().post(CALLBACK, knet.result_trandata(payment.reference))
    payment.refresh_from_db()
    refund = services.refund_payment(payment, amount_fils=2_500, expected_available=12_500)
    assert refund.state == "success"
    assert knet.refunds[0]["amt"] == "2.500" and knet.refunds[0]["transid"] == payment.gateway_transaction
