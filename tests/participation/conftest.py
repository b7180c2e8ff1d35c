import pytest

from tests import factories

# The names the participation tests (and others) have long imported from here: the factories.
make_citizen = factories.citizen
make_petition = factories.petition


@pytest.fixture
def authority():
    return factories.authority("MSAL")


@pytest.fixture
def citizen():
    return make_citizen("L2")


@pytest.fixture
def petition(authority):
    return make_petition(make_citizen("L2"), authority)


@pytest.fixture
def no_rate_limits(settings):
    settings.PETITION_SIGN_RATE_LIMITS = ()
