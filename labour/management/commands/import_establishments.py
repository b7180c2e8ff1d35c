from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from core.errors import InvalidInput
from core.management.files import add_arguments, read, refused
from labour.services import RegisterRefused, import_establishments


class Command(BaseCommand):
    help = (
        "Import the authority's register of establishments and their workforce (CSV, docs/labour.md). "
        "A file with any bad line is refused whole."
    )

    def add_arguments(self, parser):
        add_arguments(parser, "the register, CSV UTF-8", progress=False)

    def handle(self, *args, file, language=None, **options):
        path = Path(file)
        with translation.override(language or settings.LANGUAGE_CODE):
            data = read(path)
            try:
                created, updated, lines = import_establishments(data)
            except RegisterRefused as refusal:
                raise refused(self, path, refusal) from None
            except InvalidInput as refusal:
                raise CommandError(f"{path.name}: {refusal.message}", returncode=1) from None
            self.stdout.write(
                self.style.SUCCESS(
                    _("%(file)s: %(created)d establishments created, %(updated)d updated, %(lines)d workforce lines")
                    % {"file": path.name, "created": created, "updated": updated, "lines": lines}
                )
            )
