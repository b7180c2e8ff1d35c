"""Schedulers running at the same moment on PostgreSQL: every event is still announced exactly once."""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone
from wagtail.models import Locale, Page

from cms.models import Authority
from participation.models import Announcement, ConsultationPage, Petition, PollOption, PollPage
from participation.services.schedule import run_schedule
from tests.event_recorder import EventRecorder

from .conftest import make_citizen, make_petition

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent schedulers need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]

NAMES = [
    "consultation.opened",
    "consultation.closing_soon",
    "consultation.closed",
    "poll.opened",
    "poll.closed",
    "poll.results_available",
    "petition.closed",
]


def test_concurrent_scheduler_runs_announce_each_event_once():
    Locale.objects.get_or_create(language_code="ar")
    authority = Authority.objects.create(code="SCHED", name="جهة الجدولة")
    now = timezone.now()
    pages = []
    for number, (opens, closes) in enumerate(
        [(-2, 1), (-10, -1), (-1, 30)]  # closing soon; closed; open
    ):
        page = ConsultationPage(
            title=f"استشارة {number}",
            slug=f"consultation-{number}",
            authority=authority,
            summary="ملخص",
            opens_at=now + timedelta(days=opens),
            closes_at=now + timedelta(days=closes),
            body=[],
        )
        pages.append(Page.add_root(instance=page))
    live_poll = PollPage(
        title="استطلاع",
        slug="poll",
        authority=authority,
        summary="ملخص",
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=1),
        results_shown="live",
    )
    live_poll.options = [PollOption(label="نعم"), PollOption(label="لا")]
    Page.add_root(instance=live_poll)
    expired = [make_petition(make_citizen(), authority) for _ in range(3)]
    Petition.objects.filter(pk__in=[p.pk for p in expired]).update(closes_at=now - timedelta(minutes=1))

    runners = 4
    start = threading.Barrier(runners)
    failures = []

    def run():
        try:
            start.wait()
            run_schedule(now)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            failures.append(error)
        finally:
            connections.close_all()

    with EventRecorder(*NAMES) as recorder:
        threads = [threading.Thread(target=run) for _ in range(runners)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    heard = [
        (event.name, event.payload.get("page_id") or event.payload.get("petition_id")) for event in recorder.events
    ]

    assert failures == []
    counts = Counter(heard)
    assert max(counts.values()) == 1, counts
    # closing soon: opened + closing_soon; closed long ago: closed (its opening is past the catch-up window,
    # recorded silently); open: opened; the live-results poll: opened + results_available.
    assert sum(1 for name, _ in heard if name.startswith("consultation.")) == 4
    assert sorted(name for name, _ in heard if name.startswith("poll.")) == ["poll.opened", "poll.results_available"]
    assert sorted(pk for name, pk in heard if name == "petition.closed") == sorted(p.pk for p in expired)
    assert Announcement.objects.count() == 7
