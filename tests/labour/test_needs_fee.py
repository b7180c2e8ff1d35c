"""The fee of a labour-needs request, paid through the payment sub-portal (payments.registry): where the policy sets
one, the request waits for it and staff cannot decide it; the amount is the fee fixed on the request; once the
payment is credited — in the same transaction — the request goes to review."""

import re

import pytest
from django.test import Client
from wagtail.models import ModelLogEntry

from labour import selectors, services
from labour.errors import NeedsUnpaid, NotAwaitingPayment
from labour.models import Code, NeedsRequest, NeedsRequestFee
from payments import registry
from payments.models import Credit, Payment, PaymentState
from tests import factories

from .helpers import bank, signatory_of

pytestmark = pytest.mark.django_db

ASK = {"nationality": "ASI", "occupation": "4"}
CALLBACK = "/payments/gateway/sandbox/callback/"


@pytest.fixture
def employer():
    factories.authority("MSAL")  # decides labour-needs requests (settings.LABOUR_AUTHORITY)
    establishment = bank(84, 16, capacity=150)
    user = signatory_of(establishment)
    client = Client()
    client.force_login(user)
    return establishment, user, client


@pytest.fixture
def fees():
    """5.000 KWD for every activity, 7.500 for finance (K, the bank's)."""
    NeedsRequestFee.objects.create(activity=None, fee_fils=5_000)
    NeedsRequestFee.objects.create(activity=Code.objects.get(dimension="ACTIVITY", code="K"), fee_fils=7_500)


def _submit(user, workers=10):
    return services.submit_needs_request(user, "L-100", **ASK, workers=workers)


def _sandbox_results(client, location):
    """Follow the payment's start to the sandbox's page and read its signed results."""
    to_gateway = client.get(location)
    assert to_gateway.status_code == 302
    html = client.get(to_gateway["Location"]).content.decode()
    return dict(
        zip(
            re.findall(r'name="outcome" value="(\w+)"', html),
            re.findall(r'name="result" value="([^"]+)"', html),
            strict=True,
        )
    )


def test_without_a_fee_in_the_policy_a_request_goes_straight_to_review(employer):
    establishment, user, _client = employer
    assert selectors.needs_fee(establishment) == 0
    request = _submit(user)
    assert (request.state, request.fee_fils, request.payment_reference) == ("submitted", 0, "")


def test_the_activitys_fee_comes_before_the_general_one(employer, fees):
    establishment, _user, _client = employer
    assert selectors.needs_fee(establishment) == 7_500
    NeedsRequestFee.objects.filter(activity__isnull=False).delete()
    assert selectors.needs_fee(establishment) == 5_000


def test_a_request_with_a_fee_waits_for_it_and_is_reviewed_once_paid(employer, fees):
    _establishment, user, client = employer
    editor = factories.staff("msal.editor")
    request = _submit(user)
    assert (request.state, request.fee_fils) == ("awaiting_payment", 7_500)
    assert not selectors.needs_queue(editor, NeedsRequest.State.SUBMITTED).exists()
    with pytest.raises(NeedsUnpaid):
        services.decide_needs_request(editor, request, decision="approve")
    page = client.get(f"/en/labour/needs/{request.reference}/").content.decode()
    assert "KWD 7.500" in page and f'action="/en/labour/needs/{request.reference}/pay/"' in page

    started = client.post(f"/en/labour/needs/{request.reference}/pay/", {"amount": 1})
    payment = Payment.objects.get()
    assert started.status_code == 302 and started["Location"] == f"/en/payments/{payment.reference}/pay/"
    assert (payment.amount_fils, payment.payer, payment.source) == (7_500, user, "fee")  # the browser's 1 ignored
    assert payment.metadata == {"payable": "labour.needs_request", "payable_id": request.reference}
    assert payment.return_url == f"/en/labour/needs/{request.reference}/"
    results = _sandbox_results(client, started["Location"])
    for _replay in range(3):
        assert client.post(CALLBACK, {"result": results["success"]}).status_code == 302

    request.refresh_from_db()
    payment.refresh_from_db()
    assert payment.state == PaymentState.SUCCESS and Credit.objects.filter(payment=payment).count() == 1
    assert (request.state, request.payment_reference) == ("submitted", payment.reference)
    assert request.paid_at is not None
    assert ModelLogEntry.objects.filter(object_id=str(request.pk), action="labour.needs_request.paid").count() == 1
    assert list(selectors.needs_queue(editor)) == [request]
    decided = services.decide_needs_request(editor, request, decision="approve")
    assert decided.state == "approved"
    with pytest.raises(NotAwaitingPayment):
        services.pay_needs_request(user, request.reference)
    assert Payment.objects.count() == 1


