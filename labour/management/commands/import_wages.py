from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _
from tqdm import tqdm

from core.errors import InvalidInput
from core.management.files import add_arguments, read, refused
from labour.services import WagesRefused, import_wages


class Command(BaseCommand):
    help = (
        "Import a wage-protection file: salaries transferred and absences reported, per worker and month (CSV, "
        "docs/labour.md). A file with any bad line is refused whole; importing the same file again changes nothing."
    )

    def add_arguments(self, parser):
        add_arguments(parser, "the wage-protection file, CSV UTF-8")

    def handle(self, *args, file, language=None, no_progress=False, **options):
        path = Path(file)
        with translation.override(language or settings.LANGUAGE_CODE):
            data = read(path)
            bar = {"disable": no_progress or None, "file": self.stderr._out, "unit": "line", "leave": False}
            with tqdm(total=data.count(b"\n"), desc=_("checking"), **bar) as checking:
                try:
                    record = import_wages(data, file_name=path.name, progress=lambda: checking.update(1))
                except WagesRefused as refusal:
                    raise refused(self, path, refusal) from None
                except InvalidInput as refusal:
                    raise CommandError(f"{path.name}: {refusal.message}", returncode=1) from None
            self.stdout.write(
                self.style.SUCCESS(
                    _(
                        "%(file)s: %(rows)d lines; %(created)d records created, %(updated)d updated, %(unchanged)d unchanged"
                    )
                    % {
                        "file": path.name,
                        "rows": record.rows,
                        "created": record.created,
                        "updated": record.updated,
                        "unchanged": record.unchanged,
                    }
                )
            )
