"""The Elasticsearch 9 engine, on the client's built-in `elasticsearch.dsl`.

One index (behind the alias `<SEARCH_INDEX_PREFIX>-search`) holds every kind, with a `kind` field; docs/
search.md says why. Each text field exists per language — `title_ar`/`content_ar` analysed with Arabic
normalisation and the Arabic stemmer, `title_en`/`content_en` with the English analyzer — and every analyzer
starts with the `portal_normalise` char filter, generated from search.normalize's own table, so that the
index normalises exactly as the database engine and the queries do. Autocomplete uses an edge n-gram subfield
of each title; highlights and facets (terms aggregations) come from Elasticsearch itself.

The bodies built here (`index_body`, `search_body`, `suggest_body`) are the engine's contract; the tests
compare them with recorded JSON (tests/search/contracts/)."""

import logging
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime

from django.conf import settings
from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError, helpers
from elasticsearch.dsl import (
    Date,
    Document,
    Index,
    Keyword,
    Q,
    Search,
    Text,
    analyzer,
    char_filter,
    normalizer,
    token_filter,
)

from ..models import compose_content
from ..normalize import CHARACTER_MAP, REMOVED
from ..query import FACETS, MAX_QUERY_LENGTH, SearchHit, SearchQuery, SearchResults, Suggestion, facet_values
from .base import SearchEngine, SearchUnavailable

logger = logging.getLogger(__name__)

LANGUAGES = ("ar", "en")
TITLE_BOOST = 3
FRAGMENT_LENGTH = 220
BATCH_SIZE = 500
FACET_FIELDS = {"kind": "kind", "authority": "authority", "life_event": "life_events", "locale": "locale"}
FACET_SIZES = {"kind": 50, "authority": 200, "life_event": 200, "locale": 10}


def _escaped(text):
    return "".join(f"\\u{ord(character):04x}" for character in text)


def normalise_mappings():
    """The rules of the `portal_normalise` char filter: search.normalize's table, rule for rule."""
    mapped = [f"{_escaped(source)}=>{_escaped(target)}" for source, target in sorted(CHARACTER_MAP.items())]
    removed = [f"{_escaped(character)}=>" for character in sorted(REMOVED)]
    return mapped + removed


portal_normalise = char_filter("portal_normalise", type="mapping", mappings=normalise_mappings())
arabic_stemmer = token_filter("portal_arabic_stemmer", type="stemmer", language="arabic")
english_stop = token_filter("portal_english_stop", type="stop", stopwords="_english_")
english_stemmer = token_filter("portal_english_stemmer", type="stemmer", language="english")
english_possessive = token_filter("portal_english_possessive", type="stemmer", language="possessive_english")
edge_ngram = token_filter("portal_edge_ngram", type="edge_ngram", min_gram=1, max_gram=20)

ANALYZERS = {
    "ar": analyzer(
        "portal_arabic",
        char_filter=[portal_normalise],
        tokenizer="standard",
        filter=["lowercase", "decimal_digit", "arabic_normalization", arabic_stemmer],
    ),
    "en": analyzer(
        "portal_english",
        char_filter=[portal_normalise],
        tokenizer="standard",
        filter=[english_possessive, "lowercase", "decimal_digit", english_stop, english_stemmer],
    ),
}
# Words as typed, normalised but not stemmed: what autocomplete matches, and its n-grams.
words_analyzer = analyzer(
    "portal_words",
    char_filter=[portal_normalise],
    tokenizer="standard",
    filter=["lowercase", "decimal_digit", "arabic_normalization"],
)
autocomplete_analyzer = analyzer(
    "portal_autocomplete",
    char_filter=[portal_normalise],
    tokenizer="standard",
    filter=["lowercase", "decimal_digit", "arabic_normalization", edge_ngram],
)
keyword_normalizer = normalizer("portal_keyword", char_filter=[portal_normalise], filter=["lowercase"])


def _title_field(language):
    return Text(
        analyzer=ANALYZERS[language],
        fields={
            "autocomplete": Text(analyzer=autocomplete_analyzer, search_analyzer=words_analyzer),
            "sort": Keyword(normalizer=keyword_normalizer, ignore_above=256),
        },
    )


class SearchDocument(Document):
    """One searchable object in one language; only its language's title_*/content_* fields are set."""

    kind = Keyword()
    source_id = Keyword()
    locale = Keyword()
    authority = Keyword()
    status = Keyword()
    life_events = Keyword()
    date = Date()
    url = Keyword(index=False, doc_values=False)
    summary = Text(index=False)
    title_ar = _title_field("ar")
    content_ar = Text(analyzer=ANALYZERS["ar"])
    title_en = _title_field("en")
    content_en = Text(analyzer=ANALYZERS["en"])


def document_id(kind, source_id):
    return f"{kind}:{source_id}"


