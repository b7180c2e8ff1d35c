from django.core.management.base import BaseCommand

from payments.services import expire_bills, expire_stale_payments


class Command(BaseCommand):
    help = (
        "Mark every payment unfinished for PAYMENTS_EXPIRY_MINUTES (90) and every open bill past its expiry as "
        "expired (run it every few minutes)."
    )

    def handle(self, *args, **options):
        payments = expire_stale_payments()
        bills = expire_bills()
        self.stdout.write(f"{payments} payment(s) and {bills} bill(s) expired")
