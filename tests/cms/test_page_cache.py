"""Publishing purges exactly what shows the page from the page caches (cms/cache.py, core/pagecache.py)."""

from unittest import mock

import pytest

from cms import cache as cms_cache
from cms.models import HomePage, LifeEvent, ServiceIndexPage, ServicePage
from core import pagecache
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.PAGE_CACHE_IN_PROCESS = True
    settings.PAGE_CACHE_SECONDS = 60


@factories.per_module
def catalogue():
    """Three services of three authorities (each in its section), in the life events "employment" and "family"."""
    return factories.services(3)


@pytest.fixture
def service(catalogue):
    return ServicePage.objects.get(pk=catalogue[0].pk)


def _hit(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response[pagecache.HIT_HEADER] == "hit", response.content.decode()


def test_publishing_shows_the_change_at_once(client, service, django_capture_on_commit_callbacks):
    _hit(client, service.url)
    assert _hit(client, service.url)[0]
    with django_capture_on_commit_callbacks(execute=True):
        service.title = "عنوان جديد للخدمة"
        service.save_revision().publish()
    hit, html = _hit(client, service.url)
    assert not hit and "عنوان جديد للخدمة" in html


def test_publishing_purges_the_listings_above_and_the_api(client, service, django_capture_on_commit_callbacks):
    parent = service.get_parent()
    listing = "/api/v2/pages/?type=cms.ServicePage&locale=ar&fields=*&limit=20"
    urls = [parent.url, "/ar/", listing, f"/api/v2/pages/{service.pk}/"]
    for url in urls:
        _hit(client, url)
        assert _hit(client, url)[0], url
    with django_capture_on_commit_callbacks(execute=True):
        service.title = "عنوان آخر"
        service.save_revision().publish()
    for url in urls:
        assert not _hit(client, url)[0], url


def test_the_batch_names_each_language_the_parents_the_home_and_the_api(service):
    from wagtail.models import Locale

    english = service.get_translation(Locale.objects.get(language_code="en"))
    batch = cms_cache.page_batch([service])
    paths = {url.split("//", 1)[1].split("/", 1)[1] for url in batch.urls}
    assert service.url.lstrip("/") in paths
    assert english.url.lstrip("/") in paths
    for page in service.get_ancestors().filter(depth__gt=1):
        assert page.url.lstrip("/") in paths
    assert "ar/" in paths and "en/" in paths
    assert "api/v2/pages/" in paths and f"api/v2/pages/{service.pk}/" in paths
    other = ServicePage.objects.live().exclude(translation_key=service.translation_key).first()
    assert other.url.lstrip("/") not in paths


def test_unpublishing_purges(client, service, django_capture_on_commit_callbacks):
    _hit(client, service.url)
    with django_capture_on_commit_callbacks(execute=True):
        service.unpublish()
    assert client.get(service.url).status_code == 404


def test_changing_an_authority_purges_its_services(client, service, django_capture_on_commit_callbacks):
    authority = service.authority
    _hit(client, service.url)
    assert _hit(client, service.url)[0]
    with django_capture_on_commit_callbacks(execute=True):
        authority.name = "هيئة باسم جديد"
        authority.save()
    hit, html = _hit(client, service.url)
    assert not hit and "هيئة باسم جديد" in html


def test_changing_a_life_event_purges_home_and_catalogue(client, catalogue, django_capture_on_commit_callbacks):
    home = HomePage.objects.live().get(locale__language_code="ar")
    catalogue = ServiceIndexPage.objects.live().filter(locale__language_code="ar", authority__isnull=True).first()
    event = LifeEvent.objects.filter(locale=home.locale).first()
    for url in (home.url, catalogue.url):
        _hit(client, url)
        assert _hit(client, url)[0]
    with django_capture_on_commit_callbacks(execute=True):
        event.name = "مناسبة باسم جديد"
        event.save()
    for url in (home.url, catalogue.url):
        hit, html = _hit(client, url)
        assert not hit and "مناسبة باسم جديد" in html, url


def test_moving_a_page_purges_its_old_address(client, catalogue, django_capture_on_commit_callbacks):
    service = ServicePage.objects.live().filter(locale__language_code="ar", authority__isnull=False).first()
    old_url = service.url
    old_parent = service.get_parent()
    _hit(client, old_url)
    assert _hit(client, old_url)[0]
    target = ServiceIndexPage.objects.filter(locale=service.locale).exclude(pk=old_parent.pk).first()
    with django_capture_on_commit_callbacks(execute=True):
        ServicePage.objects.filter(pk=service.pk).update(authority=target.authority or service.authority)
        service.refresh_from_db()
        service.move(target, pos="last-child")
    gone = client.get(old_url)
    assert gone.status_code in (301, 404)  # Wagtail's redirects app redirects a moved page's old address
    assert pagecache.HIT_HEADER not in gone
    assert not _hit(client, old_parent.url)[0]


def test_the_http_backend_sends_purge_to_the_proxy_with_the_page_host(settings, service):
    settings.WAGTAILFRONTENDCACHE = {
        "pagecache": {"BACKEND": "core.pagecache.PurgeBackend"},
        "proxy": {
            "BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend",
            "LOCATION": "http://127.0.0.1:6081",
        },
    }
    with mock.patch("wagtail.contrib.frontend_cache.backends.http.urlopen") as urlopen:
        cms_cache.page_batch([service]).purge()
    requests = [call.args[0] for call in urlopen.call_args_list]
    assert requests and all(request.get_method() == "PURGE" for request in requests)
    assert all(request.full_url.startswith("http://127.0.0.1:6081/") for request in requests)
    site_host = service.get_site().root_url.split("//", 1)[1]
    assert {request.headers["Host"] for request in requests} == {site_host}
    assert f"http://127.0.0.1:6081{service.url}" in {request.full_url for request in requests}


def _ids(pages):
    return set(pages.values_list("pk", flat=True))


def test_public_pages_from_the_kept_restrictions_are_wagtails_public_pages(
    catalogue, django_assert_num_queries, django_capture_on_commit_callbacks
):
    from wagtail.models import PageViewRestriction

    services = ServicePage.objects.live()
    assert _ids(cms_cache.public(services)) == _ids(services.public()) == _ids(services)
    everything = _ids(services)
    with django_assert_num_queries(1):  # the restrictions are kept: only the pages are read
        assert _ids(cms_cache.public(services)) == everything
    section = ServicePage.objects.get(pk=catalogue[0].pk).get_parent()
    with django_capture_on_commit_callbacks(execute=True):
        restriction = PageViewRestriction.objects.create(page=section, restriction_type=PageViewRestriction.LOGIN)
    hidden = _ids(services.descendant_of(section, inclusive=True))
    assert hidden and _ids(cms_cache.public(services)) == _ids(services.public()) == _ids(services) - hidden
    with django_capture_on_commit_callbacks(execute=True):
        restriction.delete()
    assert _ids(cms_cache.public(services)) == _ids(services)


def test_a_restriction_is_seen_at_once_in_the_transaction_that_adds_it(catalogue):
    from wagtail.models import PageViewRestriction

    services = ServicePage.objects.live()
    assert _ids(cms_cache.public(services)) == _ids(services)  # kept
    page = ServicePage.objects.get(pk=catalogue[1].pk)
    PageViewRestriction.objects.create(page=page, restriction_type=PageViewRestriction.LOGIN)
    assert page.pk not in _ids(cms_cache.public(services))
