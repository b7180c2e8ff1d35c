"""The Elasticsearch engine against a real Elasticsearch 9. Runs when ELASTICSEARCH_URL is set (see
docs/search.md for starting one); each run uses indices of its own and deletes them at the end."""

import os
from itertools import chain

import pytest
from django.test import override_settings

from cms.models import ServicePage
from search import registry
from search.engines.elasticsearch import ElasticsearchEngine
from search.normalize import words
from search.query import SearchQuery

ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL")
pytestmark = [
    pytest.mark.skipif(
        not ELASTICSEARCH_URL, reason="needs a real Elasticsearch 9: set ELASTICSEARCH_URL (docs/search.md)"
    ),
    pytest.mark.django_db,
    # The relevance measure and the services named below are the demo's (tests/search/relevance.py).
    pytest.mark.usefixtures("demo"),
]
PREFIX = f"portal-test-{os.getpid()}"


@pytest.fixture(scope="module")
def engine(django_db_setup, django_db_blocker):
    engine = ElasticsearchEngine(ELASTICSEARCH_URL, PREFIX)
    with django_db_blocker.unblock():
        engine.rebuild(chain.from_iterable(source.records() for source in registry.sources()))
    yield engine
    engine.drop()


def service(service_id, language):
    return ServicePage.objects.get(service_id=service_id, locale__language_code=language)


def found(engine, text, **filters):
    return [hit.id for hit in engine.search(SearchQuery(text=text, page_size=50, **filters)).hits]


def test_the_index_is_behind_one_alias_and_holds_the_catalogue(engine):
    assert len(engine.client.indices.get_alias(name=engine.alias)) == 1
    assert engine.search(SearchQuery(page_size=0)).count == ServicePage.objects.live().public().count()


@pytest.mark.parametrize(
    "text",
    ["الإلكترونية", "الكترونيه", "مُعامَلة ١٢٣", "خدمة إلكترونيّة", "ٱلبطاقة المدنيـــة", "Civil ID CARD"],
)
def test_elasticsearch_normalises_words_exactly_as_python_does(engine, text):
    tokens = engine.client.indices.analyze(index=engine.alias, analyzer="portal_words", text=text)["tokens"]
    assert [token["token"] for token in tokens] == words(text)


def test_alkatrunia_and_muamala_find_what_is_written_with_hamza_and_taa_marbuta(engine):
    assert str(service("CAIT-ACC-001", "ar").pk) in found(engine, "الكترونيه", locale="ar")
    assert str(service("PAM-EN-001", "ar").pk) in found(engine, "معامله")


def test_highlights_mark_the_original_text(engine):
    results = engine.search(SearchQuery(text="الكترونيه", locale="ar"))
    page_id = str(service("CAIT-ACC-001", "ar").pk)
    hit = next(hit for hit in results.hits if hit.id == page_id)
    assert "<mark>الإلكترونية</mark>" in hit.highlight


def test_filters_and_facets(engine):
    results = engine.search(SearchQuery(authorities=("PAM",), locale="en", page_size=50))
    expected = ServicePage.objects.live().filter(authority__code="PAM", locale__language_code="en").count()
    assert results.count == expected == len(results.hits)
    assert [(value.value, value.count) for value in results.facets["authority"]] == [("PAM", expected)]
    dated = engine.search(SearchQuery(order="date", locale="en", page_size=50)).hits
    assert [hit.date for hit in dated] == sorted((hit.date for hit in dated), reverse=True)


def test_suggestions(engine):
    titles = [suggestion.title for suggestion in engine.suggest("بطاق", locale="ar")]
    assert titles and all("البطاقة" in title for title in titles)
    assert [suggestion.title for suggestion in engine.suggest("renew wo", locale="en")] == ["Renew a work permit"]


def test_removed_content_is_gone(engine):
    page = service("MOJ-CS-001", "en")
    engine.remove("service", [str(page.pk)])
    engine.refresh()
    try:
        assert str(page.pk) not in found(engine, "court case", locale="en")
    finally:
        engine.index(registry.get_source("service").records(ids=[str(page.pk)]))
        engine.refresh()
    assert str(page.pk) in found(engine, "court case", locale="en")


@pytest.mark.parametrize("q", ["x" * 10_000, "\"'; DROP TABLE x; --", 'title:(a AND "b', "!!! ؟؟", "تجديد civil ٢٠٢٦"])
def test_the_api_on_elasticsearch_never_fails_on_bad_input(engine, client, q):
    with override_settings(ELASTICSEARCH_URL=ELASTICSEARCH_URL, SEARCH_INDEX_PREFIX=PREFIX):
        assert client.get("/api/v1/search/", {"q": q}).status_code == 200
        assert client.get("/api/v1/search/suggest/", {"q": q}).status_code == 200


def test_citizens_variant_queries_find_the_service_they_mean(engine):
    """The same variant queries and the same thresholds as the database engine (tests/search/relevance.py)."""
    from .relevance import MRR, RECALL_AT_10, measure

    service_ids = dict(ServicePage.objects.values_list("pk", "service_id"))

    def search(text, locale):
        hits = engine.search(SearchQuery(text=text, locale=locale, page_size=10)).hits
        return [service_ids.get(int(hit.id)) if hit.kind == "service" else None for hit in hits], [
            hit.title for hit in hits
        ]

    result = measure(search)
    print(result.report())
    assert result.recall_at_10 >= RECALL_AT_10 and result.mrr >= MRR, result.report()
