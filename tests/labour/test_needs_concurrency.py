"""Real concurrent requests on PostgreSQL: twenty identical callbacks at once for a labour-needs request's fee
credit it once and move the request to review once; two decisions at once on one establishment both count in
its approved need."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test import Client
from wagtail.models import Locale, ModelLogEntry

from cms.models import Authority
from labour import services
from labour.models import Establishment, NeedsRequest, NeedsRequestFee
from payments.gateways.sandbox import SandboxGateway
from payments.models import Credit, Payment
from tests.payments.test_concurrency import _at_once

from .helpers import bank, signatory_of

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]

ASK = {"nationality": "ASI", "occupation": "4"}


@pytest.fixture
def employer(settings):
    # Transactional tests start from an empty database once another has flushed it.
    call_command("load_labour_codes", verbosity=0)
    locale, _created = Locale.objects.get_or_create(language_code="ar")
    Authority.objects.get_or_create(code="CLAB", locale=locale, defaults={"name": "جهة العمل"})
    settings.LABOUR_AUTHORITY = "CLAB"
    establishment = bank(84, 16, capacity=150)
    return establishment, signatory_of(establishment)


def test_twenty_identical_fee_callbacks_at_once_move_the_request_once(employer):
    _establishment, user = employer
    NeedsRequestFee.objects.create(activity=None, fee_fils=5_000)
    request = services.submit_needs_request(user, "L-100", **ASK, workers=10)
    info = services.pay_needs_request(user, request.reference)
    payment = Payment.objects.get(reference=info.reference)
    result = SandboxGateway().signed_result(payment, "success")
    statuses = _at_once(
        20, lambda _index: Client().post("/payments/gateway/sandbox/callback/", {"result": result}).status_code
    )
    assert statuses == [302] * 20
    request.refresh_from_db()
    assert Credit.objects.filter(payment=payment).count() == 1
    assert (request.state, request.payment_reference) == (NeedsRequest.State.SUBMITTED, payment.reference)
    assert ModelLogEntry.objects.filter(object_id=str(request.pk), action="labour.needs_request.paid").count() == 1


def test_two_decisions_at_once_both_count_in_the_approved_need(employer):
    establishment, user = employer
    staff = get_user_model().objects.create_superuser("clab.staff", "clab@example.org", "x" * 20)
    requests = [services.submit_needs_request(user, "L-100", **ASK, workers=workers) for workers in (10, 15)]
    _at_once(2, lambda index: services.decide_needs_request(staff, requests[index], decision="approve").approved_need)
    establishment.refresh_from_db()
    assert establishment.approved_need == 100 + 10 + 15
    # One decision came first (110 or 115), the other counted from it (125): never two that ignore each other.
    assert sorted(NeedsRequest.objects.values_list("approved_need", flat=True)) in ([110, 125], [115, 125])
    assert Establishment.objects.get().approved_need_reference in {request.reference for request in requests}
