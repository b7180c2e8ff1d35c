import json

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from cms.catalogue_format import FormatError
from cms.services import count_records, import_catalogue


class Command(BaseCommand):
    help = "Import authorities, life events and services from files in the catalogue format (docs/import-format.md)."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", help="JSON files in the catalogue format")
        parser.add_argument("--no-progress", action="store_true", help="do not draw a progress bar")

    def handle(self, *args, files, no_progress=False, **options):
        failed = False
        for path in files:
            try:
                with open(path, encoding="utf-8") as handle:
                    data = json.load(handle)
            except OSError as error:
                raise CommandError(f"{path}: cannot read the file: {error.strerror}") from error
            except json.JSONDecodeError as error:
                raise CommandError(f"{path}: not valid JSON: {error}") from error
            except UnicodeDecodeError as error:
                raise CommandError(f"{path}: not UTF-8 text (byte {error.start + 1}): save it as UTF-8") from error

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
            summary = (
                f"{path}: {counts['created']} created, {counts['updated']} updated, {counts['unchanged']} unchanged"
            )
            if report.errors:
                failed = True
                skipped = len({(error.kind, error.position) for error in report.errors})
                self.stdout.write(self.style.WARNING(f"{summary}, {skipped} skipped:"))
                for error in report.errors:
                    self.stdout.write(f"  {error}")
            else:
                self.stdout.write(self.style.SUCCESS(summary))
        if failed:
            raise CommandError("some records were not imported (see above)", returncode=1)
