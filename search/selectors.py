"""Reads of the search index, as the API gives them."""

from collections import defaultdict
from dataclasses import replace

from . import registry
from .engines import get_engine


def search(query):
    """The engine's results, less anything its source no longer makes public (see `only_public`). When the
    words as typed match nothing, the engine's correction of them ("did you mean"), searched instead:
    `results.corrected` says what was searched."""
    engine = get_engine()
    results = engine.search(query)
    if results.count == 0 and query.has_text:
        corrected = engine.correction(query)
        if corrected:
            results = engine.search(replace(query, text=corrected))
            results.corrected = corrected
    results.hits = only_public(results.hits)
    return results


def suggest(text, locale=None, limit=10):
    return only_public(get_engine().suggest(text, locale=locale, limit=limit))


def only_public(items):
    """The items (hits or suggestions) whose source still makes them public. Indexing follows a change
    once it commits, on a worker when there is one; this check on the page of results makes content that
    was unpublished or hidden a moment ago disappear at once, whatever the index's lag. The page sources are
    checked together, in one query (registry.public_page_ids)."""
    ids_by_kind = defaultdict(set)
    for item in items:
        ids_by_kind[item.kind].add(item.id)
    public, pages = set(), {}
    for kind, ids in ids_by_kind.items():
        source = registry.get_source(kind)
        if source is None:
            continue
        if registry.checks_pages(source):
            pages[source] = ids
        else:
            public |= {(kind, str(source_id)) for source_id in source.public_ids(ids)}
    for kind, ids in registry.public_page_ids(pages).items() if pages else ():
        public |= {(kind, source_id) for source_id in ids}
    return [item for item in items if (item.kind, item.id) in public]
