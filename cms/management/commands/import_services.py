import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _
from tqdm import tqdm

from cms.catalogue_format import FormatError
from cms.services import count_records, import_catalogue


class Command(BaseCommand):
    help = "Import authorities, life events and services from files in the catalogue format (docs/import-format.md)."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", help="JSON files in the catalogue format")
        parser.add_argument("--no-progress", action="store_true", help="do not draw a progress bar")
        parser.add_argument(
            "--language", choices=[code for code, _name in settings.LANGUAGES], help="language of the report"
        )

    def handle(self, *args, files, no_progress=False, language=None, **options):
        # The whole report in one language: the summary and every record's errors (Django's among them).
        with translation.override(language or settings.LANGUAGE_CODE):
            self.run(files, no_progress)

    def run(self, files, no_progress):
        failed = False
        for path in files:
            try:
                with open(path, encoding="utf-8") as handle:
                    data = json.load(handle)
            except OSError as error:
                raise CommandError(
                    _("%(path)s: cannot read the file: %(reason)s") % {"path": path, "reason": error.strerror}
                ) from error
            except json.JSONDecodeError as error:
                raise CommandError(
                    _("%(path)s: not valid JSON: %(reason)s") % {"path": path, "reason": error}
                ) from error
            except UnicodeDecodeError as error:
                raise CommandError(
                    _("%(path)s: not UTF-8 text (byte %(byte)s): save it as UTF-8")
                    % {"path": path, "byte": error.start + 1}
                ) from error

            with tqdm(
                total=count_records(data),
                desc=str(path),
                unit="record",
                disable=no_progress or None,
                file=self.stderr._out,
            ) as bar:
                try:
                    report = import_catalogue(data, progress=lambda: bar.update(1))
                except FormatError as error:
                    raise CommandError(f"{path}: {error}") from error

            counts = report.counts
            summary = _("%(path)s: %(created)s created, %(updated)s updated, %(unchanged)s unchanged") % {
                "path": path,
                **counts,
            }
            if report.errors:
                failed = True
                skipped = len({(error.kind, error.position) for error in report.errors})
                self.stdout.write(
                    self.style.WARNING(
                        _("%(summary)s, %(skipped)s skipped:") % {"summary": summary, "skipped": skipped}
                    )
                )
                for error in report.errors:
                    self.stdout.write(f"  {error}")
            else:
                self.stdout.write(self.style.SUCCESS(summary))
        if failed:
            raise CommandError(_("some records were not imported (see above)"), returncode=1)
