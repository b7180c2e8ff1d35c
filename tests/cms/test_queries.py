"""The public pages' query counts, uncached (no page cache; the menu, route and catalogue fragments warm, as
every request but the first after a purge finds them): at most 8 each, and the same for 1 or 20 items; the home
page 1 and a service page 2 (the page, and the service's comments), since what they link to is kept until the next
purge (docs/benchmarks.md#public-pages-query-counts). A test here fails when a query is added."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cms.models import ServiceIndexPage, ServicePage, ServiceRelation
from cms.services import choose_popular_services
from tests import factories

pytestmark = pytest.mark.django_db

MAX_QUERIES = 8
HOME_QUERIES = 1  # the home page (its catalogue, consultations and translations' links are kept)
SERVICE_QUERIES = 2  # the service page and its comments (its links and translations' links are kept)


def _queries(client, url):
    client.get(url)  # fill the fragments (route, menu, theme) that a purge empties
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@factories.per_module
def catalogue():
    """21 services of three authorities, six of them the home pages' popular services (as in the demo)."""
    pages = factories.services(21)
    choose_popular_services([page.service_id for page in pages[:6]])
    return pages


def _services():
    return ServicePage.objects.live().filter(locale__language_code="ar").order_by("pk")


def test_a_service_page_costs_at_most_2_queries_for_1_or_20_related_services(client, catalogue):
    service, *others = list(_services()[:21])
    ServiceRelation.objects.filter(page=service).delete()
    ServiceRelation.objects.create(page=service, service=others[0], sort_order=0)
    one = _queries(client, service.url)
    for order, other in enumerate(others[1:20], start=1):
        ServiceRelation.objects.create(page=service, service=other, sort_order=order)
    cache.clear()
    twenty = _queries(client, service.url)
    assert one == twenty, f"{one} queries with 1 related service, {twenty} with 20"
    assert twenty <= SERVICE_QUERIES


def test_the_home_page_costs_at_most_1_query(client, catalogue):
    assert _queries(client, "/ar/") <= HOME_QUERIES
    assert _queries(client, "/en/") <= HOME_QUERIES


def test_the_catalogue_costs_at_most_8_queries_for_1_or_20_services(client, catalogue):
    catalogue = ServiceIndexPage.objects.live().get(locale__language_code="ar", authority__isnull=True)
    assert _services().count() >= 20
    twenty = _queries(client, catalogue.url)
    keep = _services().first()
    _services().exclude(pk=keep.pk).update(live=False)
    cache.clear()
    one = _queries(client, catalogue.url)
    assert one == twenty, f"{one} queries with 1 service, {twenty} with 20 or more"
    assert twenty <= MAX_QUERIES


def test_a_catalogue_section_costs_at_most_8_queries(client, catalogue):
    section = ServiceIndexPage.objects.live().filter(locale__language_code="ar", authority__isnull=False).first()
    assert _queries(client, section.url) <= MAX_QUERIES


def test_the_v2_listing_of_20_services_costs_at_most_8_queries(client, catalogue):
    url = "/api/v2/pages/?type=cms.ServicePage&locale=ar&fields=*&limit=20"
    assert _queries(client, url) <= MAX_QUERIES
