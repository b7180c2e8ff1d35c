import json

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


def test_answers_are_compact_json_unless_the_client_asks_for_an_indent(client, catalogue):
    params = {"type": "cms.ServicePage", "locale": "ar", "fields": "*", "limit": 3}
    compact = client.get("/api/v2/pages/", params)
    assert compact.status_code == 200
    assert b"\n" not in compact.content  # one line: Python's C encoder, not its pure-Python indenting one
    assert b'"meta":{' in compact.content
    indented = client.get("/api/v2/pages/", params, HTTP_ACCEPT="application/json; indent=4")
    assert b'\n    "meta": {' in indented.content
    assert indented.json() == compact.json()
    page = compact.json()["items"][0]["id"]
    detail = client.get(f"/api/v2/pages/{page}/")
    assert b"\n" not in detail.content and detail.json()["id"] == page


def test_the_serializer_of_each_field_selection_is_built_once_and_answers_what_was_asked(client, catalogue):
    from cms import api

    api._serializer_classes.clear()
    every = _list(client, locale="ar", fields="*", limit=2)
    built = dict(api._serializer_classes)
    assert built
    assert _list(client, locale="ar", fields="*", limit=2) == every
    assert api._serializer_classes == built  # the same classes, reused
    some = _list(client, locale="ar", fields="_,service_id,fee", limit=2)["items"][0]
    assert {"service_id", "fee"} <= set(some) and "summary" not in some and "steps" not in some
    assert set(every["items"][0]) - set(some) >= {"summary", "steps", "authority"}
    for _ in range(2):  # a refusal is never remembered as a class
        response = client.get("/api/v2/pages/", {"type": "cms.ServicePage", "fields": "service_id,nope"})
        assert response.status_code == 400
        assert "nope" in response.json()["message"]


def test_the_serializer_classes_kept_are_bounded(client, catalogue, monkeypatch):
    from cms import api

    monkeypatch.setattr(api, "SERIALIZER_CLASSES", 3)
    api._serializer_classes.clear()
    for field in ("service_id", "summary", "fee", "status", "output", "fee_note"):
        item = _list(client, locale="ar", fields=f"_,{field}", limit=1)["items"][0]
        assert field in item
        assert len(api._serializer_classes) <= 3


STREAMS = ("steps", "documents", "channels")


def _wagtails_own(page, name, request):
    value = getattr(ServicePage.objects.get(pk=page), name)
    return value.stream_block.get_api_representation(value, {"request": request})


def _store(page, name, stream):
    """The stream as stored in the page's column, exactly (Wagtail would normalise it on save)."""
    column = ServicePage._meta.get_field(name).column
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {ServicePage._meta.db_table} SET {column} = %s WHERE page_ptr_id = %s",
            [json.dumps(stream, ensure_ascii=False), page.pk],
        )


@pytest.mark.parametrize("rich_text_format", [None, "html"])
def test_stream_fields_answer_what_wagtails_own_representation_answers(client, rf, catalogue, rich_text_format):
    pages = list(ServicePage.objects.live().order_by("pk"))
    for number, page in enumerate(pages[:6]):
        link = f'<a linktype="page" id="{pages[-1].pk}">الخدمة</a>'
        _store(
            page,
            "steps",
            [
                {
                    "type": "step",
                    "value": {"title": f"الخطوة {step}", "body": f"<p>سجّل {link} ثم <b>أرسل</b></p>"},
                    "id": f"s{step}",
                }
                for step in range(number + 1)
            ],
        )
        _store(
            page,
            "documents",
            [{"type": "document", "value": {"name": "جواز", "note": "", "optional": True}, "id": "d"}],
        )
        _store(
            page,
            "channels",
            [
                {
                    "type": "channel",
                    "value": {"kind": "online", "label": "الموقع", "detail": "https://example.org/", "hours": ""},
                    "id": "c",
                },
                {
                    "type": "channel",
                    "value": {"kind": "phone", "label": "الهاتف", "detail": "+965 1", "hours": "24/7"},
                    "id": "p",
                },
            ],
        )
    format_param = {"rich_text_format": rich_text_format} if rich_text_format else {}
    request = rf.get("/api/v2/pages/", format_param)
    seen = 0
    for locale in ("ar", "en"):
        for item in _list(client, locale=locale, fields=",".join(STREAMS), limit=100, **format_param)["items"]:
            for name in STREAMS:
                assert item[name] == _wagtails_own(item["id"], name, request), (item["id"], name)
                seen += len(item[name])
    assert seen > 30


def test_a_stored_stream_is_read_as_wagtail_reads_it(client, rf, catalogue):
    """A struct block's missing value is its default, a value no block declares is left out, and so is a block of
    a type the stream no longer has."""
    page = ServicePage.objects.live().filter(locale__language_code="ar").order_by("pk").first()
    stored = [
        {"type": "document", "value": {"name": "جواز السفر", "retired": "x"}, "id": "d1"},
        {"type": "retired-kind", "value": {"name": "x"}, "id": "d2"},
        {"type": "document", "value": {"optional": True, "note": "ملاحظة", "name": "عقد"}, "id": "d3"},
    ]
    _store(page, "documents", stored)
    item = client.get(f"/api/v2/pages/{page.pk}/").json()
    assert item["documents"] == _wagtails_own(page.pk, "documents", rf.get("/"))
    assert [block["id"] for block in item["documents"]] == ["d1", "d3"]
    assert item["documents"][0]["value"] == {"name": "جواز السفر", "note": None, "optional": False}
    assert list(item["documents"][1]["value"]) == ["name", "note", "optional"]


def test_related_services_and_html_url_are_what_the_pages_say(client, catalogue):
    from cms.models import ServiceRelation

    page = ServicePage.objects.live().filter(locale__language_code="ar").order_by("pk").first()
    others = list(ServicePage.objects.live().filter(locale__language_code="ar").exclude(pk=page.pk).order_by("pk")[:3])
    ServiceRelation.objects.filter(page=page).delete()
    for order, other in enumerate(others):
        ServiceRelation.objects.create(page=page, service=other, sort_order=order)
    expected = [{"id": other.pk, "service_id": other.service_id, "title": other.title} for other in others]
    listed = {item["id"]: item for item in _list(client, locale="ar", fields="*", limit=100)["items"]}
    assert listed[page.pk]["related_services"] == expected
    assert client.get(f"/api/v2/pages/{page.pk}/").json()["related_services"] == expected
    for item in listed.values():
        assert item["meta"]["html_url"] == ServicePage.objects.get(pk=item["id"]).full_url
