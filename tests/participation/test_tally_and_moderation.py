from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from participation.models import ModerationRecord, Petition, PetitionSignature, PetitionTally
from participation.selectors import petitions as selectors
from participation.services import petitions as services
from participation.services.common import AssuranceTooLow
from tests import factories
from tests.event_recorder import EventRecorder

from .conftest import make_citizen, make_petition

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_rate_limits")]


def staff():

    return factories.staff("admin")


def test_recount_reconciles_a_tampered_tally(petition):
    for governorate in ("capital", "capital", "ahmadi"):
        services.sign_petition(make_citizen(), petition, governorate)
    call_command("recount", no_progress=True, stdout=StringIO())
    PetitionTally.objects.filter(petition=petition).update(count=999, by_governorate={"capital": 999})

    output = StringIO()
    call_command("recount", no_progress=True, stdout=output)

    tally = PetitionTally.objects.get(petition=petition)
    assert tally.count == PetitionSignature.objects.filter(petition=petition).count() == 3
    assert tally.by_governorate["capital"] == 2 and tally.by_governorate["ahmadi"] == 1
    assert f"petition {petition.pk}: tally 999 → 3" in output.getvalue()
    assert "1 tallies fixed" in output.getvalue()


def test_recount_changes_nothing_when_tallies_agree(petition):
    services.sign_petition(make_citizen(), petition, "jahra")
    call_command("recount", no_progress=True, stdout=StringIO())
    output = StringIO()
    call_command("recount", no_progress=True, stdout=output)
    assert "0 tallies fixed" in output.getvalue()


def test_bulk_invalidation_is_excluded_from_the_count_and_audited(petition, authority):
    other = make_petition(make_citizen(), authority)
    signatures = [services.sign_petition(make_citizen(), petition, "hawalli").signature for _ in range(3)]
    elsewhere = services.sign_petition(make_citizen(), other, "capital").signature
    assert selectors.signature_count(petition.pk) == 3

    invalidated = services.invalidate_signatures(
        staff(), [signatures[0].pk, signatures[1].pk, elsewhere.pk], "Duplicate civil IDs"
    )
    selectors.forget_count(petition.pk)  # what on_commit does after a real commit

    assert invalidated == 3
    assert selectors.signature_count(petition.pk) == 1
    assert selectors.counted_signatures(petition.pk)[1]["hawalli"] == 1
    log = ModerationRecord.objects.get(petition=petition, kind="signatures_invalidated")
    assert log.staff == staff() and log.reason == "Duplicate civil IDs"
    assert log.detail == {"signature_ids": sorted([signatures[0].pk, signatures[1].pk]), "count": 2}
    assert ModerationRecord.objects.filter(petition=other, kind="signatures_invalidated").count() == 1


def test_invalidation_needs_a_reason(petition):
    signature = services.sign_petition(make_citizen(), petition, "hawalli").signature
    with pytest.raises(services.InvalidPetition):
        services.invalidate_signatures(staff(), [signature.pk], "  ")
    assert PetitionSignature.objects.get(pk=signature.pk).invalidated_at is None


def test_sponsorship_leads_to_moderation_then_to_an_open_petition(authority):
    author = make_citizen()
    petition = services.create_petition(author, authority, "إنشاء حديقة عامة", "<p>نص<script>x()</script></p>")
    assert petition.state == Petition.State.COLLECTING_SPONSORS
    assert petition.body == "<p>نص</p>"
    assert petition.sponsors_needed == 5

    with pytest.raises(services.AuthorCannotSponsor):
        services.sponsor_petition(author, petition.sponsor_token)
    sponsors = [make_citizen() for _ in range(5)]
    for sponsor in sponsors[:4]:
        assert services.sponsor_petition(sponsor, petition.sponsor_token).state == Petition.State.COLLECTING_SPONSORS
    with pytest.raises(services.AlreadySponsored):
        services.sponsor_petition(sponsors[0], petition.sponsor_token)
    assert services.sponsor_petition(sponsors[4], petition.sponsor_token).state == Petition.State.AWAITING_MODERATION
    with pytest.raises(services.NotCollectingSponsors):
        services.sponsor_petition(make_citizen(), petition.sponsor_token)

    opened = services.moderate_petition(staff(), petition, "approve")
    assert opened.state == Petition.State.OPEN
    assert opened.closes_at - opened.opened_at == timedelta(days=183)
    assert ModerationRecord.objects.filter(petition=petition, kind="approved", staff=staff()).exists()
    services.sign_petition(make_citizen(), opened, "capital")


def test_authority_settings_are_copied_onto_new_petitions(authority):
    from participation.models import PetitionSettings

    PetitionSettings.objects.create(authority=authority, sponsors_needed=2, response_threshold=500)
    english = factories.authority("MSAL", language="en")
    petition = services.create_petition(make_citizen(), english, "Title", "<p>Text</p>")
    assert (petition.sponsors_needed, petition.response_threshold, petition.debate_threshold) == (2, 500, 100_000)


def test_l1_citizen_cannot_create_a_petition(authority):
    with pytest.raises(AssuranceTooLow):
        services.create_petition(make_citizen("L1"), authority, "Title", "<p>Text</p>")
    assert not Petition.objects.filter(title="Title").exists()


def test_rejection_needs_a_reason_and_is_logged(authority):
    petition = make_petition(make_citizen(), authority, state=Petition.State.AWAITING_MODERATION)
    with pytest.raises(services.InvalidPetition):
        services.moderate_petition(staff(), petition, "reject", "")
    services.moderate_petition(staff(), petition, "reject", "Outside the authority's remit")
    petition.refresh_from_db()
    assert petition.state == Petition.State.REJECTED
    assert petition.rejection_reason == "Outside the authority's remit"
    with pytest.raises(services.ModerationNotAllowed):
        services.moderate_petition(staff(), petition, "approve")


def test_expired_petitions_close_and_stop_accepting_signatures(petition, authority):
    current = make_petition(make_citizen(), authority)
    Petition.objects.filter(pk=petition.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    output = StringIO()
    call_command("close_expired_petitions", stdout=output)
    assert "1 petitions closed." in output.getvalue()
    petition.refresh_from_db()
    current.refresh_from_db()
    assert (petition.state, current.state) == (Petition.State.CLOSED, Petition.State.OPEN)


def test_government_response_is_sanitised_and_logged(petition):
    services.publish_government_response(staff(), petition, '<p>تمت الموافقة</p><img src=x onerror="y()">')
    petition.refresh_from_db()
    assert petition.government_response == "<p>تمت الموافقة</p>"
    assert petition.responded_at is not None
    assert ModerationRecord.objects.filter(petition=petition, kind="response_published").exists()


def test_approval_announces_the_opened_petition_after_commit(authority, django_capture_on_commit_callbacks):
    with EventRecorder("petition.opened") as recorder:
        petition = make_petition(make_citizen(), authority, state=Petition.State.AWAITING_MODERATION)
        with django_capture_on_commit_callbacks(execute=True):
            services.moderate_petition(staff(), petition, "approve")
            assert recorder.heard == []
    assert recorder.heard == [("petition.opened", {"petition_id": petition.pk, "author_id": petition.author_id})]
