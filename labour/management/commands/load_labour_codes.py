from django.core.management.base import BaseCommand

from labour.models import Code
from labour.reference import sync_codes


class Command(BaseCommand):
    help = "Load the labour cube's code lists (added codes, corrected labels); safe to run again."

    def handle(self, *args, **options):
        added, changed = sync_codes(Code)
        self.stdout.write(f"codes added: {added}, labels corrected: {changed}")
