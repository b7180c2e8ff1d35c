"""The public search page, /<lang>/search/: the same search as /api/v1/search/, as HTML that works without
JavaScript, in Arabic and English."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from cms.models import ServicePage
from search import selectors
from search.models import SearchEntry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("search_catalogue")]


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


def date_service(language, day="2020-01-15T10:00:00Z"):
    """A service dated `day` (in the catalogue and in the index); the others are dated when they were made."""
    page = service("MOH-MR-001", language)
    ServicePage.objects.filter(pk=page.pk).update(last_published_at=day)
    SearchEntry.objects.filter(source_id=str(page.pk)).update(date=day)
    return page


def date_input(html, name):
    match = re.search(rf'<input type="date" name="{name}"[^>]*>', html, re.S)
    assert match, f"no date input {name}"
    return match.group(0)


def test_the_date_fields_are_labelled_inputs_in_a_fieldset(search_page):
    response, html = search_page("en", q="")
    assert response.status_code == 200
    fieldset = re.search(r'<fieldset class="search-dates">(.*?)</fieldset>', html, re.S).group(1)
    assert "<legend>Date</legend>" in fieldset
    assert '<label for="search-date-from">From</label>' in fieldset
    assert '<label for="search-date-to">To</label>' in fieldset
    for name, field_id in (("date_from", "search-date-from"), ("date_to", "search-date-to")):
        field = date_input(html, name)
        assert f'id="{field_id}" value=""' in field
        assert 'aria-describedby="search-dates-help"' in field and "aria-invalid" not in field
    assert 'id="search-dates-help"' in fieldset
    _response, html = search_page("ar", q="")
    assert date_input(html, "date_from") and date_input(html, "date_to")


def test_dates_narrow_the_results_inclusively(search_page):
    dated = date_service("ar")
    _response, html = search_page(q="", date_to="2020-01-15")
    assert result_links(html) == [dated.url]
    _response, html = search_page(q="", date_from="2020-01-15", date_to="2020-01-15")
    assert result_links(html) == [dated.url]
    response, html = search_page(q="", date_from="2020-01-16", page_size=50)
    assert response.status_code == 200
    assert result_links(html) and dated.url not in result_links(html)
    # The days chosen stay in their fields.
    assert 'value="2020-01-16"' in date_input(html, "date_from")
    # The page and the API agree with dates too.
    _response, undated = search_page(q="", page_size=50)
    assert len(result_links(undated)) == len(result_links(html)) + 1


def test_empty_date_fields_as_the_form_sends_them_are_no_limit(search_page, search):
    _response, without = search_page(q="", authority="PAM")
    response, html = search_page(q="", authority="PAM", date_from="", date_to="")
    assert response.status_code == 200
    assert result_links(html) == result_links(without)
    assert search(date_from="", date_to="").status_code == 200


def test_dates_in_use_are_listed_and_each_can_be_removed(search_page):
    date_service("en")
    response, html = search_page("en", q="", authority="PAM", date_from="2000-01-01", date_to="2030-12-31")
    assert response.status_code == 200
    active = re.search(r'<div class="active-filters">(.*?)</div>', html, re.S).group(1)
    # Removing one date keeps the other date and the facets; removing all removes the dates too.
    assert re.search(r'<a href="\?authority=PAM&amp;date_to=2030-12-31">Remove filter: From — [^<]*2000</a>', active)
    assert re.search(r'<a href="\?authority=PAM&amp;date_from=2000-01-01">Remove filter: To — [^<]*2030</a>', active)
    assert '<a href="?date_from=2000-01-01&amp;date_to=2030-12-31">Remove filter: Authority' in active
    assert '<p><a href="?">Remove all filters</a></p>' in active


def test_dates_are_kept_by_facets_and_page_links(search_page):
    response, html = search_page(q="", authority="PAM", date_from="2000-01-01")
    assert response.status_code == 200
    # The facet checkboxes are in the same GET form as the date fields, which keep the days chosen.
    form = re.search(r'<form method="get" action="/ar/search/".*?</form>', html, re.S).group(0)
    assert re.search(r'<input type="checkbox" name="authority" id="facet-authority-\d+" value="PAM" checked>', form)
    assert 'value="2000-01-01"' in date_input(form, "date_from")
    # Links keep them: the pages, and removing another filter.
    assert '<a href="?authority=PAM&amp;date_from=2000-01-01&amp;page=2" rel="next">' in html
    assert re.search(r'<a href="\?authority=PAM&amp;date_from=2000-01-01&amp;page=\d+">', html)
    assert '<a href="?date_from=2000-01-01">' in html  # remove the authority, keep the date
    _response, second = search_page(q="", authority="PAM", date_from="2000-01-01", page="2")
    assert '<a href="?authority=PAM&amp;date_from=2000-01-01&amp;page=1" rel="prev">' in second
    assert 'value="2000-01-01"' in date_input(second, "date_from")


def test_a_date_that_is_not_a_date_is_a_400_with_the_message_at_its_field(search_page):
    response, html = search_page("en", q="permit", authority="PAM", date_from="31/02/2026", date_to="2026-03-31")
    assert response.status_code == 400
    message = "“From” must be a date, for example 2026-03-31."
    # Next to its field, tied to it, the text as typed kept; in a summary at the top that links to the field.
    assert f'<p id="search-date-from-error" class="errorlist">{message}</p>' in html
    field = date_input(html, "date_from")
    assert 'value="31/02/2026"' in field
    assert 'aria-describedby="search-dates-help search-date-from-error" aria-invalid="true"' in field
    summary = re.search(r'<div class="notice error-summary" role="alert">(.*?)</div>', html, re.S).group(1)
    assert f'<a href="#search-date-from">{message}</a>' in summary
    # Nothing else is marked wrong, and nothing else is lost.
    to_field = date_input(html, "date_to")
    assert 'value="2026-03-31"' in to_field and "aria-invalid" not in to_field
    assert "search-date-to-error" not in html
    search_box = re.search(r'<input type="search" name="q"[^>]*>', html, re.S).group(0)
    assert 'value="permit"' in search_box and "aria-invalid" not in search_box
    assert 'id="search-error"' not in html
    assert '<input type="hidden" name="status"' not in html and 'name="order"' in html and 'name="locale"' in html


def test_both_dates_wrong_mark_both_fields_and_typed_text_is_escaped(search_page):
    response, html = search_page("ar", date_from="<b>x</b>", date_to="tomorrow")
    assert response.status_code == 400
    assert 'value="&lt;b&gt;x&lt;/b&gt;"' in date_input(html, "date_from")
    assert "<b>x</b>" not in html
    for name, field_id in (("date_from", "search-date-from"), ("date_to", "search-date-to")):
        assert f'{field_id}-error" aria-invalid="true"' in date_input(html, name)
        assert f'<p id="{field_id}-error" class="errorlist">' in html


def test_dates_the_wrong_way_round_are_a_400_at_the_to_field(search_page):
    response, html = search_page("en", q="permit", date_from="2026-03-01", date_to="2026-02-01")
    assert response.status_code == 400
    message = "“To” must be the same day as “From” or later."
    assert f'<p id="search-date-to-error" class="errorlist">{message}</p>' in html
    assert f'<a href="#search-date-to">{message}</a>' in html
    to_field = date_input(html, "date_to")
    assert 'value="2026-02-01"' in to_field and 'aria-invalid="true"' in to_field
    from_field = date_input(html, "date_from")
    assert 'value="2026-03-01"' in from_field and "aria-invalid" not in from_field
    response, html = search_page("ar", date_from="2026-03-01", date_to="2026-02-01")
    assert response.status_code == 400
    assert 'id="search-date-to-error"' in html and 'role="alert"' in html
    # The same day at both ends is one day, not an error.
    assert search_page("en", date_from="2026-03-01", date_to="2026-03-01")[0].status_code == 200


def test_another_bad_parameter_with_a_bad_date_is_shown_at_the_search_box_too(search_page):
    response, html = search_page("en", q="permit", page="0", date_to="nope")
    assert response.status_code == 400
    assert 'id="search-error"' in html and "page:" in html
    assert 'id="search-date-to-error"' in html
