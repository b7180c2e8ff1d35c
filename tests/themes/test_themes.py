"""The theme a page wears: the site's choice, the citizen's high-contrast switch, templates per theme."""

import pytest
from django.urls import reverse
from wagtail.models import Site

from tests import factories
from themes import registry
from themes.models import ThemeSettings
from themes.selection import CONTRAST_COOKIE

pytestmark = pytest.mark.django_db

DEFAULT_TOKENS = "/static/themes/default/tokens.css"
HIGH_CONTRAST_TOKENS = "/static/themes/high-contrast/tokens.css"


@pytest.fixture(autouse=True)
def _site():
    """The home pages in both languages and the default site (what every page here is shown on)."""
    factories.portal_site()


def set_site_theme(name):
    settings = ThemeSettings.for_site(Site.objects.get(is_default_site=True))
    settings.theme = name
    settings.save()


def test_a_site_wears_the_default_theme_unless_told_otherwise(client):
    html = client.get("/ar/").content.decode()
    assert DEFAULT_TOKENS in html
    assert HIGH_CONTRAST_TOKENS not in html
    assert 'data-theme="default"' in html


def test_the_site_setting_puts_every_page_in_high_contrast(client):
    set_site_theme("high-contrast")
    for path in ("/ar/", "/en/", reverse("participation:petition_list")):
        html = client.get(path).content.decode()
        assert HIGH_CONTRAST_TOKENS in html, path
        assert "/static/themes/high-contrast/theme.css" in html
        assert DEFAULT_TOKENS not in html


def test_a_citizen_switches_to_high_contrast_and_it_is_remembered(client):
    response = client.post(reverse("switch_contrast"), {"contrast": "high", "next": "/en/"})
    assert response.status_code == 302
    assert response["Location"] == "/en/"
    cookie = response.cookies[CONTRAST_COOKIE]
    assert cookie.value == "high"
    assert int(cookie["max-age"]) >= 30 * 24 * 3600
    html = client.get("/en/").content.decode()
    assert HIGH_CONTRAST_TOKENS in html
    assert 'aria-pressed="true"' in html
    assert 'name="contrast" value="standard"' in html  # the same button now turns it off


def test_standard_contrast_on_a_high_contrast_site_gives_the_default_theme(client):
    set_site_theme("high-contrast")
    client.post(reverse("switch_contrast"), {"contrast": "standard", "next": "/ar/"})
    html = client.get("/ar/").content.decode()
    assert DEFAULT_TOKENS in html
    assert 'aria-pressed="false"' in html


def test_the_contrast_switch_works_as_a_plain_form_from_every_page(client):
    html = client.get("/ar/").content.decode()
    assert f'action="{reverse("switch_contrast")}"' in html
    assert 'name="next" value="/ar/"' in html


def test_an_unknown_contrast_is_refused_and_remembers_nothing(client):
    response = client.post(
        reverse("switch_contrast"), {"contrast": "purple", "next": "/ar/"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert CONTRAST_COOKIE not in response.cookies


def test_the_contrast_switch_never_sends_the_citizen_off_site(client):
    response = client.post(reverse("switch_contrast"), {"contrast": "high", "next": "https://example.com/"})
    assert response["Location"] == "/"


def test_the_contrast_switch_takes_posts_only(client):
    assert client.get(reverse("switch_contrast") + "?contrast=high").status_code == 405


def test_a_theme_overrides_only_the_templates_it_has(client, tmp_path, monkeypatch):
    (tmp_path / "404.html").write_text(
        '{% extends "base.html" %}{% block content %}<h1>Lost in the test theme</h1>{% endblock %}'
    )

    class TestTheme(registry.Theme):
        @property
        def template_dirs(self):
            return [tmp_path, registry.THEMES_DIR / "default" / "templates"]

    monkeypatch.setitem(registry.THEMES, "test-theme", TestTheme("test-theme", "Test", ("themes/default/portal.css",)))
    set_site_theme("test-theme")
    html = client.get("/en/no-such-page/").content.decode()
    assert "Lost in the test theme" in html
    assert 'class="skip-link"' in html  # base.html still comes from the default theme
    set_site_theme("default")
    assert "Lost in the test theme" not in client.get("/en/no-such-page/").content.decode()


def test_the_theme_setting_offers_every_registered_theme():
    field = ThemeSettings._meta.get_field("theme")
    assert {value for value, _ in field.choices} == {"default", "high-contrast"}