def document_from_record(record):
    """The document of one record, as sent to Elasticsearch."""
    record = record.cleaned()
    document = {
        "kind": record.kind,
        "source_id": record.source_id,
        "locale": record.locale,
        "authority": record.authority,
        "status": record.status,
        "life_events": list(record.life_events),
        "date": record.date.isoformat() if record.date else None,
        "url": record.url,
        "summary": record.summary,
        f"title_{record.locale}": record.title,
        f"content_{record.locale}": compose_content(record.summary, record.body),
    }
    return {name: value for name, value in document.items() if value not in (None, "", [])}


def _fuzzy(variant):
    """A misspelt English word still matches (fuzziness AUTO: one edit from 3 letters, two from 6; the first
    letter as typed): Elasticsearch's answer to what the database engine does with `correction`. Arabic words
    are matched exactly (their forms are already many, normalize.query_words)."""
    return {"fuzziness": "AUTO", "prefix_length": 1} if variant.isascii() and variant.isalpha() else {}


class ElasticsearchEngine(SearchEngine):
    name = "elasticsearch"

    def __init__(self, url, prefix, client=None):
        self.url = url
        self.alias = f"{prefix}-search"
        self._client = client
        self._index_ready = False

    @property
    def client(self):
        if self._client is None:
            self._client = Elasticsearch(self.url, request_timeout=settings.SEARCH_ELASTICSEARCH_TIMEOUT)
        return self._client

    # --- The index ------------------------------------------------------------------------------------

    def index_definition(self, name):
        index = Index(name)
        index.settings(number_of_shards=1, number_of_replicas=settings.SEARCH_ELASTICSEARCH_REPLICAS)
        index.document(SearchDocument)
        return index

    def index_body(self):
        """The settings and mappings every concrete index is created with."""
        return self.index_definition(self.alias).to_dict()

    def _new_index(self):
        name = f"{self.alias}-{datetime.now(UTC):%Y%m%d%H%M%S%f}"
        self.client.indices.create(index=name, **self.index_body())
        return name

    def ensure_index(self):
        if self._index_ready:
            return
        with _unavailable_on_error():
            if not self.client.indices.exists_alias(name=self.alias):
                name = self._new_index()
                self.client.indices.put_alias(index=name, name=self.alias)
        self._index_ready = True

    def refresh(self):
        with _unavailable_on_error():
            self.client.indices.refresh(index=self.alias)

    def drop(self):
        """Delete every index behind the alias (used by the live tests)."""
        with _unavailable_on_error():
            try:
                names = list(self.client.indices.get_alias(name=self.alias))
            except NotFoundError:
                names = []
            for name in names:
                self.client.indices.delete(index=name)
        self._index_ready = False

    # --- Writing --------------------------------------------------------------------------------------

    def _actions(self, records, index):
        for record in records:
            yield {
                "_op_type": "index",
                "_index": index,
                "_id": document_id(record.kind, record.source_id),
                "_source": document_from_record(record),
            }

    def _bulk(self, actions):
        with _unavailable_on_error():
            written, _errors = helpers.bulk(self.client, actions, chunk_size=BATCH_SIZE, ignore_status=(404,))
        return written

    def index(self, records):
        self.ensure_index()
        return self._bulk(self._actions(records, self.alias))

    def remove(self, kind, source_ids):
        ids = [document_id(kind, source_id) for source_id in source_ids]
        if not ids:
            return 0
        self.ensure_index()
        return self._bulk({"_op_type": "delete", "_index": self.alias, "_id": id_} for id_ in ids)

    def rebuild(self, records, kinds=None):
        if kinds is not None:
            self.ensure_index()
            with _unavailable_on_error():
                self.client.delete_by_query(
                    index=self.alias, query={"terms": {"kind": list(kinds)}}, refresh=True, conflicts="proceed"
                )
            return self.index(records)
        # Everything: a new index, filled, then the alias moved to it in one step.
        with _unavailable_on_error():
            name = self._new_index()
            written = self._bulk(self._actions(records, name))
            self.client.indices.refresh(index=name)
            try:
                previous = list(self.client.indices.get_alias(name=self.alias))
            except NotFoundError:
                previous = []
            actions = [{"remove": {"index": old, "alias": self.alias}} for old in previous]
            actions.append({"add": {"index": name, "alias": self.alias}})
            self.client.indices.update_aliases(actions=actions)
            for old in previous:
                self.client.indices.delete(index=old)
        self._index_ready = True
        return written

    # --- Reading --------------------------------------------------------------------------------------

    def search_body(self, query):
        """The body of the search request for `query`."""
        search = Search()
        filters = _filters(query)
        if query.has_text:
            languages = [query.locale] if query.locale else list(LANGUAGES)
            per_language = []
            for language in languages:
                fields = [f"title_{language}^{TITLE_BOOST}", f"content_{language}"]
                must = [
                    Q(
                        "bool",
                        should=[
                            Q("multi_match", query=variant, fields=fields, zero_terms_query="all", **_fuzzy(variant))
                            for variant in variants
                        ],
                        minimum_should_match=1,
                    )
                    for variants in query.word_variants
                ]
                per_language.append(Q("bool", filter=[Q("term", locale=language)], must=must))
            search = search.query(Q("bool", filter=filters, should=per_language, minimum_should_match=1))
            search = search.highlight(
                *[f"content_{language}" for language in languages],
                fragment_size=FRAGMENT_LENGTH,
                number_of_fragments=1,
            ).highlight_options(pre_tags=["<mark>"], post_tags=["</mark>"], encoder="html")
        else:
            search = search.query(Q("bool", filter=filters))
        for facet in FACETS:
            search.aggs.bucket(facet, "terms", field=FACET_FIELDS[facet], size=FACET_SIZES[facet])
        if query.by_date:
            search = search.sort({"date": {"order": "desc", "missing": "_last"}}, "_score")
        else:
            search = search.sort("_score", {"date": {"order": "desc", "missing": "_last"}})
        search = search.source(
            ["kind", "source_id", "locale", "title_ar", "title_en", "summary", "url", "authority", "date"]
        )
        search = search.extra(track_total_hits=True)
        return search[query.offset : query.offset + query.page_size].to_dict()

    def search(self, query):
        results = SearchResults(page=query.page, page_size=query.page_size)
        if query.has_text and not query.words:
            return results
        if query.beyond_window:
            query = replace(query, page=1, page_size=0)  # counts and facets only
        raw = self._search(self.search_body(query))
        if raw is None:
            return results
        return results_from_response(raw, results)

    def suggest_body(self, text, locale=None, limit=10):
        probe = SearchQuery(text=text)
        words = probe.word_variants[:5]
        if not words:
            return None
        languages = [locale] if locale else list(LANGUAGES)
        must = [
            Q(
                "bool",
                should=[
                    Q("match", **{f"title_{language}.autocomplete": {"query": variant, "operator": "and"}})
                    for language in languages
                    for variant in variants
                ],
                minimum_should_match=1,
            )
            for variants in words
        ]
        title_starts = [
            Q("prefix", **{f"title_{language}.sort": {"value": variant}})
            for language in languages
            for variant in words[0]
        ]
        filters = [Q("term", locale=locale)] if locale else []
        search = Search().query(Q("bool", filter=filters, must=must, should=title_starts))
        search = search.source(["kind", "source_id", "locale", "title_ar", "title_en", "url"])
        return search[:limit].to_dict()

    def suggest(self, text, locale=None, limit=10):
        body = self.suggest_body((text or "")[:MAX_QUERY_LENGTH], locale, limit)
        if body is None:
            return []
        raw = self._search(body)
        if raw is None:
            return []
        suggestions = []
        for hit in raw["hits"]["hits"]:
            source = hit["_source"]
            suggestions.append(
                Suggestion(
                    kind=source["kind"],
                    id=source["source_id"],
                    title=source.get(f"title_{source['locale']}", ""),
                    url=source.get("url", ""),
                )
            )
        return suggestions

    def _search(self, body):
        with _unavailable_on_error():
            try:
                return self.client.search(index=self.alias, body=body).body
            except NotFoundError:
                return None  # no index yet: nothing has been indexed