def test_a_declined_payment_leaves_the_request_waiting_and_it_can_be_paid_again(employer, fees):
    _establishment, user, client = employer
    request = _submit(user)
    first = services.pay_needs_request(user, request.reference)
    assert services.pay_needs_request(user, request.reference) == first  # not finished: the same payment again
    started = client.post(f"/en/labour/needs/{request.reference}/pay/")
    assert started["Location"] == registry.pay_url(first.reference)
    results = _sandbox_results(client, started["Location"])
    client.post(CALLBACK, {"result": results["failed"]})
    request.refresh_from_db()
    assert request.state == "awaiting_payment" and registry.payment_info(first.reference).state == "failed"
    second = services.pay_needs_request(user, request.reference)
    assert second.reference != first.reference and second.amount_fils == 7_500
    request.refresh_from_db()
    assert request.payment_reference == second.reference


def test_the_payment_and_the_request_move_together_or_not_at_all(employer, fees, monkeypatch):
    """The request moves on in the transaction that credits the payment: if it cannot, nothing is credited."""
    from payments.gateways import GatewayResult, Outcome
    from payments.services import settle

    _establishment, user, _client = employer
    request = _submit(user)
    payment = services.pay_needs_request(user, request.reference)

    def broken(key, reference):
        raise RuntimeError("the request could not move on")

    monkeypatch.setitem(registry._payables, services.PAYABLE, broken)
    result = GatewayResult(payment.reference, Outcome.SUCCESS, 7_500, "KWD", "TX-1")
    with pytest.raises(RuntimeError):
        settle(payment.reference, result, source="test")
    assert registry.payment_info(payment.reference).state != "success" and not Credit.objects.exists()
    monkeypatch.undo()
    settle(payment.reference, result, source="test")
    request.refresh_from_db()
    assert registry.payment_info(payment.reference).succeeded and request.state == "submitted"


def test_the_api_gives_the_fee_and_the_payment_to_send_the_browser_to(employer, fees):
    _establishment, user, client = employer
    body = {"establishment": "L-100", **ASK, "workers": 10}
    estimate = client.post("/api/v1/labour/needs-requests/estimate/", body, content_type="application/json")
    assert estimate.json()["fee"] == 7_500
    created = client.post("/api/v1/labour/needs-requests/", body, content_type="application/json").json()
    assert (created["state"], created["fee"], created["payment_reference"]) == ("awaiting_payment", 7_500, "")
    paying = client.post(f"/api/v1/labour/needs-requests/{created['reference']}/pay/")
    assert paying.status_code == 200
    answer = paying.json()
    assert answer["amount"] == 7_500 and answer["state"] == "created"
    assert answer["next_url"].endswith(f"/payments/{answer['payment']}/pay/")
    stranger = Client()
    stranger.force_login(signatory_of(_establishment, civil_id="287121201234"))
    refused = stranger.post(f"/api/v1/labour/needs-requests/{created['reference']}/pay/")
    assert refused.status_code == 404 and refused.json()["code"] == "labour_no_needs_request"
    schema = client.get("/api/v1/schema/").content.decode()
    assert "/api/v1/labour/needs-requests/{reference}/pay/" in schema


def test_a_request_without_a_fee_has_nothing_to_pay(employer):
    _establishment, user, client = employer
    request = _submit(user)
    refused = client.post(f"/api/v1/labour/needs-requests/{request.reference}/pay/")
    assert refused.status_code == 409 and refused.json()["code"] == "labour_needs_not_awaiting_payment"
    assert not Payment.objects.exists()


def test_the_demo_sets_a_fee_and_the_demo_employer_pays_it_on_the_sandbox():
    """`make run`'s labour demo: the policy sets a fee (every activity), so the demo citizen's request for DEMO-100
    waits for it and goes to review once the sandbox gateway says paid. Loading the demo again, or after staff set
    their own fees, changes no fee."""
    import io

    from django.core.management import call_command

    from identity.models import NationalIdentity
    from identity.national_id import civil_id_hash
    from labour import demo
    from tests.participation.conftest import make_citizen

    factories.portal_site()  # load_labour_demo puts its dashboard under the home pages
    factories.authority("MSAL")  # decides labour-needs requests (settings.LABOUR_AUTHORITY)
    call_command("load_labour_demo", stdout=io.StringIO())
    fee = NeedsRequestFee.objects.get()
    assert (fee.activity, fee.fee_fils) == (None, demo.NEEDS_FEE_FILS)
    fee.fee_fils = 2_000
    fee.save()
    call_command("load_labour_demo", stdout=io.StringIO())
    assert list(NeedsRequestFee.objects.values_list("fee_fils", flat=True)) == [2_000]

    employer = make_citizen("L2")
    NationalIdentity.objects.create(
        user=employer, civil_id_hash=civil_id_hash(demo.SIGNATORY_CIVIL_ID), full_name=demo.SIGNATORY_NAME
    )
    request = services.submit_needs_request(employer, "DEMO-100", nationality="KWT", occupation="2", workers=5)
    assert (request.state, request.fee_fils) == ("awaiting_payment", 2_000)
    client = Client()
    client.force_login(employer)
    started = client.post(f"/en/labour/needs/{request.reference}/pay/")
    results = _sandbox_results(client, started["Location"])
    assert client.post(CALLBACK, {"result": results["success"]}).status_code == 302
    request.refresh_from_db()
    assert request.state == "submitted" and registry.payment_info(request.payment_reference).amount_fils == 2_000


