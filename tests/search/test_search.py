"""The search as citizens use it, through the API, on the configured engine (the database engine here:
SQLite on the embedded default, PostgreSQL under `make test-services`)."""

import pytest

from cms.models import ServicePage
from search.models import SearchEntry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("search_catalogue")]


def service(service_id, language):
    return ServicePage.objects.get(service_id=service_id, locale__language_code=language)


def ids(response):
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


def test_a_citizen_typing_alkatrunia_finds_the_electronic_portal_services(search):
    """الكترونيه (no hamza, ه for ة) finds titles written الإلكترونية."""
    found = ids(search(q="الكترونيه", locale="ar"))
    assert str(service("CAIT-ACC-001", "ar").pk) in found  # إنشاء حساب في بوابة الحكومة الإلكترونية
    assert str(service("CAIT-ES-001", "ar").pk) in found  # الإبلاغ عن مشكلة في خدمة إلكترونية


def test_muamala_without_taa_marbuta_finds_muamala(search):
    found = ids(search(q="معامله"))
    assert str(service("PAM-EN-001", "ar").pk) in found  # الاستعلام عن حالة معاملة لدى الهيئة…


@pytest.mark.parametrize("typed", ["البطاقه المدنيه", "البطاقة المدنية", "بطاقه مدنيه", "البِطاقة المدنيّة"])
def test_arabic_spellings_of_one_phrase_find_the_same_services(search, typed):
    found = ids(search(q=typed, locale="ar", page_size=50))
    assert str(service("PACI-CID-002", "ar").pk) in found  # تجديد البطاقة المدنية


def test_arabic_indic_digits_find_ascii_digits(search):
    """Service identifiers are in the text; ٠٠١ is searched as 001."""
    found = ids(search(q="PAM WP ٠٠١", locale="en"))
    assert found[0] == str(service("PAM-WP-001", "en").pk)


def test_english_words_are_stemmed(search):
    found = ids(search(q="renewing permits", locale="en"))
    assert str(service("PAM-WP-002", "en").pk) in found  # Renew a work permit


def test_every_word_must_match(search):
    assert ids(search(q="civil card", locale="en"))
    assert ids(search(q="civil card zebra", locale="en")) == []


def test_results_carry_the_documented_shape_and_a_highlight_on_the_original_text(search):
    data = search(q="الكترونيه", locale="ar").json()
    assert set(data) == {"count", "corrected", "page", "page_size", "results", "facets"}
    assert set(data["facets"]) == {"kind", "authority", "life_event", "locale"}
    hit = next(item for item in data["results"] if item["id"] == str(service("CAIT-ACC-001", "ar").pk))
    assert set(hit) == {"kind", "id", "title", "url", "summary", "highlight", "locale", "authority", "date"}
    assert hit["kind"] == "service" and hit["locale"] == "ar" and hit["authority"] == "CAIT"
    assert hit["url"].startswith("/ar/services/")
    # The highlight shows the text as written (with its hamza), the matching word marked.
    assert "<mark>الإلكترونية</mark>" in hit["highlight"]


def test_filters_narrow_the_results_and_facets_count_the_filtered_set(search):
    everything = search(q="", page_size=50).json()
    assert everything["count"] == SearchEntry.objects.count() == ServicePage.objects.live().count()
    data = search(authority="PAM", locale="en", page_size=50).json()
    expected = ServicePage.objects.live().filter(authority__code="PAM", locale__language_code="en")
    assert data["count"] == expected.count() == len(data["results"])
    assert {item["authority"] for item in data["results"]} == {"PAM"}
    assert data["facets"]["authority"] == [{"value": "PAM", "count": data["count"]}]
    assert data["facets"]["locale"] == [{"value": "en", "count": data["count"]}]
    assert data["facets"]["kind"] == [{"value": "service", "count": data["count"]}]
    employment = next(item for item in data["facets"]["life_event"] if item["value"] == "employment")
    assert employment["count"] == expected.filter(life_events__slug="employment").count()


