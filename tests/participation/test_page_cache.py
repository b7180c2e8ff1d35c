"""Participation's public pages and API answers from the page cache (core/pagecache.py, participation/cache.py):
an open petition, consultation or poll shows a visitor a link to sign in instead of a form with a CSRF token, so
the visitor's page is cached; a signed-in citizen's page (the form, their token) is never kept nor served to
anyone else; what shows live counts is kept only PAGE_CACHE_LIVE_SECONDS; moderation purges."""

import pytest

from core import pagecache
from tests import factories

pytestmark = pytest.mark.django_db

TOKEN = b"csrfmiddlewaretoken"


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.PAGE_CACHE_IN_PROCESS = True
    settings.PAGE_CACHE_SECONDS = 60
    settings.PAGE_CACHE_LIVE_SECONDS = 10
    settings.PAGE_CACHE_MAX_AGE = 0


def _petition_url(petition, language="ar"):
    return f"/{language}/participate/petitions/{petition.pk}/"


def test_an_open_petition_is_cached_for_visitors_with_a_link_to_sign_in(client):
    url = _petition_url(factories.petition())
    first = client.get(url)
    assert first.status_code == 200
    assert first["Cache-Control"] == "public, max-age=0, s-maxage=10"  # its count changes with each signature
    assert first[pagecache.HIT_HEADER] == "miss"
    assert TOKEN not in first.content and not first.cookies
    assert b"/accounts/login/?next=" in first.content
    second = client.get(url)
    assert second[pagecache.HIT_HEADER] == "hit"
    assert second.content == first.content


def test_a_closed_petition_is_kept_the_full_time(client):
    url = _petition_url(factories.petition(state="closed"))
    assert client.get(url)["Cache-Control"] == "public, max-age=0, s-maxage=60"


@pytest.mark.parametrize("kind", ["petition", "consultation", "poll"])
def test_a_signed_in_citizens_page_is_never_kept_nor_served_to_a_visitor(client, kind):
    target = {"petition": factories.petition, "consultation": factories.consultation, "poll": factories.poll}[kind]()
    url = _petition_url(target) if kind == "petition" else target.url
    citizen = factories.citizen("L2")

    # The visitor first: cached. The citizen then gets their own page with the form, not the visitor's.
    visitor = client.get(url)
    assert visitor[pagecache.HIT_HEADER] == "miss"
    assert TOKEN not in visitor.content
    client.force_login(citizen)
    mine = client.get(url)
    assert mine.status_code == 200
    assert pagecache.HIT_HEADER not in mine
    assert "private" in mine["Cache-Control"]
    assert TOKEN in mine.content
    client.logout()
    pagecache.purge_paths([url])

    # The citizen first: nothing kept; the visitor after gets a page of their own, without the citizen's token.
    client.force_login(citizen)
    token = client.get(url).context["csrf_token"]
    client.logout()
    client.cookies.clear()
    theirs = client.get(url)
    assert theirs[pagecache.HIT_HEADER] == "miss"
    assert TOKEN not in theirs.content and str(token).encode() not in theirs.content


def test_an_open_poll_with_live_results_is_kept_seconds_and_one_without_the_full_time(client):
    live = factories.poll(results_shown="live")
    later = factories.poll(title="سؤال آخر")
    assert client.get(live.url)["Cache-Control"] == "public, max-age=0, s-maxage=10"
    assert client.get(later.url)["Cache-Control"] == "public, max-age=0, s-maxage=60"


def test_the_sign_in_link_leads_back_and_signing_without_javascript_still_works(client):
    petition = factories.petition()
    url = _petition_url(petition)
    page = client.get(url).content.decode()
    assert f'href="/ar/accounts/login/?next=/ar/participate/petitions/{petition.pk}/"' in page
    # A visitor who posts anyway (an old form) is refused and told to sign in, as before.
    refused = client.post(url, {"governorate": "capital"})
    assert refused.status_code == 403
    client.force_login(factories.citizen("L2"))
    signed = client.post(url, {"governorate": "capital"})
    assert signed.status_code == 200
    assert b"receipt" in signed.content.lower()


def test_moderating_a_petition_purges_its_page_and_the_list(client, django_capture_on_commit_callbacks):
    petition = factories.petition()
    url = _petition_url(petition)
    client.get(url)
    client.get("/en/participate/petitions/")
    assert client.get(url)[pagecache.HIT_HEADER] == "hit"
    petition.state = "closed"
    with django_capture_on_commit_callbacks(execute=True):
        petition.save()
    assert client.get(url)[pagecache.HIT_HEADER] == "miss"
    assert b"This petition is closed" in client.get(url.replace("/ar/", "/en/")).content
    assert client.get("/en/participate/petitions/")[pagecache.HIT_HEADER] == "miss"


def test_hiding_a_comment_purges_the_page_that_shows_it(client, django_capture_on_commit_callbacks):
    from participation.models import Comment

    consultation = factories.consultation()
    comment = Comment.objects.create(consultation=consultation, author=factories.citizen("L1"), body="<p>رأيي</p>")
    assert "رأيي" in client.get(consultation.url).content.decode()
    assert client.get(consultation.url)[pagecache.HIT_HEADER] == "hit"
    comment.state, comment.hidden_reason = Comment.State.HIDDEN, "abuse"
    with django_capture_on_commit_callbacks(execute=True):
        comment.save()
    again = client.get(consultation.url)
    assert again[pagecache.HIT_HEADER] == "miss"
    assert "رأيي" not in again.content.decode()


def test_the_public_api_answers_are_cached_for_anonymous_clients_only(client):
    petition = factories.petition()
    for url in ("/api/v1/petitions/", f"/api/v1/petitions/{petition.pk}/", "/api/v1/consultations/", "/api/v1/polls/"):
        first = client.get(url)
        assert first.status_code == 200, url
        assert first["Cache-Control"] == "public, max-age=0, s-maxage=10", url
        assert client.get(url)[pagecache.HIT_HEADER] == "hit", url
        # An API key, an app session or a browser session: never from the cache, never kept.
        for extra in ({"HTTP_AUTHORIZATION": "Bearer x"}, {"HTTP_X_SESSION_TOKEN": "x"}):
            answer = client.get(url, **extra)
            assert pagecache.HIT_HEADER not in answer, (url, extra)
            assert "private" in answer["Cache-Control"]
    search = client.get("/api/v1/search/?q=petition")
    assert search["Cache-Control"] == "public, max-age=0, s-maxage=60"
    assert client.get("/api/v1/search/?q=petition")[pagecache.HIT_HEADER] == "hit"


def test_publishing_a_page_purges_the_search_answers(client, django_capture_on_commit_callbacks):
    service = factories.service()
    client.get("/api/v1/search/?q=x")
    assert client.get("/api/v1/search/?q=x")[pagecache.HIT_HEADER] == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        service.save_revision().publish()
    assert client.get("/api/v1/search/?q=x")[pagecache.HIT_HEADER] == "miss"
