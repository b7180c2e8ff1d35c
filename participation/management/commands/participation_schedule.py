"""Run the participation scheduler: close expired petitions, reconcile tallies, announce the timed events of
consultations and polls. Once (`--once`, for cron or a systemd timer) or in a loop every `--interval` seconds.
Two of them running at once announce nothing twice (see participation/services/schedule.py)."""

import logging
import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from participation.services.schedule import run_schedule

logger = logging.getLogger("participation.schedule")


class Command(BaseCommand):
    help = "Close expired petitions, reconcile petition tallies and announce consultation and poll events."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run one pass and exit.")
        parser.add_argument(
            "--interval", type=float, default=60.0, help="Seconds between passes when looping (default 60)."
        )

    def handle(self, *args, once=False, interval=60.0, **options):
        if once:
            self.stdout.write(str(run_schedule()))
            return
        stopping = []
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stopping.append(True))
        self.stdout.write(f"participation scheduler: a pass every {interval:g} s (Ctrl-C or SIGTERM to stop)")
        while not stopping:
            started = time.monotonic()
            close_old_connections()
            try:
                self.stdout.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {run_schedule()}")
            except Exception:
                # A database restart or a bad page must not end the loop: log it and try again next pass.
                logger.exception("participation schedule pass failed")
                self.stderr.write("participation schedule pass failed; retrying at the next pass")
            while not stopping and time.monotonic() - started < interval:
                time.sleep(min(1.0, interval))
        self.stdout.write("participation scheduler stopped")
