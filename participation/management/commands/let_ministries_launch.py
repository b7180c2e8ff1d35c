"""manage.py let_ministries_launch [CODE …]: every ministry's editors (or those named) may launch consultations
and polls under the participation sections, reviewed and published by the portal's approvers."""

from django.core.management.base import BaseCommand, CommandError

from participation.models import ParticipationIndexPage
from participation.services.consultations import let_ministries_launch


class Command(BaseCommand):
    help = (
        "Let ministries' editors launch consultations and polls (under review by the portal's approvers). "
        "Run again after adding an authority. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("codes", nargs="*", help="authority codes (default: every authority with editors)")

    def handle(self, *args, codes=(), **options):
        indexes = list(ParticipationIndexPage.objects.all())
        if not indexes:
            raise CommandError("there is no participation section: create one under the home page first")
        let_ministries_launch(indexes, codes=list(codes) or None)
        named = ", ".join(codes) if codes else "every ministry"
        self.stdout.write(
            self.style.SUCCESS(f"{named}: may launch consultations and polls, reviewed before publishing.")
        )
