"""The participation scheduler: petitions close, tallies agree with COUNT(*), and every timed event of a
consultation or a poll is announced exactly once, whatever page language and however many runs."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from wagtail.models import Locale, Page

from participation.models import (
    Announcement,
    ConsultationPage,
    ParticipationIndexPage,
    Petition,
    PetitionSignature,
    PetitionTally,
    PollOption,
    PollPage,
)
from participation.selectors import petitions as selectors
from participation.services.schedule import run_schedule
from tests import factories
from tests.event_recorder import EventRecorder

from .conftest import make_citizen, make_petition

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("portal_site")]

EVENTS = [
    "consultation.opened",
    "consultation.closing_soon",
    "consultation.closed",
    "poll.opened",
    "poll.closed",
    "poll.results_available",
    "petition.closed",
]


@pytest.fixture
def heard():
    """Every scheduler event emitted, as (name, payload), in order."""
    with EventRecorder(*EVENTS) as recorder:
        yield recorder.heard


def participation_section():
    section = ParticipationIndexPage.objects.filter(locale__language_code="ar").first()
    if section is None:
        home = factories.home()
        section = home.add_child(instance=ParticipationIndexPage(title="شارك", slug="participate-test"))
    return section


def add_page(page, parent=None):
    if parent is None:
        parent = participation_section()
    if parent == "root":
        Page.add_root(instance=page)
    else:
        parent.add_child(instance=page)
    return page


def consultation(opens_at, closes_at, authority, parent=None, title="استشارة"):
    return add_page(
        ConsultationPage(
            title=title,
            slug=f"c-{timezone.now().timestamp()}".replace(".", ""),
            authority=authority,
            summary="ملخص",
            opens_at=opens_at,
            closes_at=closes_at,
            body=[],
        ),
        parent,
    )


def poll(opens_at, closes_at, authority, results_shown, parent=None):
    page = PollPage(
        title="استطلاع",
        slug=f"p-{timezone.now().timestamp()}".replace(".", ""),
        authority=authority,
        summary="ملخص",
        opens_at=opens_at,
        closes_at=closes_at,
        results_shown=results_shown,
    )
    page.options = [PollOption(label="نعم"), PollOption(label="لا")]
    return add_page(page, parent)


def names(heard, page_id=None):
    return sorted(name for name, payload in heard if page_id is None or payload.get("page_id") == page_id)


def test_each_consultation_event_is_announced_once_when_its_time_comes(
    heard, authority, django_capture_on_commit_callbacks
):
    now = timezone.now()
    page = consultation(now + timedelta(hours=1), now + timedelta(days=10), authority)
    with django_capture_on_commit_callbacks(execute=True):
        run_schedule(now)
    assert names(heard, page.pk) == []

    with django_capture_on_commit_callbacks(execute=True):
        run_schedule(now + timedelta(hours=2))
        run_schedule(now + timedelta(hours=3))
    assert names(heard, page.pk) == ["consultation.opened"]

    with django_capture_on_commit_callbacks(execute=True):
        run_schedule(now + timedelta(days=8))
        run_schedule(now + timedelta(days=9))
    assert names(heard, page.pk) == ["consultation.closing_soon", "consultation.opened"]
    closing_soon = next(payload for name, payload in heard if name == "consultation.closing_soon")
    assert closing_soon == {"page_id": page.pk, "closes_at": page.closes_at.isoformat()}

    with django_capture_on_commit_callbacks(execute=True):
        run_schedule(now + timedelta(days=11))
        run_schedule(now + timedelta(days=12))
    assert names(heard, page.pk) == ["consultation.closed", "consultation.closing_soon", "consultation.opened"]
    assert Announcement.objects.filter(key__startswith=f"consultation:{page.pk}:").count() == 3


def test_a_translation_is_announced_under_its_original_page(heard, authority, django_capture_on_commit_callbacks):
    now = timezone.now()
    original = consultation(now - timedelta(minutes=5), now + timedelta(days=30), authority)
    english = original.copy_for_translation(Locale.objects.get(language_code="en"), copy_parents=True)
    english.save_revision().publish()
    original.unpublish()  # only the English page is live: the event still names the original
    english.refresh_from_db()
    assert english.pk != original.pk and english.live
    with django_capture_on_commit_callbacks(execute=True):
        run_schedule(now)
    assert [payload for name, payload in heard if name == "consultation.opened"] == [{"page_id": original.pk}]


@pytest.mark.parametrize(
    ("results_shown", "at_opening", "at_closing"),
    [
        ("live", ["poll.opened", "poll.results_available"], ["poll.closed"]),
        ("after_close", ["poll.opened"], ["poll.closed", "poll.results_available"]),
    ],
)
def test_poll_results_become_available_at_opening_or_at_closing(
    heard, authority, django_capture_on_commit_callbacks, results_shown, at_opening, at_closing
):
    now = timezone.now()
    page = poll(now + timedelta(hours=1), now + timedelta(days=2), authority, results_shown)
    with django_capture_on_commit_callbacks(execute=True):
        run_schedule(now + timedelta(hours=2))
    assert names(heard, page.pk) == at_opening
    heard.clear()
    with django_capture_on_commit_callbacks(execute=True):
        run_schedule(now + timedelta(days=3))
        run_schedule(now + timedelta(days=4))
    assert names(heard, page.pk) == at_closing


def test_unpublished_pages_announce_nothing(heard, authority, django_capture_on_commit_callbacks):
    now = timezone.now()
    page = consultation(now - timedelta(hours=1), now + timedelta(days=30), authority)
    page.unpublish()
    with django_capture_on_commit_callbacks(execute=True):
        run_schedule(now)
    assert names(heard, page.pk) == []


def test_long_past_moments_are_recorded_without_announcing(heard, authority, django_capture_on_commit_callbacks):
    now = timezone.now()
    page = consultation(now - timedelta(days=90), now - timedelta(days=60), authority)
    with django_capture_on_commit_callbacks(execute=True):
        report = run_schedule(now)
    assert names(heard, page.pk) == []
    assert f"consultation.closed:{page.pk}" in report.recorded_silently
    assert Announcement.objects.filter(key=f"consultation:{page.pk}:closed").exists()


def test_expired_petitions_close_once_and_open_tallies_agree(heard, authority, django_capture_on_commit_callbacks):
    now = timezone.now()
    expired = make_petition(make_citizen(), authority)
    Petition.objects.filter(pk=expired.pk).update(closes_at=now - timedelta(minutes=1))
    running = make_petition(make_citizen(), authority)
    for governorate in ("capital", "jahra", "jahra"):
        PetitionSignature.objects.create(petition=running, user=make_citizen(), governorate=governorate)
    PetitionTally.objects.create(petition=running, count=99, by_governorate={}, counted_at=now)

    with django_capture_on_commit_callbacks(execute=True):
        first = run_schedule(now)
        second = run_schedule(now)
    assert [payload for name, payload in heard if name == "petition.closed"] == [{"petition_id": expired.pk}]
    assert (first.petitions_closed, second.petitions_closed) == (1, 0)
    assert Petition.objects.get(pk=expired.pk).state == Petition.State.CLOSED
    tally = PetitionTally.objects.get(petition=running)
    assert (tally.count, tally.by_governorate["jahra"]) == (3, 2)
    assert tally.count == selectors.counted_signatures(running.pk)[0]
    assert first.tallies_fixed >= 1 and second.tallies_fixed == 0


def test_command_runs_one_pass_and_says_what_it_did(authority, capsys):
    expired = make_petition(make_citizen(), authority)
    Petition.objects.filter(pk=expired.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    call_command("participation_schedule", "--once")
    assert "1 petitions closed" in capsys.readouterr().out
    assert Petition.objects.get(pk=expired.pk).state == Petition.State.CLOSED
