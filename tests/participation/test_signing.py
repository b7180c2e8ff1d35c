from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from identity.receipts import pseudonymous_subject, verify_receipt
from participation.models import Petition, PetitionSignature
from participation.selectors import common as reads
from participation.selectors import petitions as selectors
from participation.services import petitions as services
from participation.services.common import AssuranceTooLow

from .conftest import make_citizen, make_petition

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_rate_limits")]


def test_second_signature_by_same_citizen_is_rejected(citizen, petition):
    services.sign_petition(citizen, petition, "hawalli")
    with pytest.raises(services.AlreadySigned):
        services.sign_petition(citizen, petition, "jahra")
    assert PetitionSignature.objects.filter(petition=petition, user=citizen).count() == 1
    assert PetitionSignature.objects.get(petition=petition, user=citizen).governorate == "hawalli"


def test_l1_citizen_is_refused_with_the_level_needed(petition):
    with translation.override("en"), pytest.raises(AssuranceTooLow) as refused:
        services.sign_petition(make_citizen("L1"), petition, "capital")
    assert refused.value.decision.needed == "L2"
    assert "L2" in refused.value.message and "Civil ID" in refused.value.message
    assert not PetitionSignature.objects.filter(petition=petition).exists()


@pytest.mark.parametrize(
    "state",
    [Petition.State.DRAFT, Petition.State.COLLECTING_SPONSORS, Petition.State.CLOSED, Petition.State.HIDDEN],
)
def test_petition_that_is_not_open_cannot_be_signed(citizen, authority, state):
    petition = make_petition(make_citizen(), authority, state=state)
    with pytest.raises(services.PetitionNotOpen):
        services.sign_petition(citizen, petition, "ahmadi")
    assert not PetitionSignature.objects.filter(petition=petition).exists()


