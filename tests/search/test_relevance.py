"""Recall@10 and MRR over the citizens' variant queries (tests/search/relevance.py), on the database engine of
this run: SQLite on the embedded default, PostgreSQL with DATABASE_URL. Searched as the search page does (the
page's language, every kind)."""

import pytest

from cms.models import ServicePage
from search import selectors
from search.query import SearchQuery

from .relevance import MRR, RECALL_AT_10, measure

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]


def database_search():
    service_ids = dict(ServicePage.objects.values_list("pk", "service_id"))

    def search(text, locale):
        results = selectors.search(SearchQuery(text=text, locale=locale, page_size=10))
        hits = [hit for hit in results.hits]
        ids = [service_ids.get(int(hit.id)) if hit.kind == "service" else None for hit in hits]
        return ids, [hit.title for hit in hits]

    return search


def test_citizens_variant_queries_find_the_service_they_mean():
    result = measure(database_search())
    print(result.report())
    assert result.recall_at_10 >= RECALL_AT_10, result.report()
    assert result.mrr >= MRR, result.report()
