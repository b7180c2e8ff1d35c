import pytest

from cms.models import Authority, ServicePage
from payments import services
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
    return Authority.objects.get(code="MSAL", locale__language_code="ar")


@pytest.fixture
def other_authority():
    return Authority.objects.exclude(code="MSAL").filter(locale__language_code="ar").first()


@pytest.fixture
def citizen():
    return make_citizen("L2")


@pytest.fixture
def fee_page():
    return ServicePage.objects.live().filter(fee_fils__gt=0, locale__language_code="ar").first()
