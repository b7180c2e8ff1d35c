from django.core.management.base import BaseCommand

from notifications.emails import send_digests


class Command(BaseCommand):
    help = "Send the daily digest of notifications to everyone who chose it (run once a day, e.g. from cron)."

    def handle(self, *args, **options):
        sent = send_digests()
        self.stdout.write(f"{sent} digest(s) sent")
