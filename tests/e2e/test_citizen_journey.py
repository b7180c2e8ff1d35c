"""The citizen's journey on the demo, in a real browser: from an English petition page, sign in with the demo's
national digital identity (the loopback gateway `make run` starts, identity/oidc_gateway.py), come back to the
same page in English at L2, and sign. Screenshots for docs/journeys.md are written to docs/journeys/."""

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import translation

from identity.oidc_gateway import DEMO_PEOPLE, LoopbackOIDCProvider
from identity.policy import level_of
from participation.models import PetitionSignature
from portal.settings.base import national_id_app

from .pages import demo_petition, service_page
from .test_accessibility import axe_violations

DOCS = django_settings.BASE_DIR / "docs" / "journeys"


def doc_screenshot(page, name):
    """A small PNG for docs/journeys.md: the visible part of the page at a modest size."""
    from PIL import Image

    DOCS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 800, "height": 560})
    path = DOCS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    with Image.open(path) as shot:  # 64 colours: a fifth of the size, and still sharp for text
        shot.convert("RGB").quantize(colors=64).save(path, optimize=True)


@pytest.fixture
def demo_gateway(site, settings):
    """The demo's identity provider on the loopback, and the portal configured for it as `make run` does."""
    uris = [f"{site.url}/{code}/accounts/oidc/national-id/login/callback/" for code, _ in django_settings.LANGUAGES]
    with LoopbackOIDCProvider(redirect_uris=uris, interactive=True, client_id="portal-demo") as gateway:
        app = national_id_app(
            issuer=gateway.issuer,
            client_id=gateway.client_id,
            secret=gateway.client_secret,
            name="الهوية الرقمية (تجريبية) · Demo national ID",
        )
        settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"OAUTH_PKCE_ENABLED": True, "APPS": [app]}}
        yield gateway


def test_a_citizen_reaches_l2_with_the_demo_national_id_and_signs_from_where_they_were(open_page, demo_gateway):
    petition = demo_petition()
    browser = open_page()
    page = browser.page
    with translation.override("en"):
        detail = reverse("participation:petition_detail", args=[petition.pk])
    page.goto(detail)
    with page.expect_navigation():
        page.locator(".account-links a", has_text="Sign in").click()
    assert page.locator("html").get_attribute("lang") == "en"
    doc_screenshot(page, "citizen-1-sign-in")
    with page.expect_navigation():
        page.get_by_role("link", name="Demo national ID").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()

    # The demo gateway's page: labelled as a demonstration, in the citizen's language.
    assert page.url.startswith(demo_gateway.issuer)
    assert "this is not the national digital identity" in page.locator(".banner").inner_text()
    assert axe_violations(page) == []
    doc_screenshot(page, "citizen-2-demo-identity-provider")
    page.get_by_label(DEMO_PEOPLE[1][1]).check()
    with page.expect_navigation(url=f"**{detail}"):
        page.get_by_role("button", name="Approve and return to the portal").click()

    # Back on the same petition, in English, signed in at L2.
    assert page.url.endswith(detail) and page.locator("html").get_attribute("lang") == "en"
    page.locator("select[name=governorate]").select_option(index=1)
    with page.expect_navigation():
        page.locator(".petition-sign-form button[type=submit]").click()
    assert page.locator("h1").inner_text() == "You signed the petition"
    signature = PetitionSignature.objects.select_related("user").get(petition=petition)
    assert level_of(signature.user).value == "L2"
    doc_screenshot(page, "citizen-3-signed")
    # The browser went to the gateway's origin, as with the real national ID: that is the point of this test.
    browser.foreign_requests[:] = [url for url in browser.foreign_requests if not url.startswith(demo_gateway.issuer)]


def test_the_english_service_page_lists_audiences_with_the_english_comma(open_page):
    english = service_page("en")
    page = open_page().page
    page.goto(english.url)
    audiences = page.locator("dt", has_text="Who can use it").locator("xpath=following-sibling::dd[1]").inner_text()
    assert "،" not in audiences


def test_the_language_switch_on_an_untranslated_page_lands_on_the_nearest_page_and_says_so(open_page):
    arabic = service_page("ar")
    english = arabic.get_translations().get(locale__language_code="en")
    english.unpublish()
    try:
        page = open_page().page
        page.goto(arabic.url)
        with page.expect_navigation():
            page.locator('.language-switch a[hreflang="en"]').click()
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.url.endswith(arabic.get_parent().get_translations().get(locale__language_code="en").url)
        assert "not available in this language yet" in page.locator(".messages").inner_text()
        assert axe_violations(page) == []
        doc_screenshot(page, "citizen-4-nearest-translation")
    finally:
        english.save_revision().publish()
