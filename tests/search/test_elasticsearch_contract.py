"""The Elasticsearch engine by contract: the index settings and mappings, the documents and the query
bodies it sends are compared with recorded JSON (tests/search/contracts/); no server is needed."""

import json
import re
from datetime import UTC, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings

from search.engines.elasticsearch import ElasticsearchEngine, document_from_record, normalise_mappings
from search.normalize import normalise
from search.query import SearchQuery
from search.registry import SearchRecord
from tests import factories

from .contracts import CONTRACTS, assert_matches_contract

KUWAIT = ZoneInfo("Asia/Kuwait")


class FakeElasticsearch:
    """Records the requests and answers with a recorded response."""

    def __init__(self, response):
        self.response = response
        self.searches = []

    def search(self, index, body):
        self.searches.append((index, body))
        return SimpleNamespace(body=self.response)


@pytest.fixture
def engine():
    with override_settings(SEARCH_ELASTICSEARCH_REPLICAS=0):
        yield ElasticsearchEngine("http://elasticsearch.invalid:9200", "portal")


def test_the_index_settings_and_mappings(engine):
    assert_matches_contract("index", engine.index_body())


def test_the_char_filter_applies_the_python_normalisation_rule_for_rule():
    def apply(rules, text):
        table = {}
        for rule in rules:
            source, target = rule.split("=>")
            decode = lambda escaped: "".join(chr(int(code, 16)) for code in re.findall(r"\\u([0-9a-f]{4})", escaped))  # noqa: E731
            table[decode(source)] = decode(target)
        return "".join(table.get(character, character) for character in text)

    sample = "أإآٱ ؤ ئ ة ى ـ مُعَامَلَةٌ ٠١٢٣٤٥٦٧٨٩ ۰۹ ی ک \u200f\u200c ٰ"
    assert apply(normalise_mappings(), sample).lower() == normalise(sample)


@pytest.mark.parametrize(
    ("name", "query"),
    [
        ("search_arabic", SearchQuery(text="الكترونيه معامله")),
        (
            "search_english_filtered_by_date",
            SearchQuery(
                text="Renewing work permits",
                kinds=("service",),
                authorities=("PAM",),
                locale="en",
                statuses=("available",),
                life_events=("employment", "starting-a-business"),
                date_from=datetime(2026, 1, 1, tzinfo=KUWAIT),
                date_to=datetime(2026, 12, 31, 23, 59, 59, tzinfo=KUWAIT),
                order="date",
                page=2,
                page_size=10,
            ),
        ),
        ("search_browse", SearchQuery(locale="ar", life_events=("family",))),
        # The citizens' variants (tests/search/relevance.py): hamza on another seat, a broken plural, a prefix
        # with the article; a typo and the US spelling (matched with fuzziness and the UK spelling).
        ("search_arabic_variants", SearchQuery(text="الشئون تراخيص للبطاقة", locale="ar")),
        ("search_english_variants", SearchQuery(text="comercial license", locale="en")),
        ("search_hostile", SearchQuery(text='title:(renew AND "civil) OR 1=1; -- البطاقة*')),
    ],
)
def test_search_bodies(engine, name, query):
    assert_matches_contract(name, engine.search_body(query))


@pytest.mark.parametrize(
    ("name", "text", "locale"),
    [("suggest_arabic", "بطاق", None), ("suggest_english", "renew wo", "en")],
)
def test_suggest_bodies(engine, name, text, locale):
    assert_matches_contract(name, engine.suggest_body(text, locale))


def test_the_document_of_a_record(engine):
    record = SearchRecord(
        kind="service",
        source_id="42",
        locale="ar",
        title="إنشاء حساب في بوابة الحكومة الإلكترونية",
        url="/ar/services/cait/create-account/",
        summary="أنشئ حسابًا في البوابة.",
        body="CAIT-ACC-001\nالجهاز المركزي لتكنولوجيا المعلومات\x00",
        authority="CAIT",
        status="available",
        life_events=("identity-and-documents", "identity-and-documents"),
        date=datetime(2026, 11, 1, 9, 30, tzinfo=UTC),
    )
    assert_matches_contract("document", document_from_record(record))


def test_a_recorded_response_becomes_results():
    raw = json.loads((CONTRACTS / "response_arabic.json").read_text(encoding="utf-8"))
    engine = ElasticsearchEngine("http://elasticsearch.invalid:9200", "portal", client=FakeElasticsearch(raw))
    results = engine.search(SearchQuery(text="الكترونيه معامله"))
    assert results.count == 2
    assert [(hit.kind, hit.id, hit.locale, hit.authority) for hit in results.hits] == [
        ("service", "101", "ar", "CAIT"),
        ("service", "202", "ar", "PAM"),
    ]
    assert results.hits[0].title == "إنشاء حساب في بوابة الحكومة الإلكترونية"
    assert results.hits[0].highlight.startswith("أنشئ حسابًا في بوابة الحكومة <mark>الإلكترونية</mark>")
    assert results.hits[1].highlight == ""
    assert results.hits[0].date == datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
    assert [(value.value, value.count) for value in results.facets["authority"]] == [("CAIT", 1), ("PAM", 1)]
    assert [(value.value, value.count) for value in results.facets["life_event"]][0] == ("employment", 1)
    index, body = engine.client.searches[0]
    assert index == "portal-search"
    assert body == json.loads((CONTRACTS / "search_arabic.json").read_text(encoding="utf-8"))


@pytest.mark.django_db
def test_the_api_answers_from_elasticsearch_with_the_same_shape(client, monkeypatch):
    page = factories.service("CAIT-ACC-001", "CAIT")
    raw = json.loads((CONTRACTS / "response_arabic.json").read_text(encoding="utf-8"))
    raw["hits"]["hits"][0]["_source"]["source_id"] = str(page.pk)  # a page that exists and is public
    engine = ElasticsearchEngine("http://elasticsearch.invalid:9200", "portal", client=FakeElasticsearch(raw))
    monkeypatch.setattr("search.selectors.get_engine", lambda: engine)
    data = client.get("/api/v1/search/", {"q": "الكترونيه معامله"}).json()
    assert data["count"] == 2
    # The second hit names a page that does not exist: the check on the page of results drops it.
    assert [item["id"] for item in data["results"]] == [str(page.pk)]
    assert set(data["results"][0]) == {
        "kind",
        "id",
        "title",
        "url",
        "summary",
        "highlight",
        "locale",
        "authority",
        "date",
    }
    assert data["facets"]["kind"] == [{"value": "service", "count": 2}]
