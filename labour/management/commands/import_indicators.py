from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _
from tqdm import tqdm

from core.errors import InvalidInput
from core.management.files import add_arguments, read, refused
from labour.models import Dataset
from labour.services import IndicatorFileRefused, import_indicators


class Command(BaseCommand):
    help = (
        "Import labour-market indicators from an SDMX-CSV or ILOSTAT bulk CSV file (docs/labour.md). "
        "A file with any bad row is refused whole; importing the same file again changes nothing."
    )

    def add_arguments(self, parser):
        add_arguments(parser, "an SDMX-CSV or ILOSTAT bulk CSV file, UTF-8")
        parser.add_argument("--dataset", help="code of the dataset the observations belong to (default: msal)")

    def handle(self, *args, file, dataset=None, language=None, no_progress=False, **options):
        with translation.override(language or settings.LANGUAGE_CODE):
            self.run(Path(file), dataset, no_progress)

    def run(self, path, dataset_code, no_progress):
        data = read(path)
        dataset = None
        if dataset_code:
            dataset = Dataset.objects.filter(code=dataset_code).first()
            if dataset is None:
                raise CommandError(_("There is no dataset “%(code)s”.") % {"code": dataset_code})
        bar_options = {"disable": no_progress or None, "file": self.stderr._out, "unit": "row", "leave": False}
        with (
            tqdm(total=data.count(b"\n"), desc=_("checking"), **bar_options) as checking,
            tqdm(desc=_("writing"), **bar_options) as writing,
        ):
            try:
                record = import_indicators(
                    data,
                    file_name=path.name,
                    dataset=dataset,
                    progress=lambda: checking.update(1),
                    written=writing.update,
                )
            except IndicatorFileRefused as refusal:
                raise refused(self, path, refusal) from None
            except InvalidInput as refusal:  # an empty file
                raise CommandError(f"{path.name}: {refusal.message}", returncode=1) from None
        self.stdout.write(
            self.style.SUCCESS(
                _("%(file)s: %(rows)d rows; %(created)d cells created, %(updated)d updated, %(unchanged)d unchanged")
                % {
                    "file": path.name,
                    "rows": record.rows,
                    "created": record.created,
                    "updated": record.updated,
                    "unchanged": record.unchanged,
                }
            )
        )
