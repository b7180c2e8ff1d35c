import pytest
from django.test import RequestFactory

from participation.models import PetitionSignature
from participation.selectors import common as reads
from participation.services import common
from participation.services import petitions as services

from .conftest import make_citizen, make_petition

pytestmark = pytest.mark.django_db

WINDOW_START = 300 * 6_000_000  # a moment where every window of 60 s and 300 s begins


@pytest.fixture
def clock(monkeypatch):
    now = [float(WINDOW_START)]
    monkeypatch.setattr(reads, "wall_clock", lambda: now[0])
    return now


def from_address(address):
    return RequestFactory().post("/", REMOTE_ADDR=address)


def test_burst_limit_refuses_a_second_signature_from_one_address_within_a_minute(authority, clock):
    first, second = make_petition(make_citizen(), authority), make_petition(make_citizen(), authority)
    services.sign_petition(make_citizen(), first, "capital", request=from_address("198.51.100.7"))
    with pytest.raises(common.RateLimited) as limited:
        services.sign_petition(make_citizen(), second, "capital", request=from_address("198.51.100.7"))
    assert 0 < limited.value.retry_after <= 60
    assert not PetitionSignature.objects.filter(petition=second).exists()
    services.sign_petition(make_citizen(), second, "capital", request=from_address("198.51.100.8"))
    clock[0] += 60
    services.sign_petition(make_citizen(), first, "capital", request=from_address("198.51.100.7"))


def test_sustained_limit_refuses_the_sixth_signature_from_one_address_in_five_minutes(authority, clock, settings):
    settings.PETITION_SIGN_RATE_LIMITS = (("ip", 5, 300),)
    petition = make_petition(make_citizen(), authority)
    for _ in range(5):
        services.sign_petition(make_citizen(), petition, "jahra", request=from_address("203.0.113.9"))
        clock[0] += 30
    with pytest.raises(common.RateLimited):
        services.sign_petition(make_citizen(), petition, "jahra", request=from_address("203.0.113.9"))
    assert PetitionSignature.objects.filter(petition=petition).count() == 5
    clock[0] = WINDOW_START + 300
    services.sign_petition(make_citizen(), petition, "jahra", request=from_address("203.0.113.9"))


def test_per_user_limit_applies_across_addresses(authority, clock):
    citizen = make_citizen()
    first, second = make_petition(make_citizen(), authority), make_petition(make_citizen(), authority)
    services.sign_petition(citizen, first, "hawalli", request=from_address("192.0.2.1"))
    with pytest.raises(common.RateLimited):
        services.sign_petition(citizen, second, "hawalli", request=from_address("192.0.2.2"))
