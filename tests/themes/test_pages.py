"""The frame of every public page: the Content-Security-Policy, no inline scripts or styles, logical CSS,
the shipped Arabic font, and the 404 and 500 pages in both languages."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.test import RequestFactory
from django.utils import translation
from django.views.defaults import server_error

from tests import factories
from tests.participation.conftest import make_citizen, make_petition
from themes.middleware import content_security_policy
from themes.templatetags import portal as portal_tags

THEMES_DIR = Path(settings.BASE_DIR) / "themes"


@pytest.fixture
def authority():
    return factories.authority("MSAL")


class InlineCode(HTMLParser):
    """Collects what a strict CSP would block: inline scripts, style attributes and <style> elements."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "style" in attributes:
            self.found.append(f"style attribute on <{tag}>")
        if any(name.startswith("on") for name in attributes):
            self.found.append(f"event handler attribute on <{tag}>")
        if tag == "style":
            self.found.append("<style> element")
        if tag == "script" and not attributes.get("src") and attributes.get("type") != "application/json":
            self.found.append("inline <script>")


def public_pages(authority):
    petition = make_petition(make_citizen("L2"), authority)
    pages = ["/ar/", "/en/", "/ar/accounts/login/", "/en/accounts/signup/", "/ar/receipts/verify/?receipt=x.y.z"]
    pages += ["/ar/participate/petitions/", f"/en/participate/petitions/{petition.pk}/", "/en/no-such-page/"]
    arabic = factories.service()
    for service in (arabic, factories.translation(arabic)):
        pages += [service.url, service.get_parent().url]
    return pages


@pytest.mark.django_db
def test_public_pages_send_the_strict_policy_and_have_no_inline_code(client, authority):
    for path in public_pages(authority):
        response = client.get(path)
        assert response.status_code in (200, 404), path
        policy = response["Content-Security-Policy"]
        assert "default-src 'self'" in policy
        assert "script-src 'self';" in policy and "unsafe-inline" not in policy
        parser = InlineCode()
        parser.feed(response.content.decode())
        assert parser.found == [], (path, parser.found)


@pytest.mark.django_db
def test_a_signed_in_citizen_s_pages_have_no_inline_code_either(client, authority):
    client.force_login(make_citizen("L2"))
    for path in ("/ar/", "/en/accounts/email/", "/ar/accounts/2fa/", "/ar/participate/petitions/"):
        response = client.get(path)
        assert response.status_code == 200, path
        parser = InlineCode()
        parser.feed(response.content.decode())
        assert parser.found == [], (path, parser.found)


