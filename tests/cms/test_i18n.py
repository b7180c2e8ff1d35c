import re

import pytest

from cms.models import ServicePage
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalogue")]


@factories.per_module
def catalogue():
    """Three services, the first with a fee and a life event, the second for two audiences."""
    return factories.services(3)


def _html_tag(response):
    return re.search(r"<html[^>]*>", response.content.decode()).group(0)


def test_root_redirects_to_arabic_even_when_the_browser_prefers_english(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 302 and response["Location"] == "/ar/"


def test_root_remembers_a_chosen_language(client):
    client.cookies["portal_language"] = "en"
    assert client.get("/")["Location"] == "/en/"


@pytest.mark.parametrize(("path", "lang", "direction"), [("/ar/", "ar", "rtl"), ("/en/", "en", "ltr")])
def test_home_pages_set_lang_and_dir(client, path, lang, direction):
    response = client.get(path)
    assert response.status_code == 200
    assert _html_tag(response) == f'<html lang="{lang}" dir="{direction}">'


def test_service_page_in_both_languages(client):
    ar = ServicePage.objects.live().filter(locale__language_code="ar").first()
    en = ar.get_translation(ServicePage.objects.filter(locale__language_code="en").first().locale)
    ar_html = client.get(ar.url).content.decode()
    en_html = client.get(en.url).content.decode()
    assert ar.url.startswith("/ar/") and en.url.startswith("/en/")
    assert ar.title in ar_html and en.title in en_html
    assert "د.ك" in ar_html or ar.fee_fils == 0
    assert "الرسوم" in ar_html and "Fee" in en_html


def test_language_switch_lands_on_the_translation_and_is_remembered(client):
    ar = ServicePage.objects.live().filter(locale__language_code="ar").first()
    en = ar.get_translations().get(locale__language_code="en")
    html = client.get(ar.url).content.decode()
    switch = re.search(r'href="(/language/en/[^"]+)"', html).group(1).replace("&amp;", "&")
    response = client.get(switch)
    assert response.status_code == 302
    assert response["Location"] == en.url
    assert response.cookies["portal_language"].value == "en"
    assert client.get("/")["Location"] == "/en/"


def test_language_switch_refuses_to_redirect_off_site(client):
    response = client.get("/language/en/", {"next": "https://evil.example/"})
    assert response["Location"] == "/en/"


def test_unknown_page_is_a_404_in_the_visitors_language(client):
    response = client.get("/en/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    response = client.get("/ar/no-such-page/")
    assert response.status_code == 404
    assert 'dir="rtl"' in response.content.decode()


def test_admin_speaks_arabic_right_to_left_by_default(client):
    client.force_login(factories.staff("approver"))
    response = client.get("/admin/")
    assert response.status_code == 200
    tag = _html_tag(response)
    assert 'lang="ar"' in tag and 'dir="rtl"' in tag


def test_catalogue_filters_by_life_event(client):
    page = ServicePage.objects.live().filter(locale__language_code="en").exclude(life_events=None).first()
    event = page.life_events.first()
    other = ServicePage.objects.live().filter(locale__language_code="en").exclude(life_events=event).first()
    html = client.get("/en/services/", {"life_event": event.slug}).content.decode()
    assert page.title in html
    assert other is None or other.title not in html


def test_language_switch_on_an_untranslated_page_lands_on_the_nearest_translated_page_and_says_so(client):
    ar = ServicePage.objects.live().filter(locale__language_code="ar").first()
    en = ar.get_translations().get(locale__language_code="en")
    en.unpublish()  # the Arabic page has no English version now
    nearest = ar.get_parent().get_translations().get(locale__language_code="en")
    html = client.get(ar.url).content.decode()
    switch = re.search(r'href="(/language/en/[^"]+)"', html).group(1).replace("&amp;", "&")
    response = client.get(switch)
    assert response.status_code == 302 and response["Location"] == nearest.url
    landed = client.get(response["Location"])
    assert landed.status_code == 200
    assert "The page you were on is not available in this language yet" in landed.content.decode()
    # and from English back to an Arabic page that is there: no such notice
    back = re.search(r'href="(/language/ar/[^"]+)"', landed.content.decode()).group(1).replace("&amp;", "&")
    assert "nearest" not in back


def test_english_service_pages_list_audiences_with_the_english_comma(client):
    pages = [page for page in ServicePage.objects.live().filter(locale__language_code="en") if len(page.audience) > 1]
    assert pages, "the catalogue has services for more than one audience"
    for page in pages[:3]:
        html = client.get(page.url).content.decode()
        audiences = re.search(r"<dd>([^<]*)</dd>", html[html.index("Who can use it") :]).group(1)
        assert "،" not in audiences and ", " in audiences, audiences
    arabic = pages[0].get_translations().get(locale__language_code="ar")
    html = client.get(arabic.url).content.decode()
    assert "، " in re.search(r"<dd>([^<]*)</dd>", html[html.index("الفئات المستفيدة") :]).group(1)
