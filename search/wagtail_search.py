"""Wagtail's search backend as the portal configures it (WAGTAILSEARCH_BACKENDS without ELASTICSEARCH_URL): the
content API's `?search=` (`/api/v2/pages/`, `images/`, `documents/`) and the admin's search.

It is Wagtail's database backend for the database in use, with the portal's rules for text (docs/search.md):

- a query has at most `search.query.MAX_QUERY_WORDS` distinct words, the same limit as `/api/v1/search/` (the
  database backends build one nested expression per word: about 160 words were a RecursionError, a 500);
- queries and indexed text are normalised by `search.normalize.normalise`, so that `الزام` finds `إلزام`
  as it does in the portal's own search. After deploying a change to the normalisation, `manage.py
  update_index` rewrites Wagtail's index."""

import sys

from modelsearch.backends.database import SearchBackend as database_backend

from .normalize import normalise, words
from .query import MAX_QUERY_WORDS


def portal_query(query):
    """A query string as the backend searches it: its first MAX_QUERY_WORDS distinct words, normalised. (Wagtail's
    query objects, which only code builds, are left as they are.)"""
    if not isinstance(query, str):
        return query
    return " ".join(words(query, limit=MAX_QUERY_WORDS))


class PortalRules:
    def _search(self, query_compiler_class, query, model_or_queryset, **kwargs):
        return super()._search(query_compiler_class, portal_query(query), model_or_queryset, **kwargs)


def _normalise_indexed_text(module):
    """Wagtail's database backends read an object's text through their module's `ObjectIndexer`: the portal's one
    normalises every value it prepares. Done once per backend module."""
    indexer = getattr(module, "ObjectIndexer", None)
    if indexer is None or getattr(indexer, "normalises", False):
        return

    class NormalisingIndexer(indexer):
        normalises = True

        def prepare_value(self, value):
            return normalise(super().prepare_value(value))

    module.ObjectIndexer = NormalisingIndexer


def SearchBackend(params):  # noqa: N802 — the name Wagtail looks for in a backend module
    backend = database_backend(params)
    base = type(backend)
    _normalise_indexed_text(sys.modules[base.__module__])
    return type(f"Portal{base.__name__}", (PortalRules, base), {})(params)
