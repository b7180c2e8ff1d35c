"""The public search page, /<lang>/search/: the same search as /api/v1/search/, as HTML that works without
JavaScript, in Arabic and English."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from cms.models import ServicePage
from search import selectors

pytestmark = pytest.mark.django_db


def service(service_id, language):
    return ServicePage.objects.get(service_id=service_id, locale__language_code=language)


def page_url(language="ar"):
    with translation.override(language):
        return reverse("search_page")


@pytest.fixture
def search_page(client):
    """GET the search page in `language` with these parameters; returns (response, its HTML)."""

    def get(language="ar", **params):
        response = client.get(page_url(language), params)
        return response, response.content.decode()

    return get


def result_links(html):
    return re.findall(r'<h3><a href="([^"]+)" dir="auto"', html)


def test_the_page_is_at_lang_search_in_both_languages():
    assert page_url("ar") == "/ar/search/"
    assert page_url("en") == "/en/search/"


def test_arabic_query_without_hamza_finds_the_electronic_portal_services_with_highlights(search_page):
    response, html = search_page(q="الكترونيه")
    assert response.status_code == 200
    links = result_links(html)
    assert service("CAIT-ACC-001", "ar").url in links  # إنشاء حساب في بوابة الحكومة الإلكترونية
    assert service("CAIT-ES-001", "ar").url in links
    # The engine's highlight, on the text as written, shown as HTML (not escaped a second time).
    assert "<mark>الإلكترونية</mark>" in html
    assert "&lt;mark&gt;" not in html
    assert 'class="search-snippet" dir="auto"' in html


def test_the_page_shows_what_the_api_finds(search_page, search):
    """One query path: the page's results and count are the API's for the same parameters."""
    api = search(q="الكترونيه", locale="ar", page_size=10).json()
    _response, html = search_page(q="الكترونيه")
    assert result_links(html) == [item["url"] for item in api["results"]]
    assert f"{api['count']} " in re.search(r'<h2 class="count"[^>]*>(.*?)</h2>', html, re.S).group(1)


def test_english_page_searches_english_and_counts_results_with_plural(search_page):
    response, html = search_page("en", q="renewing permits")
    assert response.status_code == 200
    assert service("PAM-WP-002", "en").url in result_links(html)  # Renew a work permit
    assert re.search(r"\b\d+ results?\b", html)
    _response, html = search_page("en", q="PAM WP ٠٠١")
    assert result_links(html)[0] == service("PAM-WP-001", "en").url
    assert re.search(r">\s*1 result\s*<", html)


def test_the_page_searches_its_own_language_unless_asked_for_all(search_page):
    _response, html = search_page("en", q="")
    assert result_links(html) and all(link.startswith("/en/") for link in result_links(html))
    _response, html = search_page("en", q="", locale="", page_size=50)
    assert {link[:4] for link in result_links(html)} == {"/ar/", "/en/"}


def test_facets_filter_and_their_checkboxes_keep_the_query(search_page):
    _response, html = search_page(q="")
    # Facet counts are checkboxes in the same GET form as the words, so choosing one keeps everything else.
    assert re.search(r'<input type="checkbox" name="authority" id="facet-authority-\d+" value="PAM">', html)
    response, html = search_page(q="", authority="PAM", page_size=50)
    assert response.status_code == 200
    expected = ServicePage.objects.live().filter(authority__code="PAM", locale__language_code="ar")
    assert sorted(result_links(html)) == sorted(page.url for page in expected)
    assert re.search(r'value="PAM" checked>', html)
    # The authority is shown by its name in the page's language, not its code.
    assert expected.first().authority.name in html


def test_life_event_and_kind_filters_and_removing_one_keeps_the_other(search_page):
    response, html = search_page(q="", life_event="family", kind="service", page_size=50)
    assert response.status_code == 200
    expected = ServicePage.objects.live().filter(life_events__slug="family", locale__language_code="ar")
    assert sorted(result_links(html)) == sorted(page.url for page in expected)
    remove_links = re.findall(r'<li><a href="(\?[^"]*)">', html)
    assert "?kind=service&amp;page_size=50" in remove_links  # removing the life event keeps the kind
    assert "?life_event=family&amp;page_size=50" in remove_links


def test_a_bad_filter_is_a_400_page_with_a_message_not_a_500(search_page):
    response, html = search_page(q="تجديد", colour="blue")
    assert response.status_code == 400
    assert "colour" in html and 'role="alert"' in html
    assert 'value="تجديد"' in html  # what was typed is kept
    response, html = search_page("en", page="0")
    assert response.status_code == 400
    assert "page:" in html and 'aria-invalid="true"' in html
    response, _html = search_page("en", date_from="yesterday")
    assert response.status_code == 400
    response, _html = search_page("en", locale="fr")
    assert response.status_code == 400


def test_an_unreachable_engine_is_a_503_page(search_page, settings):
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:9"
    settings.SEARCH_ELASTICSEARCH_TIMEOUT = 1
    response, html = search_page(q="تجديد")
    assert response.status_code == 503
    assert 'role="alert"' in html


def test_pagination_links_keep_the_filters_and_pages_do_not_overlap(search_page):
    _response, first = search_page(q="", authority="PAM")
    assert 'aria-label="Pages of results"' in first or 'aria-current="page"' in first
    assert '<a href="?authority=PAM&amp;page=2" rel="next">' in first
    _response, second = search_page(q="", authority="PAM", page="2")
    assert result_links(first) and result_links(second)
    assert not set(result_links(first)) & set(result_links(second))
    assert '<a href="?authority=PAM&amp;page=1" rel="prev">' in second
    assert '<ol class="service-list search-hits" start="11">' in second


def test_no_results_says_so_and_offers_ways_forward(search_page):
    response, html = search_page("en", q="zebra quokka", authority="PAM")
    assert response.status_code == 200
    assert result_links(html) == []
    assert re.search(r'<h2 class="count"[^>]*>\s*0 results\s*</h2>', html)
    assert "Nothing matches" in html and '<span dir="auto">zebra quokka</span>' in html
    assert 'href="?q=zebra+quokka"' in html  # search without filters
    assert 'href="?q=zebra+quokka&amp;authority=PAM&amp;locale="' in html  # search in all languages


def test_user_text_is_escaped_everywhere(search_page):
    response, html = search_page("en", q='<script>alert(1)</script>"')
    assert response.status_code == 200
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_no_inline_scripts_and_the_suggestions_script_is_a_file(search_page):
    response, html = search_page(q="تجديد")
    scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", html, re.S)
    assert scripts and all(body.strip() == "" for body in scripts)
    assert re.search(r'<script src="[^"]*search/suggest\.js" defer>', html)
    assert not re.search(r"\son[a-z]+=", html)  # no inline event handlers
    assert " style=" not in html
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_the_search_box_is_ready_for_suggestions_and_labelled(search_page):
    _response, html = search_page("en", q="civil")
    assert '<label for="search-q">' in html
    assert 'data-suggest-url="/api/v1/search/suggest/"' in html and 'data-suggest-locale="en"' in html
    assert 'role="listbox"' in html and 'id="search-suggestions"' in html
    assert 'role="search"' in html


def test_the_header_menu_links_to_the_search_page(search_page):
    _response, html = search_page("en")
    assert re.search(r'<a href="/en/search/" aria-current="page">', html)


def test_content_hidden_since_indexing_is_not_shown(search_page, monkeypatch):
    """The page goes through selectors.search, which checks every hit against its source."""
    hidden = service("CAIT-ACC-001", "ar")
    original = selectors.only_public
    monkeypatch.setattr(
        selectors, "only_public", lambda items: [item for item in original(items) if item.id != str(hidden.pk)]
    )
    _response, html = search_page(q="الكترونيه")
    assert hidden.url not in result_links(html)
    assert service("CAIT-ES-001", "ar").url in result_links(html)
