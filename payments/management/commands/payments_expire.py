from django.core.management.base import BaseCommand

from payments.services import expire_stale_payments


class Command(BaseCommand):
    help = "Mark every payment unfinished for PAYMENTS_EXPIRY_MINUTES (90) as expired (run it every few minutes)."

    def handle(self, *args, **options):
        count = expire_stale_payments()
        self.stdout.write(f"{count} payment(s) expired")
