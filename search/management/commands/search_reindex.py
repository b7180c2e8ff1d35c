from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from search import registry, services
from search.engines import get_engine


class Command(BaseCommand):
    help = (
        "Rebuild the search index from every registered source (or only --kind ones). Searches go on "
        "using the previous index until the new one is complete."
    )

    def add_arguments(self, parser):
        parser.add_argument("--kind", action="append", choices=registry.kinds(), help="Only this kind (repeatable).")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, kind=None, no_progress=False, **options):
        engine = get_engine()
        try:
            total = services.count_records(kind)
        except ValueError as error:
            raise CommandError(str(error)) from error
        with tqdm(
            total=total,
            desc=f"search ({engine.name})",
            unit="record",
            disable=no_progress or None,
            file=self.stderr._out,
        ) as bar:
            written = services.reindex(kind, progress=lambda: bar.update(1))
        self.stdout.write(self.style.SUCCESS(f"Indexed {written} records with the {engine.name} engine."))