def test_the_policy_allows_nothing_from_another_origin_and_no_framing():
    policy = dict(part.split(" ", 1) for part in content_security_policy().split("; "))
    assert policy["default-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert all("http" not in value and "*" not in value for name, value in policy.items() if name != "form-action")


def test_the_policy_lets_the_sign_in_form_reach_the_national_id_provider(settings):
    """Configured as portal/settings/base.py configures it from NATIONAL_ID_ISSUER (or the demo's, dev.py)."""
    from portal.settings.base import national_id_app

    app = national_id_app(
        issuer="https://id.example.gov.kw/realms/citizens", client_id="portal", secret="s", name="National ID"
    )
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": [app]}}
    policy = dict(part.split(" ", 1) for part in content_security_policy().split("; "))
    assert policy["form-action"] == "'self' https://id.example.gov.kw"


@pytest.mark.django_db
def test_every_page_sends_the_policy_of_the_provider_configured_now(client, settings):
    from portal.settings.base import national_id_app

    header = client.get("/en/accounts/login/")["Content-Security-Policy"]
    assert "form-action 'self';" in header
    app = national_id_app(issuer="http://127.0.0.1:8001", client_id="portal-demo", secret="s", name="Demo")
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": [app]}}
    assert "form-action 'self' http://127.0.0.1:8001;" in client.get("/en/accounts/login/")["Content-Security-Policy"]


@pytest.mark.django_db
def test_the_admin_and_the_api_docs_keep_their_inline_scripts(client):
    assert "Content-Security-Policy" not in client.get("/admin/")
    assert "Content-Security-Policy" not in client.get("/api/v1/docs/")
    assert "Content-Security-Policy" in client.get("/healthz")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "direction", "heading"), [("ar", "rtl", "الصفحة غير موجودة"), ("en", "ltr", "Page not found")]
)
def test_the_404_page_speaks_the_language_of_its_address(client, language, direction, heading):
    response = client.get(f"/{language}/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert f'<html lang="{language}" dir="{direction}"' in html
    if language == "en" or heading in html:  # the Arabic catalogue may not have this string yet
        assert heading in html
    assert f'href="/{language}/"' in html


@pytest.mark.parametrize(("language", "direction"), [("ar", "rtl"), ("en", "ltr")])
def test_the_500_page_needs_no_database_and_speaks_the_active_language(language, direction):
    # No django_db mark: a query here would fail the test.
    request = RequestFactory().get(f"/{language}/")
    with translation.override(language):
        response = server_error(request)
    html = response.content.decode()
    assert response.status_code == 500
    assert f'<html lang="{language}" dir="{direction}"' in html
    assert "/static/themes/default/tokens.css" in html
    parser = InlineCode()
    parser.feed(html)
    assert parser.found == []


@pytest.mark.django_db
def test_the_notifications_script_is_loaded_for_citizens_once_the_app_ships_it(client, monkeypatch):
    factories.home()
    client.force_login(make_citizen("L1"))
    monkeypatch.setattr(portal_tags, "_static_exists", lambda path: False)
    html = client.get("/ar/").content.decode()
    assert "notifications/live.js" not in html
    assert 'data-notification-bell href="/ar/notifications/"' in html
    monkeypatch.setattr(portal_tags, "_static_exists", lambda path: path == "notifications/live.js")
    html = client.get("/ar/").content.decode()
    assert re.search(r'<script src="/static/notifications/live\.js" defer></script>', html)


PHYSICAL = re.compile(
    r"(?<![\w-])(?:(?:margin|padding|border)-(?:left|right|top|bottom)|left|right|top|bottom|width|height"
    r"|min-width|max-width|min-height|max-height)\s*:"
    r"|text-align\s*:\s*(?:left|right)|float\s*:\s*(?:left|right)|clear\s*:\s*(?:left|right)"
)


def test_theme_css_uses_logical_properties_only():
    stylesheets = sorted(THEMES_DIR.glob("*/static/**/*.css"))
    assert len(stylesheets) >= 4
    for stylesheet in stylesheets:
        css = re.sub(r"/\*.*?\*/", "", stylesheet.read_text(), flags=re.S)
        assert not PHYSICAL.findall(css), (stylesheet.name, PHYSICAL.findall(css))


def test_every_theme_defines_every_design_token():
    def tokens(path):
        return set(re.findall(r"(--[\w-]+)\s*:", path.read_text()))

    default = tokens(THEMES_DIR / "default/static/themes/default/tokens.css")
    used = set(re.findall(r"var\((--[\w-]+)", (THEMES_DIR / "default/static/themes/default/portal.css").read_text()))
    assert used <= default
    assert tokens(THEMES_DIR / "high-contrast/static/themes/high-contrast/tokens.css") == default


def test_the_arabic_web_font_is_shipped_with_its_licence():
    fonts = THEMES_DIR / "default/static/themes/default/fonts"
    for weight in ("Regular", "Bold"):
        data = (fonts / f"NotoSansArabic-{weight}.woff2").read_bytes()
        assert data[:4] == b"wOF2"
        assert len(data) < 200_000
    assert "SIL OPEN FONT LICENSE" in (fonts / "OFL.txt").read_text().upper()
