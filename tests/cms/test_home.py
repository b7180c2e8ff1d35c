"""The home page: the services its editors chose as popular, in the page's language, and the sections other apps
add through cms/home.py."""

import pytest

from cms import home
from cms.models import HomePage, HomePopularService, ServicePage
from cms.selectors import popular_services

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]


def _home(language):
    return HomePage.objects.get(locale__language_code=language, depth=2)


def test_demo_home_pages_list_the_chosen_services_in_their_own_language(client):
    for language in ("ar", "en"):
        services = popular_services(_home(language))
        assert [service.service_id for service in services][:2] == ["PACI-CID-002", "MOI-RES-001"]
        assert {service.locale.language_code for service in services} == {language}
        html = client.get(f"/{language}/").content.decode()
        section = html.split('aria-labelledby="popular-services"', 1)[1].split("</section>", 1)[0]
        for service in services:
            assert f'href="{service.url}"' in section


def test_a_service_chosen_in_another_language_is_shown_in_the_home_pages_language():
    english_home = _home("en")
    arabic_service = ServicePage.objects.get(service_id="MOJ-POA-001", locale__language_code="ar")
    english_home.popular_services = [HomePopularService(service=arabic_service)]
    english_home.save_revision().publish()

    assert popular_services(HomePage.objects.get(pk=english_home.pk)) == [
        ServicePage.objects.get(service_id="MOJ-POA-001", locale__language_code="en")
    ]


def test_an_unpublished_service_drops_out_of_the_list():
    arabic_home = _home("ar")
    first = popular_services(arabic_home)[0]
    first.unpublish()
    assert first not in popular_services(HomePage.objects.get(pk=arabic_home.pk))


def test_the_home_page_api_gives_the_popular_services(client):
    english_home = _home("en")
    data = client.get(f"/api/v2/pages/{english_home.pk}/").json()
    assert [item["service_id"] for item in data["popular_services"]][:2] == ["PACI-CID-002", "MOI-RES-001"]
    assert data["popular_services"][0]["title"] == "Renew your civil ID card"


def test_a_registered_section_is_shown_in_order_and_one_with_nothing_to_show_is_left_out(client, settings):
    # A section's template is found like any other; here an extra loader serves the test's own.
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [
        {
            **engine,
            "OPTIONS": {
                **engine["OPTIONS"],
                "loaders": [
                    ("django.template.loaders.locmem.Loader", {"test/section.html": SECTION}),
                    *engine["OPTIONS"]["loaders"],
                ],
            },
        }
    ]
    home.register(
        home.HomeSection("test-first", "test/section.html", lambda request, page: {"words": "FIRST"}, order=1)
    )
    home.register(home.HomeSection("test-empty", "test/section.html", lambda request, page: None, order=2))
    home.register(
        home.HomeSection("test-last", "test/section.html", lambda request, page: {"words": "LAST"}, order=999)
    )
    try:
        html = client.get("/ar/").content.decode()
    finally:
        for name in ("test-first", "test-empty", "test-last"):
            home.unregister(name)
    assert html.count('<h2 id="x">') == 2
    assert html.index("FIRST") < html.index('id="home-petitions"') < html.index("LAST")


SECTION = '<section aria-labelledby="x"><h2 id="x">{{ section.words }}</h2></section>'
