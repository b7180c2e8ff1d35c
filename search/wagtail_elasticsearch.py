"""WAGTAILSEARCH_BACKENDS names a module: this one is Wagtail's Elasticsearch 9 backend with the portal's rules
for text (search.wagtail_search)."""

from .wagtail_search import elasticsearch as SearchBackend  # noqa: N812, F401 — the name Wagtail looks for
