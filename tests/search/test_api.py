import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from tests import factories

pytestmark = pytest.mark.django_db


def test_an_unknown_filter_is_a_400_that_names_it(search):
    response = search(q="تجديد", colour="blue")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "unknown_filter"
    assert "colour" in body["detail"] and set(body) == {"detail", "code"}


@pytest.mark.parametrize(
    "params",
    [
        {"page": "0"},
        {"page": "two"},
        {"page_size": "500"},
        {"locale": "fr"},
        {"order": "popularity"},
        {"date_from": "yesterday"},
        {"kind": "x" * 100},
    ],
)
def test_a_malformed_value_is_a_400_invalid(search, params):
    response = search(**params)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_suggest_refuses_unknown_parameters_too(suggest):
    response = suggest(q="تج", page="2")
    assert response.status_code == 400 and response.json()["code"] == "unknown_filter"


def test_a_search_engine_that_cannot_be_reached_is_a_503_not_a_500(search, suggest):
    with override_settings(ELASTICSEARCH_URL="http://127.0.0.1:9", SEARCH_ELASTICSEARCH_TIMEOUT=1):
        response = search(q="تجديد")
        assert response.status_code == 503
        assert response.json()["code"] == "search_unavailable"
        assert suggest(q="تج").status_code == 503


def test_the_endpoints_are_described_in_the_openapi_schema(client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    text = response.content.decode()
    assert "/api/v1/search/" in text and "/api/v1/search/suggest/" in text
    for parameter in ("life_event", "date_from", "page_size", "order"):
        assert f"name: {parameter}" in text or f'"name": "{parameter}"' in text


def test_dates_the_wrong_way_round_are_a_400_that_says_so(search):
    response = search(date_from="2026-03-01", date_to="2026-02-01")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["detail"].startswith("date_to:") and "date_from" in body["detail"]
    assert search(date_from="2026-03-01", date_to="2026-03-01").status_code == 200  # one day


def test_an_empty_date_is_no_limit(search):
    everything = search(locale="en", page_size=50).json()["count"]
    response = search(locale="en", page_size=50, date_from="", date_to="")
    assert response.status_code == 200 and response.json()["count"] == everything


def test_a_search_is_the_same_few_queries_for_one_result_and_for_twenty(search_catalogue, search):
    """One statement finds, ranks, counts, reads and marks the page of results; one more checks that what it found is
    still public, for every kind at once (service, consultation and poll pages alike). Neither grows with the page."""
    factories.consultation(title="مشروع لائحة إذن العمل عن بعد")
    factories.poll(title="إذن العمل في الصيف")
    factories.search_index()

    def asked(**params):
        with CaptureQueriesContext(connection) as captured:
            response = search(**params)
        assert response.status_code == 200, response.content
        return response.json(), len(captured.captured_queries)

    one, one_queries = asked(q="PAM", page_size=1)
    twenty, twenty_queries = asked(q="PAM", page_size=20)
    kinds, kinds_queries = asked(q="اذن عمل")
    assert len(one["results"]) == 1 and len(twenty["results"]) == 20
    assert {"service", "consultation", "poll"} <= {hit["kind"] for hit in kinds["results"]}
    # Marked by the same statement (a result whose matching words are in its title alone has no highlight).
    assert any("<mark>" in hit["highlight"] for hit in twenty["results"])
    assert any("<mark>" in hit["highlight"] for hit in kinds["results"])
    assert one_queries == twenty_queries == kinds_queries == 2