def _paid(client, request):
    """The request's fee paid on the sandbox; the payment."""
    started = client.post(f"/en/labour/needs/{request.reference}/pay/")
    results = _sandbox_results(client, started["Location"])
    client.post(CALLBACK, {"result": results["success"]})
    request.refresh_from_db()
    return Payment.objects.get(reference=request.payment_reference)


def _refund(payment, amount_fils):
    from payments.selectors import amount_available
    from payments.services import refund_payment

    payment.refresh_from_db()
    refund = refund_payment(payment, amount_fils=amount_fils, expected_available=amount_available(payment))
    assert refund.state == "success"


def test_a_fee_refunded_in_full_before_the_decision_sends_the_request_back_to_awaiting_payment(employer, fees):
    """A citizen whose fee is given back no longer has a paid request: it waits for the fee again, staff cannot
    decide it and see why, and paying again (a new payment) sends it back to review."""
    _establishment, user, client = employer
    editor = factories.staff("msal.editor")
    request = _submit(user)
    payment = _paid(client, request)
    assert request.state == "submitted"
    _refund(payment, 7_500)

    request.refresh_from_db()
    assert (request.state, request.fee_refunded_fils, request.paid_at) == ("awaiting_payment", 7_500, None)
    assert request.fee_refunded_at is not None and request.payment_reference == payment.reference
    with pytest.raises(NeedsUnpaid):
        services.decide_needs_request(editor, request, decision="approve")
    page = client.get(f"/en/labour/needs/{request.reference}/").content.decode()
    assert "Fee refunded" in page and "refunded in full" in page and "KWD 7.500" in page
    staff = Client()
    staff.force_login(editor)
    review = staff.get(f"/admin/labour/needs/{request.reference}/").content.decode()
    assert 'class="fee-refunded"' in review and "7.500" in review  # the admin speaks the staff member's Arabic
    assert "رُدّ رسم هذا الطلب كاملًا" in review
    assert ModelLogEntry.objects.filter(object_id=str(request.pk), action="labour.needs_request.fee_refunded").exists()

    again = _paid(client, request)
    assert again.reference != payment.reference and again.amount_fils == 7_500
    assert (request.state, request.payment_reference, request.fee_refunded_fils) == ("submitted", again.reference, 0)
    assert services.decide_needs_request(editor, request, decision="approve").state == "approved"


def test_a_partial_refund_keeps_the_request_in_review_and_is_shown(employer, fees):
    _establishment, user, client = employer
    request = _submit(user)
    payment = _paid(client, request)
    _refund(payment, 2_500)
    request.refresh_from_db()
    assert (request.state, request.fee_refunded_fils) == ("submitted", 2_500)
    _refund(payment, 1_000)
    request.refresh_from_db()
    assert (request.state, request.fee_refunded_fils) == ("submitted", 3_500)
    assert "KWD 3.500" in client.get(f"/en/labour/needs/{request.reference}/").content.decode()


def test_a_fee_refunded_after_the_decision_leaves_the_decision_and_is_shown(employer, fees):
    _establishment, user, client = employer
    editor = factories.staff("msal.editor")
    request = _submit(user)
    payment = _paid(client, request)
    services.decide_needs_request(editor, request, decision="approve")
    _refund(payment, 7_500)
    request.refresh_from_db()
    assert (request.state, request.fee_refunded_fils) == ("approved", 7_500)
    body = client.get(f"/api/v1/labour/needs-requests/{request.reference}/").json()
    assert (body["state"], body["fee_refunded"], body["payment_reference"]) == ("approved", 7_500, payment.reference)
    page = client.get(f"/en/labour/needs/{request.reference}/").content.decode()
    assert "Fee refunded" in page and "Pay the fee" not in page
