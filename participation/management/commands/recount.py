"""Recount every petition's signatures with COUNT(*) and make the stored tallies agree."""

from django.core.management.base import BaseCommand
from tqdm import tqdm

from participation.models import Petition
from participation.services.petitions import reconcile_tally


class Command(BaseCommand):
    help = "Recount petition signatures with COUNT(*), fix any tally that disagrees, and report what was fixed."

    def add_arguments(self, parser):
        parser.add_argument("--petition", type=int, action="append", help="Only this petition (repeatable).")
        parser.add_argument("--no-progress", action="store_true", help="Do not show a progress bar.")

    def handle(self, *args, petition=None, no_progress=False, **options):
        petitions = Petition.objects.order_by("pk")
        if petition:
            petitions = petitions.filter(pk__in=petition)
        checked = fixed = 0
        for item in tqdm(
            petitions.iterator(), total=petitions.count(), disable=no_progress, desc="recount", unit="petition"
        ):
            result = reconcile_tally(item)
            checked += 1
            if result.fixed:
                fixed += 1
                before = "no tally" if result.previous is None else f"tally {result.previous}"
                self.stdout.write(
                    f"petition {result.petition_id}: {before} → {result.counted} "
                    f"(by governorate {result.previous_by_governorate} → {result.by_governorate})"
                )
        self.stdout.write(
            self.style.SUCCESS(f"{checked} petitions recounted; {fixed} tallies fixed; all agree with COUNT(*).")
        )
