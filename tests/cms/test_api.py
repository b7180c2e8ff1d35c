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
    from core import pagecache

    assert ServicePage.objects.live().filter(locale__language_code="ar").count() >= 20
    _queries_for(client, 1)  # warm the caches (site root paths, content types) that any request fills once
    pagecache.forget_fragments()
    # The site, the view restrictions, the site root's translations and the locales read again, kept until the
    # next purge, by a listing of other pages.
    assert client.get("/api/v2/pages/", {"type": "cms.ServicePage", "locale": "en", "limit": 1}).status_code == 200
    # Built (the items are not kept yet): the count, the ids, the pages, their life events and related services.
    one, twenty = _queries_for(client, 1), _queries_for(client, 20)
    assert one == twenty <= 5, f"{one} queries for 1 item, {twenty} for 20"
    # Kept: the count and the pages' ids and live revisions.
    kept_one, kept_twenty = _queries_for(client, 1), _queries_for(client, 20)
    assert kept_one == kept_twenty <= 2, f"{kept_one} queries for 1 kept item, {kept_twenty} for 20"


# --- The kept items (cms.api.CataloguePagesAPIViewSet.listing_view) ----------------------------------------------


def _wagtails_listing(client, monkeypatch, params):
    """The listing as Wagtail's own code answers it: every item serialized for this request, the public pages from
    Wagtail's `get_public_pages_queryset` (reading every view restriction and the site root's translations) and
    Wagtail's locale filter."""
    from wagtail.api.v2.views import PagesAPIViewSet

    from cms import api

    with monkeypatch.context() as patched:
        patched.setattr(api, "KEPT_MODELS", frozenset())
        patched.setattr(api.CataloguePagesAPIViewSet, "_anonymous_base_queryset", PagesAPIViewSet.get_base_queryset)
        patched.setattr(
            api.CataloguePagesAPIViewSet, "filter_backends", [api.CatalogueFilter, *PagesAPIViewSet.filter_backends]
        )
        return client.get("/api/v2/pages/", params)


def _shapes(catalogue):
    page = ServicePage.objects.live().filter(locale__language_code="ar").exclude(life_events=None).order_by("pk")[0]
    section, event = page.get_parent(), page.life_events.first()
    services = {"type": "cms.ServicePage"}
    return [
        {**services, "locale": "ar", "fields": "*", "limit": 20},
        {**services, "locale": "en", "fields": "*", "limit": 7, "offset": 5},
        {**services, "fields": "-summary,-steps,fee", "order": "-title"},
        {**services, "fields": "_,service_id,fee,related_services", "order": "title", "limit": 3},
        {**services, "fields": "*", "rich_text_format": "html", "limit": 4},
        {**services, "fields": "service_id", "child_of": section.pk},
        {**services, "fields": "title", "descendant_of": section.get_parent().pk, "locale": "ar"},
        {**services, "translation_of": page.pk, "fields": "*"},
        {**services, "authority_code": page.authority.code, "fields": "authority,life_events"},
        {**services, "life_event": event.slug, "locale": "ar"},
        {**services, "service_id": page.service_id, "fields": "*"},
        {**services, "fields": "*", "limit": 0},
        {"type": "cms.ServiceIndexPage", "fields": "*"},
        {"type": "cms.HomePage,cms.ServiceIndexPage", "fields": "*", "order": "id"},
        {"fields": "*", "limit": 20, "offset": 3},
        {"child_of": "root"},
        {"locale": "en", "fields": "-title"},
        {**services, "search": page.title, "fields": "*"},  # not kept: answered as before
        {**services, "locale": "fr"},  # no such locale: a 404
    ]


def test_kept_items_are_byte_for_byte_what_wagtails_serializer_answers(client, monkeypatch, catalogue):
    from core import pagecache

    for params in _shapes(catalogue):
        pagecache.forget_fragments()
        built, kept = client.get("/api/v2/pages/", params), client.get("/api/v2/pages/", params)
        wagtails = _wagtails_listing(client, monkeypatch, params)
        assert built.status_code == kept.status_code == wagtails.status_code, (params, built.content)
        assert built.content == kept.content == wagtails.content, params
        if params.get("locale") == "fr":
            assert built.status_code == 404
            continue
        assert built.status_code == 200, params
        assert len(built.json()["items"]) == min(built.json()["meta"]["total_count"], int(params.get("limit", 20)))


def test_kept_items_depend_on_the_site_asked_and_the_fields(client, catalogue, settings):
    from wagtail.models import Site

    params = {"type": "cms.ServicePage", "locale": "ar", "fields": "*", "limit": 2}
    here = _list(client, locale="ar", fields="*", limit=2)
    assert here["items"][0]["meta"]["detail_url"].startswith("http://testserver/")
    assert here["items"][0]["meta"]["html_url"].startswith("http://testserver/")
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "other.example"]
    settings.WAGTAILAPI_BASE_URL = None
    Site.objects.create(hostname="other.example", port=80, root_page=Site.objects.get(is_default_site=True).root_page)
    there = client.get("/api/v2/pages/", params, HTTP_HOST="other.example").json()
    assert [item["id"] for item in there["items"]] == [item["id"] for item in here["items"]]
    assert there["items"][0]["meta"]["detail_url"].startswith("http://other.example/")
    assert _list(client, locale="ar", fields="*", limit=2) == here
    fewer = _list(client, locale="ar", fields="_,service_id", limit=2)["items"][0]
    assert set(fewer) == {"service_id"}  # "_" starts from no field at all


