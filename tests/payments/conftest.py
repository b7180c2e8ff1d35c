import pytest
from django.utils import timezone

from payments import services
from payments.models import Payment
from tests import factories
from tests.participation.conftest import make_citizen


def make_payment(authority, amount_fils=2500, **fields):
    return services.create_payment(
        authority=authority,
        amount_fils=amount_fils,
        description_ar=fields.pop("description_ar", "رسم تجديد الرخصة"),
        description_en=fields.pop("description_en", "Licence renewal fee"),
        **fields,
    )


def paid(authority, amount=10_000, **fields):
    """A payment the gateway confirmed (credited), read again."""
    from payments.gateways import GatewayResult, Outcome

    payment = make_payment(authority, amount_fils=amount, **fields)
    services.settle(
        payment.reference,
        GatewayResult(payment.reference, Outcome.SUCCESS, amount, "KWD", f"TX-{payment.reference}"),
        source="test",
    )
    payment.refresh_from_db()
    return payment


@pytest.fixture
def authority():
    return factories.authority("MSAL")


@pytest.fixture
def other_authority():
    return factories.authority("MOCI")


@pytest.fixture
def citizen():
    return make_citizen("L2")


@pytest.fixture
def fee_page():
    return factories.service("MSAL-FEE-001", "MSAL", fee_fils=5_000)


# --- Reconciliation ---------------------------------------------------------------------------------------

HEADER = "settlement_date,track_id,transaction_id,amount,currency\n"


def knet_paid(authority, amount):
    payment = paid(authority, amount)
    Payment.objects.filter(pk=payment.pk).update(gateway="knet")
    payment.refresh_from_db()
    return payment


def settlement_file(*lines):
    return (HEADER + "".join(line + "\n" for line in lines)).encode()


@pytest.fixture
def ledger(authority, other_authority):
    """Four payments through KNET and a settlement file (a header and five lines) naming three of them."""
    today = timezone.localdate().isoformat()
    payments = {
        "own": knet_paid(authority, 12_500),
        "other": knet_paid(other_authority, 3_000),
        "short": knet_paid(authority, 5_000),
        "missing": knet_paid(authority, 7_000),
    }
    data = settlement_file(
        f"{today},{payments['own'].reference},T1,12.500,KWD",
        f"{today},{payments['other'].reference},T2,3.000,414",
        f"{today},{payments['short'].reference},T3,4.000,KWD",
        f"{today},PAY-NOSUCHPAYMNT,T4,1.000,KWD",
        f"{today},{payments['own'].reference},T1,12.500,KWD",
    )
    return payments, data
