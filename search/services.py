"""Every write to the search index: keeping it in step with the sources, and rebuilding it."""

from django.db import transaction

from . import registry
from .engines import get_engine


def sync_entries(kind, source_ids):
    """Read these objects of one source again: index those that are public, remove the others (unpublished,
    private, hidden, deleted). Returns {"indexed": n, "removed": n}."""
    source = registry.get_source(kind)
    if source is None:
        return {"indexed": 0, "removed": 0}
    source_ids = [str(source_id) for source_id in source_ids]
    engine = get_engine()
    with transaction.atomic():
        records = [record for record in source.records(ids=source_ids) if record.kind == kind]
        indexed = engine.index(records)
        entries = {entry for source_id in source_ids for entry in source.entry_ids(source_id)}
        gone = sorted(entries - {str(record.source_id) for record in records})
        removed = engine.remove(kind, gone) if gone else 0
    return {"indexed": indexed, "removed": removed}


def count_records(kinds=None):
    """How many objects a reindex goes through, or None when a source cannot say."""
    counts = [source.count() for source in _sources(kinds)]
    return None if None in counts else sum(counts)


def reindex(kinds=None, progress=None):
    """Rebuild the index from the sources (all of them, or those of `kinds`); `progress`, if given, is
    called once per record. Searches see the previous index until the new one is complete."""
    chosen = _sources(kinds)

    def records():
        for source in chosen:
            for record in source.records():
                yield record
                if progress:
                    progress()

    return get_engine().rebuild(records(), kinds=None if kinds is None else [source.kind for source in chosen])


def _sources(kinds):
    if kinds is None:
        return registry.sources()
    unknown = sorted(set(kinds) - set(registry.kinds()))
    if unknown:
        raise ValueError(f"no search source of kind {', '.join(unknown)}")
    return [registry.get_source(kind) for kind in kinds]
