"""The petition events of docs/events.md: names and payloads, announced only once the write commits."""

import pytest

from participation.models import Petition
from participation.services import petitions as services
from tests import factories
from tests.event_recorder import EventRecorder

from .conftest import make_citizen, make_petition

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_rate_limits")]

NAMES = ["petition.created", "petition.signed", "petition.opened", "petition.rejected", "petition.hidden"]


@pytest.fixture
def heard():
    with EventRecorder(*NAMES) as recorder:
        yield recorder.heard


def staff():

    return factories.staff("admin")


def test_starting_a_petition_announces_it_with_its_author(heard, authority, django_capture_on_commit_callbacks):
    author = make_citizen()
    with django_capture_on_commit_callbacks(execute=True):
        petition = services.create_petition(author, authority, "عنوان", "<p>نص</p>")
    assert heard == [("petition.created", {"petition_id": petition.pk, "author_id": author.pk})]


def test_a_signature_is_announced_with_the_choice_to_be_kept_informed(
    heard, citizen, petition, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.sign_petition(citizen, petition, "hawalli", keep_informed=True)
    assert heard == [("petition.signed", {"petition_id": petition.pk, "user_id": citizen.pk, "keep_informed": True})]


def test_a_refused_second_signature_announces_nothing(heard, citizen, petition, django_capture_on_commit_callbacks):
    services.sign_petition(citizen, petition, "hawalli")
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(services.AlreadySigned):
        services.sign_petition(citizen, petition, "jahra")
    assert callbacks == [] and heard == []


@pytest.mark.parametrize(("decision", "name"), [("reject", "petition.rejected"), ("hide", "petition.hidden")])
def test_rejecting_and_hiding_carry_the_author_and_the_reason(
    heard, authority, django_capture_on_commit_callbacks, decision, name
):
    petition = make_petition(make_citizen(), authority, state=Petition.State.AWAITING_MODERATION)
    with django_capture_on_commit_callbacks(execute=True):
        services.moderate_petition(staff(), petition, decision, reason="خارج الاختصاص")
    assert heard == [(name, {"petition_id": petition.pk, "author_id": petition.author_id, "reason": "خارج الاختصاص"})]
