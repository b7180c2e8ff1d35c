import json
import sys

from django.core.management.base import BaseCommand

from cms.selectors import export_catalogue


class Command(BaseCommand):
    help = "Export authorities, life events and services in the catalogue format (docs/import-format.md)."

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", help="file to write (default: standard output)")

    def handle(self, *args, output=None, **options):
        text = json.dumps(export_catalogue(), ensure_ascii=False, indent=2) + "\n"
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text)
            self.stderr.write(f"wrote {output}")
        else:
            sys.stdout.write(text)
