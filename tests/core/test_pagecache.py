"""The page cache (core/pagecache.py): anonymous answers from the cache, nothing personal ever kept or served."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import pagecache
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.PAGE_CACHE_IN_PROCESS = True
    settings.PAGE_CACHE_SECONDS = 60
    settings.PAGE_CACHE_MAX_AGE = 0


@factories.per_module
def catalogue():
    """One service."""
    return factories.service()


@pytest.fixture
def service(catalogue):
    return catalogue


@pytest.fixture
def citizen():
    return get_user_model().objects.create_user("cache.citizen", "cache.citizen@example.com", "x-Pass-12345")


def _get(client, url, **extra):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
    return response, len(queries)


def test_an_anonymous_page_is_public_and_served_from_the_cache(client, service):
    first, _ = _get(client, service.url)
    assert first.status_code == 200
    assert first["Cache-Control"] == "public, max-age=0, s-maxage=60"
    assert first[pagecache.HIT_HEADER] == "miss"
    assert not first.cookies
    assert "cookie" not in first.get("Vary", "").lower()
    second, queries = _get(client, service.url)
    assert second[pagecache.HIT_HEADER] == "hit"
    assert queries == 0
    assert second.content == first.content
    assert second["Cache-Control"] == first["Cache-Control"]
    assert second["Content-Security-Policy"] == first["Content-Security-Policy"]


def test_the_query_string_the_language_and_the_contrast_are_in_the_key(client, service):
    plain, _ = _get(client, service.url)
    assert _get(client, service.url + "?x=1")[0][pagecache.HIT_HEADER] == "miss"
    client.cookies["portal_contrast"] = "high"
    high, _ = _get(client, service.url)
    assert high[pagecache.HIT_HEADER] == "miss"
    assert b'data-theme="high-contrast"' in high.content
    assert _get(client, service.url)[0][pagecache.HIT_HEADER] == "hit"
    del client.cookies["portal_contrast"]
    again, _ = _get(client, service.url)
    assert again[pagecache.HIT_HEADER] == "hit"
    assert again.content == plain.content


def test_content_api_listing_and_detail_are_cached(client, service):
    url = "/api/v2/pages/?type=cms.ServicePage&locale=ar&fields=*&limit=20"
    first, _ = _get(client, url)
    assert first.status_code == 200
    assert first["Cache-Control"].startswith("public")
    second, queries = _get(client, url)
    assert (second[pagecache.HIT_HEADER], queries) == ("hit", 0)
    detail, _ = _get(client, f"/api/v2/pages/{service.pk}/")
    assert detail["Cache-Control"].startswith("public")


def test_a_signed_in_page_is_private_and_never_served_to_anyone_else(client, citizen, service):
    client.force_login(citizen)
    mine, _ = _get(client, service.url)
    assert mine.status_code == 200
    assert "private" in mine["Cache-Control"]
    assert pagecache.HIT_HEADER not in mine
    assert b"cache.citizen" in mine.content or "/notifications/" in mine.content.decode()
    client.logout()
    client.cookies.clear()
    theirs, _ = _get(client, service.url)
    assert theirs[pagecache.HIT_HEADER] == "miss"
    assert b"data-notification-bell" not in theirs.content
    assert b"/notifications/" not in theirs.content


def test_a_signed_in_visitor_never_gets_the_anonymous_copy(client, citizen, service):
    anonymous, _ = _get(client, service.url)
    assert _get(client, service.url)[0][pagecache.HIT_HEADER] == "hit"
    client.force_login(citizen)
    mine, _ = _get(client, service.url)
    assert pagecache.HIT_HEADER not in mine
    assert "private" in mine["Cache-Control"]
    assert b"data-notification-bell" in mine.content
    assert b"data-notification-bell" not in anonymous.content


@pytest.mark.parametrize("header", ["HTTP_AUTHORIZATION", "HTTP_X_SESSION_TOKEN"])
def test_api_requests_that_say_who_they_are_are_private_and_bypass_the_cache(client, header, service):
    url = f"/api/v2/pages/{service.pk}/"
    assert _get(client, url)[0][pagecache.HIT_HEADER] == "miss"
    assert _get(client, url)[0][pagecache.HIT_HEADER] == "hit"
    response, _ = _get(client, url, **{header: "Token something"})
    assert pagecache.HIT_HEADER not in response
    assert "private" in response["Cache-Control"]


def test_any_request_with_a_session_cookie_bypasses_the_cache(client, service):
    _get(client, service.url)
    client.cookies["sessionid"] = "not-a-session"
    response, _ = _get(client, service.url)
    assert pagecache.HIT_HEADER not in response
    assert "private" in response["Cache-Control"]


def test_a_page_that_used_a_csrf_token_is_not_kept(client, rf):
    from django.http import HttpResponse
    from django.middleware.csrf import get_token

    def view(request):
        pagecache.public(request)
        get_token(request)
        return HttpResponse("form")

    request = rf.get("/ar/a-form/")
    request.COOKIES["csrftoken"] = "x" * 32
    response = pagecache.PageCacheMiddleware(view)(request)
    assert "private" in response["Cache-Control"]


def test_a_response_setting_a_cookie_is_not_kept(rf):
    from django.http import HttpResponse

    def view(request):
        pagecache.public(request)
        response = HttpResponse("hello")
        response.set_cookie("anything", "1")
        return response

    response = pagecache.PageCacheMiddleware(view)(rf.get("/ar/x/"))
    assert "private" in response["Cache-Control"]
    assert pagecache.HIT_HEADER not in response


def test_responses_not_marked_public_are_private(client):
    response = client.get("/ar/accounts/login/")
    assert "private" in response["Cache-Control"] or "no-store" in response["Cache-Control"]


def test_a_purge_hides_every_entry_of_the_path(client, service):
    _get(client, service.url)
    _get(client, service.url + "?q=1")
    pagecache.purge_urls([f"http://elsewhere.example{service.url}"])
    assert _get(client, service.url)[0][pagecache.HIT_HEADER] == "miss"
    assert _get(client, service.url + "?q=1")[0][pagecache.HIT_HEADER] == "miss"
