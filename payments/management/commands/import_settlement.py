from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation
from django.utils.translation import gettext as _
from tqdm import tqdm

from core.management.files import add_arguments, read, refused
from payments.errors import InvalidSettlement
from payments.services.reconciliation import import_settlement, line_count, status_counts


class Command(BaseCommand):
    help = (
        "Import the acquirer's settlement file (CSV: settlement_date, track_id, transaction_id, amount, currency; "
        "docs/payments.md) and match each line to a payment. A file with any bad line is refused whole."
    )

    def add_arguments(self, parser):
        add_arguments(parser, "the settlement file, CSV in UTF-8")

    def handle(self, *args, file, language=None, no_progress=False, **options):
        with translation.override(language or settings.LANGUAGE_CODE):
            self.run(Path(file), no_progress)

    def run(self, path, no_progress):
        data = read(path)
        bar = {"disable": no_progress or None, "file": self.stderr._out, "unit": "line", "leave": False}
        with tqdm(total=line_count(data), desc=_("checking"), **bar) as checking:

            def progress(read, total):
                checking.total = total
                checking.update(read - checking.n)

            try:
                settlement = import_settlement(data, file_name=path.name, progress=progress)
            except InvalidSettlement as refusal:
                raise refused(self, path, refusal) from None
        self.stdout.write(
            self.style.SUCCESS(
                _("%(file)s: %(lines)d lines, %(dates)s; %(counts)s")
                % {
                    "file": path.name,
                    "lines": settlement.lines,
                    "dates": f"{settlement.first_date}–{settlement.last_date}",
                    "counts": ", ".join(f"{count} {status}" for status, _label, count in status_counts(settlement)),
                }
            )
        )
