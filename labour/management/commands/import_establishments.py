from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from core.errors import InvalidInput
from labour.services import RegisterRefused, import_establishments


class Command(BaseCommand):
    help = (
        "Import the authority's register of establishments and their workforce (CSV, docs/labour.md). "
        "A file with any bad line is refused whole."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the register, CSV UTF-8")
        parser.add_argument(
            "--language", choices=[code for code, _name in settings.LANGUAGES], help="language of the messages"
        )

    def handle(self, *args, file, language=None, **options):
        path = Path(file)
        with translation.override(language or settings.LANGUAGE_CODE):
            try:
                data = path.read_bytes()
            except OSError as error:
                raise CommandError(
                    _("%(file)s: cannot read the file: %(reason)s") % {"file": path, "reason": error.strerror}
                ) from error
            try:
                created, updated, lines = import_establishments(data)
            except RegisterRefused as refusal:
                for problem in refusal.problems:
                    self.stderr.write(f"{path.name}: {problem}")
                raise CommandError(refusal.message, returncode=1) from None
            except InvalidInput as refusal:
                raise CommandError(f"{path.name}: {refusal.message}", returncode=1) from None
            self.stdout.write(
                self.style.SUCCESS(
                    _("%(file)s: %(created)d establishments created, %(updated)d updated, %(lines)d workforce lines")
                    % {"file": path.name, "created": created, "updated": updated, "lines": lines}
                )
            )
