import pytest

from payments import services
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
