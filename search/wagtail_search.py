"""Wagtail's search backend as the portal configures it: the content API's `?search=` (`/api/v2/pages/`,
`images/`, `documents/`) and the admin's search.

It is Wagtail's database backend for the database in use (`search.wagtail_search`), or with ELASTICSEARCH_URL
its Elasticsearch 9 backend (`search.wagtail_search.elasticsearch`, named in WAGTAILSEARCH_BACKENDS by
`search.wagtail_elasticsearch`), with the portal's rules for text (docs/search.md):

- a query has at most `search.query.MAX_QUERY_WORDS` distinct words, the same limit as `/api/v1/search/` (the
  database backends build one nested expression per word: about 160 words were a RecursionError, a 500);
- queries and indexed text are normalised by `search.normalize.normalise`, so that `الزام` finds `إلزام`
  as it does in the portal's own search. After deploying a change to the normalisation, `manage.py
  update_index` rewrites Wagtail's index."""

import sys

from modelsearch.backends.database import SearchBackend as database_backend
from modelsearch.backends.elasticsearch9 import Elasticsearch9Mapping, Elasticsearch9SearchBackend
from modelsearch.index import AutocompleteField, SearchField

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


def _normalised(value):
    if isinstance(value, str):
        return normalise(value)
    if isinstance(value, list):
        return [_normalised(item) for item in value]
    return value


class NormalisingMapping(Elasticsearch9Mapping):
    """The documents sent to Elasticsearch with their searched text normalised as the database backend's is;
    values kept for filtering and ordering (FilterField) are sent as they are."""

    def _get_document_field_data(self, field, obj):
        name, value, edgengrams = super()._get_document_field_data(field, obj)
        if isinstance(field, (SearchField, AutocompleteField)):
            value = _normalised(value)
        return name, value, _normalised(edgengrams)


class PortalElasticsearchBackend(PortalRules, Elasticsearch9SearchBackend):
    mapping_class = NormalisingMapping


def elasticsearch(params):
    """The Elasticsearch 9 backend with the portal's rules (search.wagtail_elasticsearch names it to Wagtail)."""
    return PortalElasticsearchBackend(params)
