"""Close every open petition past its closing time. Run it from the scheduler, e.g. every few minutes."""

from django.core.management.base import BaseCommand

from participation.services.petitions import close_expired_petitions


class Command(BaseCommand):
    help = "Close open petitions whose closing time has passed."

    def handle(self, *args, **options):
        closed = close_expired_petitions()
        self.stdout.write(self.style.SUCCESS(f"{closed} petitions closed."))
