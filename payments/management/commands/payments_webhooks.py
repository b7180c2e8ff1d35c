from django.core.management.base import BaseCommand

from payments.services.webhooks import deliver_due


class Command(BaseCommand):
    help = (
        "Send every webhook delivery whose time has come (the first attempt that was not sent, and the retries "
        "after 1 min, 5 min, 1 h, 1 day and 2 days). Run it every minute."
    )

    def handle(self, *args, **options):
        counts = deliver_due()
        self.stdout.write(", ".join(f"{count} {state}" for state, count in sorted(counts.items())) or "nothing due")