def test_a_bad_field_is_refused_even_when_the_listing_is_kept(client, catalogue):
    assert _list(client, locale="ar", fields="*", limit=2)["items"]
    for params in ({"fields": "*,nope"}, {"rich_text_format": "nope", "fields": "*"}, {"limit": "-1"}):
        response = client.get("/api/v2/pages/", {"type": "cms.ServicePage", "locale": "ar", "limit": 2, **params})
        assert response.status_code == 400, params


def _titles(client):
    return {item["id"]: item for item in _list(client, locale="ar", fields="*", limit=20)["items"]}


def test_a_publish_or_unpublish_shows_in_the_kept_listing_at_once(
    client, catalogue, django_capture_on_commit_callbacks
):
    from cms.models import ServiceRelation

    pages = list(ServicePage.objects.live().filter(locale__language_code="ar").order_by("pk")[:2])
    first, second = (ServicePage.objects.get(pk=page.pk) for page in pages)
    with django_capture_on_commit_callbacks(execute=True):
        ServiceRelation.objects.filter(page=first).delete()
        ServiceRelation.objects.create(page=first, service=second, sort_order=0)
        first.save_revision().publish()
    assert _titles(client) == _titles(client)  # kept
    assert _titles(client)[first.pk]["related_services"][0]["title"] == second.title
    with django_capture_on_commit_callbacks(execute=True):
        second.title = "عنوان جديد"
        second.save_revision().publish()
    listed = _titles(client)
    assert listed[second.pk]["title"] == "عنوان جديد"
    assert listed[first.pk]["related_services"][0]["title"] == "عنوان جديد"  # shown on another page
    with django_capture_on_commit_callbacks(execute=True):
        second.unpublish()
    assert second.pk not in _titles(client)


@pytest.mark.parametrize("snippet", ["authority", "life_event"])
def test_an_authority_or_life_event_change_shows_in_the_kept_listing_at_once(
    client, catalogue, snippet, django_capture_on_commit_callbacks
):
    page = ServicePage.objects.live().filter(locale__language_code="ar").exclude(life_events=None).order_by("pk")[0]
    before = _titles(client)[page.pk]
    assert _titles(client)[page.pk] == before  # kept
    changed = page.authority if snippet == "authority" else page.life_events.first()
    with django_capture_on_commit_callbacks(execute=True):
        changed.name = "اسم جديد"
        changed.save()
    after = _titles(client)[page.pk]
    names = [after["authority"]["name"]] if snippet == "authority" else [e["name"] for e in after["life_events"]]
    assert "اسم جديد" in names and after != before


def test_a_new_locale_or_site_root_translation_is_seen_at_once(client, catalogue):
    from wagtail.models import Locale, Site

    from cms import cache

    assert client.get("/api/v2/pages/", {"locale": "fr"}).status_code == 404
    assert _list(client, locale="ar", limit=1)["items"]  # the locales and the site's roots kept
    french = Locale.objects.create(language_code="fr")
    assert client.get("/api/v2/pages/", {"locale": "fr"}).json() == {"meta": {"total_count": 0}, "items": []}
    site = Site.objects.get(is_default_site=True)
    kept = cache.site_root_paths(site)
    translated = site.root_page.copy_for_translation(french)
    assert cache.site_root_paths(site) == sorted([*kept, translated.path])
    translated.save_revision().publish()
    listed = client.get("/api/v2/pages/", {"locale": "fr"}).json()
    assert [item["id"] for item in listed["items"]] == [translated.pk]


@pytest.mark.parametrize("kind", ["password", "login", "groups"])
def test_restricted_pages_are_never_listed(client, catalogue, kind, django_capture_on_commit_callbacks):
    from django.contrib.auth.models import Group
    from wagtail.models import PageViewRestriction

    page = ServicePage.objects.live().filter(locale__language_code="ar").order_by("pk")[0]
    assert page.pk in _titles(client)  # and kept
    with django_capture_on_commit_callbacks(execute=True):
        restriction = PageViewRestriction.objects.create(page=page, restriction_type=kind, password="x")
        if kind == "groups":
            restriction.groups.add(Group.objects.create(name="inspectors"))
    listed = _titles(client)
    assert page.pk not in listed and listed
    for params in ({"fields": "*"}, {"child_of": page.get_parent().pk}, {"search": page.title}, {"id": page.pk}):
        items = client.get("/api/v2/pages/", {"type": "cms.ServicePage", **params}).json()["items"]
        assert page.pk not in {item["id"] for item in items}, params
    assert client.get(f"/api/v2/pages/{page.pk}/").status_code == 404


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
