"""Whatever a citizen types: results or an empty list (a 400 for an unknown filter), never a 500, and a bounded
amount of work: as many database queries as for an ordinary query, whatever its length or syntax. (How fast, in
seconds, is measured by the search bench, not here: a timed test fails on a busy machine, not on slow code.)"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalogue")]


@factories.per_module
def catalogue():
    """The civil ID card's renewal among a few other services, in the search index."""
    civil_id = factories.service(
        "PACI-CID-002",
        "PACI",
        ar={"title": "تجديد البطاقة المدنية", "summary": "جدّد بطاقتك المدنية قبل انتهائها."},
        en={"title": "Renew the civil ID card", "summary": "Renew your civil ID card before it expires."},
    )
    others = factories.services(3)
    factories.search_index()
    return [civil_id, *others]


HOSTILE_QUERIES = {
    "8,000 characters": "البطاقة المدنية renew " * 360,
    "1,300 distinct words": " ".join(f"w{n}" for n in range(1_300)),
    "only punctuation": "!!! ... ؟؟ ،،، «» — ()[]{}",
    "unbalanced quotes": "\"تجديد البطاقة 'civil",
    "Elasticsearch syntax": 'title:(renew AND "civil) OR summary:* ~2 ^3 /.*/ {"query": {"match_all": {}}}',
    "Lucene ranges and fuzz": "[a TO z] civil~ renew* +card -visa",
    "SQL": "'; DROP TABLE portal_search_searchentry; -- \" OR 1=1 /*",
    "FTS5 syntax": 'NEAR(civil card, 2) OR "x"* AND NOT ^title: {title}: card*',
    "tsquery syntax": "civil & !card | (renew:* <-> visa) & ''",
    "mixed scripts": "تجديد البطاقة civil ID ٢٠٢٦ كارت",
    "emoji and symbols": "🪪🔥 ∑∞ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "only diacritics and tatweel": "ـــــ َ ُ ِ ّ ْ",
    "percent and underscore": "%_% \\ _%",
    "right-to-left marks": "\u202e\u200fتجديد\u200c\u200d",
    "a lone article": "ال",
}


@pytest.mark.parametrize("name", HOSTILE_QUERIES)
@pytest.mark.parametrize("endpoint", ["/api/v1/search/", "/api/v1/search/suggest/"])
def test_hostile_queries_get_results_or_nothing_with_bounded_work(client, endpoint, name):
    with CaptureQueriesContext(connection) as ordinary:
        assert client.get(endpoint, {"q": "تجديد البطاقة المدنية"}).status_code == 200
    with CaptureQueriesContext(connection) as hostile:
        response = client.get(endpoint, {"q": HOSTILE_QUERIES[name]})
    assert response.status_code == 200, response.content
    assert len(hostile) <= len(ordinary), f"{name}: {len(hostile)} queries, {len(ordinary)} for an ordinary one"


def test_a_long_query_is_cut_not_refused(search):
    response = search(q="البطاقة المدنية " * 500)
    assert response.status_code == 200
    assert response.json()["count"] > 0


@pytest.mark.parametrize("endpoint", ["/api/v1/search/", "/api/v1/search/suggest/"])
def test_a_query_over_the_portals_parameter_limit_is_a_clear_400(client, endpoint):
    response = client.get(endpoint, {"q": "البطاقة المدنية renew " * 455})  # 10,010 characters
    assert response.status_code == 400
    assert response.json()["code"] == "too_long"
    assert response.json()["field"] == "q"


def test_only_punctuation_finds_nothing(search):
    assert search(q="؟!...").json()["count"] == 0


def test_a_nul_character_is_refused_politely(search):
    response = search(q="civil\x00card")
    assert response.status_code == 400


@pytest.mark.parametrize("endpoint", ["/api/v1/search/", "/api/v1/search/suggest/"])
def test_unknown_filters_are_a_400_before_any_search(client, endpoint):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(endpoint, {"q": "x", "where": "1=1", "_": "123"})
    assert response.status_code == 400 and response.json()["code"] == "unknown_filter"
    assert not [query for query in queries if "search" in query["sql"].lower()]


MANY_WORDS = " ".join(f"كلمة{n}" for n in range(160))


@pytest.mark.parametrize("endpoint", ["/api/v2/pages/", "/api/v2/images/", "/api/v2/documents/"])
def test_the_content_api_searches_160_words_without_failing(client, endpoint):
    response = client.get(endpoint, {"search": MANY_WORDS})
    assert response.status_code == 200, response.content[:300]


def test_the_content_api_normalises_arabic_as_the_portals_search_does(client):
    from wagtail.models import Page

    page = Page.objects.live().filter(title__regex="[أإآ]").exclude(depth=1).first()
    assert page is not None, "the portal's home page has a title with a hamza on alef"
    word = next(word for word in page.title.split() if any(letter in word for letter in "أإآ"))
    typed = word.translate(str.maketrans("أإآ", "ااا"))  # as citizens type it, without the hamza
    for query in (word, typed):
        found = client.get("/api/v2/pages/", {"search": query, "limit": 100}).json()["items"]
        assert page.pk in [item["id"] for item in found], query
