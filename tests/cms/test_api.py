import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cms.models import ServicePage
from tests import factories

pytestmark = pytest.mark.django_db


@factories.per_module
def catalogue():
    """20 services of three authorities, every other one with a fee, two of each three in a life event."""
    return factories.services(20)


SERVICE_FIELDS = {
    "service_id",
    "summary",
    "audience",
    "eligibility",
    "steps",
    "documents",
    "fee_fils",
    "fee",
    "fee_note",
    "processing_days",
    "minutes_to_complete",
    "channels",
    "start_url",
    "start_button_label",
    "other_ways_to_apply",
    "min_assurance",
    "legal_basis",
    "output",
    "status",
    "downtime_message",
    "authority",
    "life_events",
    "related_services",
}


def _list(client, **params):
    response = client.get("/api/v2/pages/", {"type": "cms.ServicePage", **params})
    assert response.status_code == 200, response.content
    return response.json()


def test_listing_arabic_services_carries_every_field(client, catalogue):
    data = _list(client, locale="ar", fields="*", limit=100)
    expected = ServicePage.objects.live().filter(locale__language_code="ar").count()
    assert data["meta"]["total_count"] == expected > 0
    item = data["items"][0]
    assert SERVICE_FIELDS <= set(item)
    assert item["meta"]["locale"] == "ar"
    assert item["meta"]["html_url"].startswith("http://testserver/ar/services/")
    assert set(item["fee"]) == {"fils", "ar", "en"}
    assert item["authority"]["code"]


def test_fee_is_given_in_fils_and_formatted_in_both_languages(client, catalogue):
    page = ServicePage.objects.live().filter(locale__language_code="ar", fee_fils__gt=0).first()
    item = client.get(f"/api/v2/pages/{page.pk}/").json()
    fils = page.fee_fils
    assert item["fee"]["fils"] == fils
    assert item["fee"]["ar"] == f"{fils // 1000:,}.{fils % 1000:03d} د.ك"
    assert item["fee"]["en"] == f"KWD {fils // 1000:,}.{fils % 1000:03d}"


def test_translation_of_finds_the_english_page_of_each_arabic_service(client, catalogue):
    arabic = _list(client, locale="ar", fields="service_id", limit=100)["items"]
    for item in arabic:
        english = _list(client, translation_of=item["id"], locale="en", fields="service_id")["items"]
        assert len(english) == 1, item
        assert english[0]["service_id"] == item["service_id"]
        assert english[0]["meta"]["locale"] == "en"


def test_filter_by_authority_code_and_by_life_event(client, catalogue):
    page = ServicePage.objects.live().filter(locale__language_code="en").exclude(life_events=None).first()
    by_authority = _list(client, locale="en", authority_code=page.authority.code, fields="authority", limit=100)
    assert by_authority["items"] and {item["authority"]["code"] for item in by_authority["items"]} == {
        page.authority.code
    }
    event = page.life_events.first()
    by_event = _list(client, locale="en", life_event=event.slug, fields="life_events", limit=100)
    assert page.pk in {item["id"] for item in by_event["items"]}
    assert all(event.slug in {e["slug"] for e in item["life_events"]} for item in by_event["items"])
    by_id = _list(client, authority=page.authority_id, fields="authority", limit=100)
    assert {item["authority"]["code"] for item in by_id["items"]} == {page.authority.code}


@pytest.mark.parametrize(
    "params",
    [
        {"authority_code": "MSAL"},  # without a page type that has an authority
        {"type": "cms.ServicePage", "authority": "not-a-number"},
        {"type": "cms.ServicePage", "colour": "blue"},
        {"type": "cms.Nothing"},
    ],
)
def test_bad_filters_get_a_400_with_a_message(client, params):
    response = client.get("/api/v2/pages/", params)
    assert response.status_code == 400
    assert response.json()["message"]


def _queries_for(client, limit):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(
            "/api/v2/pages/", {"type": "cms.ServicePage", "locale": "ar", "fields": "*", "limit": limit}
        )
    assert response.status_code == 200
    assert len(response.json()["items"]) == limit
    return len(queries)


def test_listing_services_costs_the_same_queries_for_one_or_twenty(client, catalogue):
    assert ServicePage.objects.live().filter(locale__language_code="ar").count() >= 20
    _queries_for(client, 1)  # warm the caches (site root paths, content types) that any request fills once
    one = _queries_for(client, 1)
    twenty = _queries_for(client, 20)
    assert one == twenty, f"{one} queries for 1 item, {twenty} for 20"


def test_drafts_are_not_in_the_api(client, catalogue):
    page = ServicePage.objects.live().filter(locale__language_code="en").first()
    page.unpublish()
    response = client.get(f"/api/v2/pages/{page.pk}/")
    assert response.status_code == 404
