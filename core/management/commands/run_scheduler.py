"""The scheduler: runs every periodic job of the portal (settings.PORTAL_SCHEDULE) in one process, each in its
period, until SIGTERM. A job is a management command run in this process; one that fails is logged and tried
again at its next period. Each run of a job is claimed in the cache for its period, so with the shared Redis
cache two schedulers (two machines, or a restart in the middle of a day) run each job once per period; the
daily jobs run once per UTC day. docs/operations.md lists the jobs."""

import logging
import signal
import time

from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections

logger = logging.getLogger("portal.scheduler")


def due(name, every, now):
    """True for the one scheduler that claims this period of the job (cache.add is atomic on Redis)."""
    period = int(now // every)
    return cache.add(f"scheduler:{name}:{period}", 1, timeout=every + 60)


class Command(BaseCommand):
    help = "Run the portal's periodic jobs (PORTAL_SCHEDULE) until SIGTERM; --once runs each job once and exits."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run every job once now, claimed or not, and exit.")

    def handle(self, *args, once=False, **options):
        jobs = settings.PORTAL_SCHEDULE
        if once:
            for name, command, _every in jobs:
                self.run(name, command)
            return
        stopping = []
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stopping.append(True))
        self.stdout.write(
            "scheduler: " + ", ".join(f"{name} every {every:g} s" for name, _command, every in jobs), ending="\n"
        )
        self.stdout.flush()
        while not stopping:
            for name, command, every in jobs:
                if stopping:
                    break
                try:
                    claimed = due(name, every, time.time())
                except Exception:
                    logger.exception("scheduler: the cache is unreachable; %s waits", name)
                    claimed = False
                if claimed:
                    self.run(name, command)
            for _ in range(5):
                if stopping:
                    break
                time.sleep(1)
        self.stdout.write("scheduler stopped")

    def run(self, name, command):
        close_old_connections()
        started = time.monotonic()
        try:
            call_command(*command, stdout=self.stdout, stderr=self.stderr)
        except Exception:
            # A database restart or one bad row must not end the scheduler: log it, try again next period.
            logger.exception("scheduler: %s failed", name)
        else:
            logger.info("scheduler: %s done in %.1f s", name, time.monotonic() - started)
        finally:
            close_old_connections()
            self.stdout.flush()