def test_life_event_status_and_kind_filters(search):
    data = search(life_event="family", locale="ar", page_size=50).json()
    assert (
        data["count"]
        == ServicePage.objects.live().filter(life_events__slug="family", locale__language_code="ar").count()
    )
    suspended = search(status="suspended", page_size=50).json()
    assert suspended["count"] == ServicePage.objects.live().filter(status="suspended").count() > 0
    both = search(life_event="family,health", locale="ar", page_size=50).json()
    assert both["count"] > data["count"]
    assert search(kind="petition").json()["count"] == 0


def test_date_filter_and_date_order(search):
    page = service("MOH-MR-001", "en")
    ServicePage.objects.filter(pk=page.pk).update(last_published_at="2020-01-15T10:00:00Z")
    SearchEntry.objects.filter(source_id=str(page.pk)).update(date="2020-01-15T10:00:00Z")
    assert ids(search(date_to="2020-01-15", locale="en")) == [str(page.pk)]
    assert str(page.pk) not in ids(search(date_from="2020-01-16", locale="en", page_size=50))
    dated = search(order="date", locale="en", page_size=50).json()["results"]
    assert [item["date"] for item in dated] == sorted((item["date"] for item in dated), reverse=True)
    assert dated[-1]["id"] == str(page.pk)


def test_pages(search):
    first = search(locale="ar", page_size=10).json()
    second = search(locale="ar", page_size=10, page=2).json()
    assert first["count"] == second["count"] > 10
    assert not {item["id"] for item in first["results"]} & {item["id"] for item in second["results"]}
    far = search(locale="ar", page_size=10, page=9999).json()
    assert far["results"] == [] and far["count"] == first["count"]


def test_relevance_puts_title_matches_first(search):
    results = search(q="social assistance", locale="en").json()["results"]
    in_title = ["social assistance" in item["title"].lower() for item in results]
    assert in_title[:2] == [True, True] and len(results) > 2  # then those that mention it in the text
    assert in_title == sorted(in_title, reverse=True)


def test_suggestions_complete_words_as_they_are_typed(suggest):
    response = suggest(q="بطاق", locale="ar")
    assert response.status_code == 200
    titles = [item["title"] for item in response.json()]
    assert titles and all("البطاقة" in title for title in titles)
    assert len(titles) <= 10
    assert set(response.json()[0]) == {"kind", "id", "title", "url"}
    english = [item["title"] for item in suggest(q="renew wo", locale="en").json()]
    assert english == ["Renew a work permit"]
    assert {item["title"] for item in suggest(q="الكترون").json()} == {
        "الإبلاغ عن مشكلة في خدمة إلكترونية",
        "إنشاء حساب في بوابة الحكومة الإلكترونية",
    }
    assert suggest(q="").json() == []


def test_titles_that_begin_with_the_word_are_suggested_first(suggest):
    titles = [item["title"] for item in suggest(q="تجديد", locale="ar").json()]
    begin = [title.startswith("تجديد") for title in titles]
    assert begin.count(True) >= 3 and False in begin  # "طلب تجديد رخصة القيادة" has the word second
    assert begin == sorted(begin, reverse=True)


def test_a_misspelt_english_query_is_corrected_and_says_so(client):
    body = client.get("/api/v1/search/", {"q": "comercial licence", "locale": "en"}).json()
    assert body["corrected"] == "commercial licence" and body["count"] > 0
    assert any("commercial licence" in hit["title"] for hit in body["results"])
    page = client.get("/en/search/", {"q": "residense permit"}).content.decode()
    assert "Showing results for" in page and "residence permit" in page
    # Words that match as typed are never "corrected".
    assert client.get("/api/v1/search/", {"q": "commercial licence", "locale": "en"}).json()["corrected"] == ""
    arabic = client.get("/ar/search/", {"q": "رخصه تجاريه"}).content.decode()
    assert "search-corrected" not in arabic
