"""The home page: the services its editors chose as popular, in the page's language, and the sections other apps
add through cms/home.py."""

import pytest
from django.db import connection

from cms import home
from cms.models import HomePage, HomePopularService, ServicePage
from cms.selectors import popular_services
from cms.services import choose_popular_services
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("chosen")]


@factories.per_module
def chosen():
    """Four services, three of them the home pages' popular services in the order their editors chose, which is
    not the order the services were made in. Returns the chosen services' identifiers, in that order."""
    others = factories.services(3)
    civil_id = factories.service(
        "PACI-CID-002", "PACI", ar={"title": "تجديد البطاقة المدنية"}, en={"title": "Renew your civil ID card"}
    )
    service_ids = [civil_id.service_id, others[2].service_id, others[0].service_id]
    choose_popular_services(service_ids)
    return service_ids


def _home(language):
    return HomePage.objects.get(locale__language_code=language, depth=2)


def test_home_pages_list_the_chosen_services_in_their_order_and_their_own_language(client, chosen):
    for language in ("ar", "en"):
        services = popular_services(_home(language))
        assert [service.service_id for service in services] == chosen
        assert {service.locale.language_code for service in services} == {language}
        html = client.get(f"/{language}/").content.decode()
        section = html.split('aria-labelledby="popular-services"', 1)[1].split("</section>", 1)[0]
        links = [section.index(f'href="{service.url}"') for service in services]
        assert links == sorted(links)


def test_the_chosen_order_is_kept_however_the_database_reads_the_rows(chosen, on_services):
    """PostgreSQL gives rows back in the order of the plan it chooses, which changes with the tables' statistics:
    read from the table rather than through an index, a row written again comes last. The order chosen must be
    stored with the rows."""
    _home("ar").popular_services.get(service__service_id=chosen[0]).save()
    if on_services:  # the plan the whole suite's statistics led to
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_indexscan = off")
            cursor.execute("SET LOCAL enable_bitmapscan = off")
    assert [service.service_id for service in popular_services(_home("ar"))] == chosen
    # Rows stored without an order, as load_demo stored them until 6 December 2026, keep the order they were added in.
    HomePopularService.objects.update(sort_order=None)
    assert [service.service_id for service in popular_services(_home("ar"))] == chosen


def test_a_service_chosen_in_another_language_is_shown_in_the_home_pages_language(chosen):
    english_home = _home("en")
    arabic_service = ServicePage.objects.filter(locale__language_code="ar").exclude(service_id__in=chosen).first()
    english_home.popular_services = [HomePopularService(service=arabic_service)]
    english_home.save_revision().publish()

    assert popular_services(HomePage.objects.get(pk=english_home.pk)) == [factories.translation(arabic_service)]


def test_an_unpublished_service_drops_out_of_the_list():
    arabic_home = _home("ar")
    first = popular_services(arabic_home)[0]
    first.unpublish()
    assert first not in popular_services(HomePage.objects.get(pk=arabic_home.pk))


def test_the_home_page_api_gives_the_popular_services(client, chosen):
    english_home = _home("en")
    data = client.get(f"/api/v2/pages/{english_home.pk}/").json()
    assert [item["service_id"] for item in data["popular_services"]] == chosen
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