def test_open_petition_past_its_closing_time_cannot_be_signed(citizen, petition):
    Petition.objects.filter(pk=petition.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(services.PetitionNotOpen):
        services.sign_petition(citizen, petition, "ahmadi")


def test_unknown_governorate_is_refused(citizen, petition):
    with pytest.raises(services.InvalidGovernorate):
        services.sign_petition(citizen, petition, "riyadh")
    assert not PetitionSignature.objects.exists()


def test_signing_never_updates_the_petition_row(citizen, petition):
    with CaptureQueriesContext(connection) as queries:
        services.sign_petition(citizen, petition, "farwaniya", keep_informed=True)
    statements = [query["sql"].upper() for query in queries.captured_queries]
    assert any(sql.startswith("INSERT") and "PARTICIPATION_PETITIONSIGNATURE" in sql for sql in statements)
    assert not [sql for sql in statements if sql.startswith("UPDATE") and '"PARTICIPATION_PETITION"' in sql]


def test_shown_count_follows_count_star_within_the_lag(petition, monkeypatch):
    clock = [1_800_000_000.0]
    monkeypatch.setattr(reads, "wall_clock", lambda: clock[0])
    services.sign_petition(make_citizen(), petition, "capital")
    assert selectors.signature_count(petition.pk) == 1
    services.sign_petition(make_citizen(), petition, "jahra")
    clock[0] += selectors.count_lag_seconds() - selectors.RECOUNT_AHEAD_SECONDS - 0.5
    assert selectors.signature_count(petition.pk) == 1  # still fresh: recounted only near the lag
    clock[0] += 2
    assert selectors.signature_count(petition.pk) == PetitionSignature.objects.filter(petition=petition).count() == 2
    assert selectors.signature_counts(petition.pk)[1] == {
        "capital": 1,
        "hawalli": 0,
        "farwaniya": 0,
        "mubarak_al_kabeer": 0,
        "ahmadi": 0,
        "jahra": 1,
    }


def test_receipt_verifies_and_carries_no_choice_or_personal_data(citizen, petition):
    signed = services.sign_petition(citizen, petition, "mubarak_al_kabeer", keep_informed=True)
    verification = verify_receipt(signed.receipt)
    assert verification.valid, verification.reason
    assert verification.kind == "petition.signed"
    assert verification.reference == f"petition:{petition.pk}"
    assert verification.subject == pseudonymous_subject(citizen.pk, f"petition:{petition.pk}")
    assert set(verification.claims) == {"iss", "kind", "sub", "ref", "iat", "jti", "title"}
    flat = str(verification.claims)
    for personal in ("mubarak_al_kabeer", citizen.email, citizen.username, "keep_informed"):
        assert personal not in flat


def test_threshold_is_announced_once_when_the_count_reaches_it(
    authority, monkeypatch, django_capture_on_commit_callbacks
):
    announced = []
    monkeypatch.setattr(services, "announce", lambda name, **payload: announced.append((name, payload)))
    petition = make_petition(make_citizen(), authority, response_threshold=2, debate_threshold=100)
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            services.sign_petition(make_citizen(), petition, "hawalli")
        selectors.forget_count(petition.pk)
    assert [event for event in announced if event[0] == "petition.threshold_reached"] == [
        ("petition.threshold_reached", {"petition_id": petition.pk, "threshold": "response", "count": 2})
    ]
    assert [name for name, _ in announced].count("petition.signed") == 3
    petition.refresh_from_db()
    assert petition.response_threshold_reached_at is not None
    assert petition.debate_threshold_reached_at is None


def _pushed_counts(monkeypatch):
    """What the live counter pushes, as the sockets would receive it."""
    from notifications import push

    pushed = []

    class Layer:
        async def group_send(self, group, message):
            pushed.append(message["value"])

    monkeypatch.setattr(push, "get_channel_layer", lambda: Layer())
    return push, pushed


def test_the_live_counter_pushes_the_count_with_the_last_signature(petition, monkeypatch):
    push, pushed = _pushed_counts(monkeypatch)
    for _ in range(4):
        services.sign_petition(make_citizen(), petition, "capital")
    assert selectors.signature_count(petition.pk) == 4  # the shown count is now cached, and may lag
    services.sign_petition(make_citizen(), petition, "capital")
    push.send_counter(f"petition:{petition.pk}")  # the push after the 5th signature
    assert pushed == [5]
    assert selectors.signature_count(petition.pk) == 5  # and pages show it from then on


def test_a_threshold_is_marked_by_the_next_push_when_its_signature_was_made(authority, monkeypatch):
    announced = []
    monkeypatch.setattr(services, "announce", lambda name, **payload: announced.append((name, payload)))
    push, pushed = _pushed_counts(monkeypatch)
    petition = make_petition(make_citizen(), authority, response_threshold=3, debate_threshold=100)
    services.sign_petition(make_citizen(), petition, "capital")
    assert selectors.signature_count(petition.pk) == 1  # cached: the signing path sees a lagging count
    for _ in range(2):
        services.sign_petition(make_citizen(), petition, "capital")
    services.announce_thresholds_reached(petition)  # what signing does after commit, from the cached count
    petition.refresh_from_db()
    assert petition.response_threshold_reached_at is None

    # The petition goes quiet; the counter's trailing push still comes, counts, and marks the crossing.
    push.send_counter(f"petition:{petition.pk}")
    third = PetitionSignature.objects.filter(petition=petition).order_by("created_at", "pk")[2]
    petition.refresh_from_db()
    assert pushed == [3]
    assert petition.response_threshold_reached_at == third.created_at
    assert petition.debate_threshold_reached_at is None
    assert [payload for name, payload in announced if name == "petition.threshold_reached"] == [
        {"petition_id": petition.pk, "threshold": "response", "count": 3}
    ]
    push.send_counter(f"petition:{petition.pk}")  # once only
    assert len([name for name, _ in announced if name == "petition.threshold_reached"]) == 1


def test_the_counter_of_a_petition_the_public_cannot_see_is_never_pushed(authority, monkeypatch):
    push, pushed = _pushed_counts(monkeypatch)
    hidden = make_petition(make_citizen(), authority, state=Petition.State.HIDDEN)
    push.send_counter(f"petition:{hidden.pk}")
    push.send_counter("petition:99999999999999999999999")
    assert pushed == []
