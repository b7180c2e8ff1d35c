"""What the home and service pages keep until the next purge (core.pagecache.fragment: the language switch's
translated URLs, the catalogue's links, a service's breadcrumb and related services) changes on the page once
the change is published, with nothing stale: each test warms the fragments first, then changes a page the way
an editor does (a revision published, a move, an unpublish), then reads the page again."""

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from cms.models import HomePage, ServiceIndexPage, ServicePage, ServiceRelation
from cms.services import choose_popular_services
from tests import factories

pytestmark = pytest.mark.django_db


@factories.per_module
def catalogue():
    pages = factories.services(3)
    choose_popular_services([page.service_id for page in pages[:2]])
    return pages


def _html(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def _switch_target(html, language):
    href = unescape(re.search(rf'href="(/language/{language}/[^"]+)"', html).group(1))
    return parse_qs(urlsplit(href).query)["next"][0]


def _arabic_and_english(catalogue):
    arabic = ServicePage.objects.get(pk=catalogue[0].pk)
    return arabic, arabic.get_translations().get(locale__language_code="en").specific


def test_the_language_switch_follows_a_translation_s_new_slug(client, catalogue, django_capture_on_commit_callbacks):
    arabic, english = _arabic_and_english(catalogue)
    assert _switch_target(_html(client, arabic.url), "en") == english.url
    assert _switch_target(_html(client, arabic.url), "en") == english.url  # kept
    with django_capture_on_commit_callbacks(execute=True):
        english.slug = "a-new-slug"
        english.save_revision().publish()
    english.refresh_from_db()
    assert english.url.endswith("/a-new-slug/")
    assert _switch_target(_html(client, arabic.url), "en") == english.url


def test_the_language_switch_follows_a_moved_translation(client, catalogue, django_capture_on_commit_callbacks):
    arabic, english = _arabic_and_english(catalogue)
    assert _switch_target(_html(client, arabic.url), "en") == english.url
    section = ServiceIndexPage.objects.filter(locale=english.locale, authority__isnull=False).exclude(
        pk=english.get_parent().pk
    )[0]
    with django_capture_on_commit_callbacks(execute=True):
        ServicePage.objects.filter(pk=english.pk).update(authority=section.authority)
        english.refresh_from_db()
        english.move(section, pos="last-child")
    english.refresh_from_db()
    assert english.url.startswith(section.url)
    assert _switch_target(_html(client, arabic.url), "en") == english.url


def test_the_language_switch_falls_back_once_the_translation_is_unpublished(
    client, catalogue, django_capture_on_commit_callbacks
):
    arabic, english = _arabic_and_english(catalogue)
    assert _switch_target(_html(client, arabic.url), "en") == english.url
    with django_capture_on_commit_callbacks(execute=True):
        english.unpublish()
    assert _switch_target(_html(client, arabic.url), "en") == english.get_parent().url


def test_home_page_links_follow_a_service_s_new_slug_and_title(client, catalogue, django_capture_on_commit_callbacks):
    home = HomePage.objects.live().get(locale__language_code="ar")
    service = ServicePage.objects.get(pk=catalogue[0].pk)
    assert f'href="{service.url}"' in _html(client, home.url)
    with django_capture_on_commit_callbacks(execute=True):
        service.slug = "renamed-service"
        service.title = "خدمة بعنوان جديد"
        service.save_revision().publish()
    service.refresh_from_db()
    html = _html(client, home.url)
    assert f'<a href="{service.url}">خدمة بعنوان جديد</a>' in html
    assert "/renamed-service/" in service.url


def test_a_service_page_s_related_services_and_breadcrumb_follow_a_publish(
    client, catalogue, django_capture_on_commit_callbacks
):
    service = ServicePage.objects.get(pk=catalogue[0].pk)
    other = ServicePage.objects.get(pk=catalogue[1].pk)
    ServiceRelation.objects.filter(page=service).delete()
    ServiceRelation.objects.create(page=service, service=other, sort_order=0)
    parent = service.get_parent().specific
    html = _html(client, service.url)
    assert f'<a href="{other.url}">{other.title}</a>' in html
    assert f'<a href="{parent.url}">{parent.title}</a>' in html
    with django_capture_on_commit_callbacks(execute=True):
        other.slug = "related-renamed"
        other.title = "خدمة ذات صلة بعنوان جديد"
        other.save_revision().publish()
        parent.title = "قسم بعنوان جديد"
        parent.save_revision().publish()
    other.refresh_from_db()
    html = _html(client, service.url)
    assert f'<a href="{other.url}">خدمة ذات صلة بعنوان جديد</a>' in html
    assert f'<a href="{parent.url}">قسم بعنوان جديد</a>' in html
