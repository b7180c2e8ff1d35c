"""The participation scheduler: what happens because time passes, not because someone clicked.

`run_schedule()` (run by `manage.py participation_schedule`, once or in a loop) closes expired petitions,
reconciles the stored tallies of open petitions with COUNT(*), and announces the timed events of live
consultations and polls (docs/events.md) — each exactly once, however often it runs and however many
schedulers run at the same time: an event is emitted only by the run whose INSERT of its `Announcement`
key succeeded (the key is unique, so a second insert fails, in a savepoint, and that run stays silent).
"""

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import Announcement, ConsultationPage, Petition, PollPage, ResultsShown
from .common import announce
from .petitions import close_expired_petitions, reconcile_tally

logger = logging.getLogger("participation.schedule")

CLOSING_SOON = timedelta(days=3)
# A moment that passed longer ago than this is recorded as announced without being emitted, so that the
# first run on an old site (or after a long outage) does not notify people about consultations closed months ago.
DEFAULT_CATCH_UP = timedelta(days=7)


def catch_up_window():
    return getattr(settings, "PARTICIPATION_SCHEDULE_CATCH_UP", DEFAULT_CATCH_UP)


@dataclass
class ScheduleReport:
    petitions_closed: int = 0
    tallies_checked: int = 0
    tallies_fixed: int = 0
    announced: list = field(default_factory=list)
    recorded_silently: list = field(default_factory=list)

    def __str__(self):
        return (
            f"{self.petitions_closed} petitions closed; {self.tallies_checked} tallies checked, "
            f"{self.tallies_fixed} fixed; {len(self.announced)} events announced"
            + (f" ({', '.join(self.announced)})" if self.announced else "")
            + (
                f"; {len(self.recorded_silently)} past events recorded without announcing"
                if self.recorded_silently
                else ""
            )
        )


def announce_once(kind, page_id, event, *, silently=False, **payload):
    """Emit `{kind}.{event}` for the page unless some run already has. True when this call announced it."""
    key = f"{kind}:{page_id}:{event}"
    with transaction.atomic():
        try:
            with transaction.atomic():
                Announcement.objects.create(key=key)
        except IntegrityError:
            return False
        if not silently:
            announce(f"{kind}.{event}", page_id=page_id, **payload)
    return True


def _originals(model):
    """The original page of every translation set that has a live page: the one events name."""
    keys = set(model.objects.live().values_list("translation_key", flat=True))
    firsts = {}
    for page in model.objects.filter(translation_key__in=keys).order_by("pk"):
        firsts.setdefault(page.translation_key, page)
    return list(firsts.values())


def due_page_events(now):
    """(kind, original page, event, the moment it became due, payload) for every timed event due by `now`."""
    due = []
    for page in _originals(ConsultationPage):
        if page.opens_at <= now:
            due.append(("consultation", page, "opened", page.opens_at, {}))
        soon = page.closes_at - CLOSING_SOON
        if max(soon, page.opens_at) <= now < page.closes_at:
            due.append(
                (
                    "consultation",
                    page,
                    "closing_soon",
                    max(soon, page.opens_at),
                    {"closes_at": page.closes_at.isoformat()},
                )
            )
        if page.closes_at <= now:
            due.append(("consultation", page, "closed", page.closes_at, {}))
    for page in _originals(PollPage):
        if page.opens_at <= now:
            due.append(("poll", page, "opened", page.opens_at, {}))
        if page.closes_at <= now:
            due.append(("poll", page, "closed", page.closes_at, {}))
        results_at = page.opens_at if page.results_shown == ResultsShown.LIVE else page.closes_at
        if results_at <= now:
            due.append(("poll", page, "results_available", results_at, {}))
    return due


def announce_page_events(now=None, report=None):
    now = now or timezone.now()
    report = report or ScheduleReport()
    oldest = now - catch_up_window()
    for kind, page, event, moment, payload in due_page_events(now):
        silently = moment < oldest
        if announce_once(kind, page.pk, event, silently=silently, **payload):
            (report.recorded_silently if silently else report.announced).append(f"{kind}.{event}:{page.pk}")
    return report


def reconcile_open_tallies(report=None):
    """Make the stored tally of every open petition agree with COUNT(*)."""
    report = report or ScheduleReport()
    for petition in Petition.objects.filter(state=Petition.State.OPEN).order_by("pk").iterator():
        result = reconcile_tally(petition)
        report.tallies_checked += 1
        if result.fixed:
            report.tallies_fixed += 1
    return report


def run_schedule(now=None):
    """One pass of everything time-driven. Each step commits on its own; what a failed pass left undone,
    the next pass does."""
    now = now or timezone.now()
    report = ScheduleReport()
    # Reconciling first gives a petition that closes in this pass its final tally.
    reconcile_open_tallies(report)
    report.petitions_closed = close_expired_petitions(now)
    announce_page_events(now, report)
    logger.info("participation schedule: %s", report)
    return report
