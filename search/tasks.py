"""Indexing runs as tasks: inline on the embedded default (ImmediateBackend), on a worker otherwise."""

from django_tasks import task

from . import services


@task()
def sync_entries(kind: str, source_ids: list[str]) -> dict:
    return services.sync_entries(kind, source_ids)