def _filters(query):
    filters = []
    if query.kinds:
        filters.append(Q("terms", kind=list(query.kinds)))
    if query.authorities:
        filters.append(Q("terms", authority=list(query.authorities)))
    if query.locale:
        filters.append(Q("term", locale=query.locale))
    if query.statuses:
        filters.append(Q("terms", status=list(query.statuses)))
    if query.life_events:
        filters.append(Q("terms", life_events=list(query.life_events)))
    if query.date_from or query.date_to:
        bounds = {}
        if query.date_from:
            bounds["gte"] = query.date_from.isoformat()
        if query.date_to:
            bounds["lte"] = query.date_to.isoformat()
        filters.append(Q("range", date=bounds))
    return filters


def results_from_response(raw, results):
    """A SearchResults from the raw JSON of an Elasticsearch search response."""
    results.count = raw["hits"]["total"]["value"]
    aggregations = raw.get("aggregations", {})
    results.facets = {
        facet: facet_values(
            {bucket["key"]: bucket["doc_count"] for bucket in aggregations.get(facet, {}).get("buckets", [])}
        )
        for facet in FACETS
    }
    for hit in raw["hits"]["hits"]:
        source = hit["_source"]
        locale = source["locale"]
        fragments = hit.get("highlight", {}).get(f"content_{locale}", [])
        results.hits.append(
            SearchHit(
                kind=source["kind"],
                id=source["source_id"],
                locale=locale,
                title=source.get(f"title_{locale}", ""),
                url=source.get("url", ""),
                summary=source.get("summary", ""),
                highlight=fragments[0] if fragments else "",
                authority=source.get("authority", ""),
                date=datetime.fromisoformat(source["date"]) if source.get("date") else None,
            )
        )
    return results


@contextmanager
def _unavailable_on_error():
    """A connection failure or an error answer from Elasticsearch becomes SearchUnavailable (a 503)."""
    try:
        yield
    except NotFoundError:
        raise
    except (TransportError, ApiError) as error:
        logger.warning("search engine unavailable: %s", error)
        raise SearchUnavailable() from error
