"""axe-core finds no violation on the pages where a signed-in citizen sets up two-factor authentication — the MFA
index, the password check before adding a factor, turning on an authenticator app (a QR code, the secret as text
and a code field), the recovery codes and generating new ones, security keys (passkeys) and the page that turns the app off —
in Arabic and English, in both themes. The set-up is done for real: the secret read off the page activates the
app."""

from importlib import import_module

import pytest
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from tests.identity.helpers import totp_code
from tests.participation.conftest import make_citizen

from .test_accessibility import axe_violations

PASSWORD = "a long pass phrase 2026"  # make_citizen's
LANGUAGES = (("ar", "rtl"), ("en", "ltr"))


def url(name, language):
    with translation.override(language):
        return reverse(name)


def session_of(browser):
    """The browser's session, as the server reads it."""
    cookie = next(c for c in browser.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME)
    return import_module(settings.SESSION_ENGINE).SessionStore(cookie["value"])


class Checker:
    """Opens the account pages in one browser and collects what axe finds on each."""

    def __init__(self, browser, theme):
        self.browser, self.theme, self.failures = browser, theme, []

    @property
    def page(self):
        return self.browser.page

    def check(self, name, language, direction, shows):
        """axe on the page now open, which must be in `language`, in the theme, and show `shows` (a selector:
        a page that rendered only a refusal or a redirect would pass axe just as well)."""
        html = self.page.locator("html")
        assert (html.get_attribute("lang"), html.get_attribute("dir")) == (language, direction), self.page.url
        assert self.page.locator("body").get_attribute("data-theme") == self.theme, self.page.url
        assert self.page.locator(shows).count() >= 1, (name, self.page.url, shows)
        self.failures += [
            f"{self.theme} {language} {name} {self.page.url}: {violation}" for violation in axe_violations(self.page)
        ]
        self.browser.screenshot(f"{self.theme}/{language}-account-{name}")

    def visit(self, name, path, language, direction, shows):
        response = self.page.goto(path)
        assert response.status == 200, (path, response.status)
        self.check(name, language, direction, shows)


def check_qr_code_and_secret(page, secret):
    """The QR code is a picture with a text alternative (not the secret: a screen reader would spell out 32
    letters), drawn on the page (an image the Content-Security-Policy blocks would be a blank); the secret is
    there as text, labelled, focusable and selectable, for people who cannot scan."""
    main = page.locator("main")
    pictures = main.locator("img, [role=img]")  # (an <svg> inside role="img" is part of that one picture)
    assert pictures.count() == 1, main.inner_html()
    picture = pictures.first
    name = (picture.get_attribute("aria-label") or picture.get_attribute("alt") or "").strip()
    assert name and secret not in name.replace(" ", ""), name
    box = picture.bounding_box()
    assert box and box["width"] >= 120 and box["height"] >= 120, box  # big enough to scan
    assert f'img "{name}"' in main.aria_snapshot()
    field = main.locator("#authenticator_secret")
    assert field.input_value().replace(" ", "") == secret
    assert field.is_visible() and field.is_enabled() and not field.is_editable()  # readonly, not disabled
    label = main.locator("label[for=authenticator_secret]").inner_text().strip()
    assert label and f'textbox "{label}"' in main.aria_snapshot()
    assert field.get_attribute("dir") == "ltr"  # Latin letters and digits, read left to right in Arabic too
    assert field.get_attribute("aria-describedby")
    # The code the app then shows has a labelled field of its own.
    code = main.locator("input[name=code]")
    code_id = code.get_attribute("id")
    assert main.locator(f"label[for={code_id}]").inner_text().strip()
    assert code.get_attribute("autocomplete") == "one-time-code"


@pytest.mark.parametrize("theme", ["default", "high-contrast"])
def test_two_factor_set_up_pages_have_no_axe_violation_in_either_language(open_page, theme):
    citizen = make_citizen("L1")
    browser = open_page()
    browser.sign_in(citizen)  # signed in, but not recently: adding a factor asks for the password first
    if theme == "high-contrast":
        browser.high_contrast()
    checker = Checker(browser, theme)
    page = browser.page

    for language, direction in LANGUAGES:
        checker.visit(
            "mfa",
            url("mfa_index", language),
            language,
            direction,
            f"main a[href='{url('mfa_activate_totp', language)}']",
        )

    # The password check, reached on the way to turning on the app; then the app's page.
    page.goto(url("mfa_activate_totp", "ar"))
    assert "/ar/accounts/reauthenticate/" in page.url, page.url
    checker.check("reauthenticate", "ar", "rtl", "main form input[type=password]")
    page.locator("main form input[name=password]").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.url.endswith(url("mfa_activate_totp", "ar")), page.url
    checker.visit("reauthenticate", url("account_reauthenticate", "en"), "en", "ltr", "main form input[type=password]")

    for language, direction in LANGUAGES:
        checker.visit(
            "totp-activate", url("mfa_activate_totp", language), language, direction, "main form input[name=code]"
        )
        # Each visit makes a new secret: the one on the page is the one the portal will check.
        secret = session_of(browser)["mfa.totp.secret"]
        check_qr_code_and_secret(page, secret)

    # A wrong code: the error next to the field and tied to it, in the summary at the top, the same secret kept.
    page.locator("main form input[name=code]").fill("000000")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    checker.check("totp-activate-wrong-code", "en", "ltr", "main .error-summary[role=alert] a[href='#id_code']")
    code = page.locator("main form input[name=code]")
    assert code.get_attribute("aria-invalid") == "true"
    assert "id_code_error" in code.get_attribute("aria-describedby")
    assert page.locator("main #id_code_error").inner_text().strip()
    check_qr_code_and_secret(page, secret)

    # Typing the code the app would show turns the app on and shows the recovery codes made with it.
    page.locator("main form input[name=code]").fill(totp_code(secret))
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.url.endswith(url("mfa_view_recovery_codes", "en")), page.url
    assert Authenticator.objects.filter(user=citizen, type=Authenticator.Type.TOTP).exists()

    for language, direction in LANGUAGES:
        checker.visit("recovery-codes", url("mfa_view_recovery_codes", language), language, direction, "main textarea")
        codes = page.locator("main textarea")
        assert codes.get_attribute("readonly") is not None and len(codes.input_value().split()) >= 10
        assert page.locator(f"main label[for={codes.get_attribute('id')}]").inner_text().strip()
        # "Download codes" and "Generate new codes" apart, not two links run together.
        assert page.locator("main ul.recovery-code-actions > li > a").count() == 2
        for name, path, shows in after_activation_pages(language):
            checker.visit(name, path, language, direction, shows)

    # A security key (as allauth stores a passkey) to list, to name again and to remove.
    key = Authenticator.objects.create(
        user=citizen,
        type=Authenticator.Type.WEBAUTHN,
        data={"name": "هاتفي — my phone", "credential": {"clientExtensionResults": {"credProps": {"rk": True}}}},
        last_used_at=timezone.now(),
    )
    for language, direction in LANGUAGES:
        with translation.override(language):
            edit, remove = reverse("mfa_edit_webauthn", args=[key.pk]), reverse("mfa_remove_webauthn", args=[key.pk])
        checker.visit(
            "security-keys-one", url("mfa_list_webauthn", language), language, direction, f"main table a[href='{edit}']"
        )
        checker.visit("security-key-edit", edit, language, direction, "main form input[name=name]")
        checker.visit("security-key-remove", remove, language, direction, "main form button[type=submit]")

    assert checker.failures == [], "\n".join(checker.failures)


def after_activation_pages(language):
    """(name, path, what the page shows) once the app is on."""
    return [
        ("recovery-codes-generate", url("mfa_generate_recovery_codes", language), "main form button[type=submit]"),
        ("mfa-active", url("mfa_index", language), f"main a[href='{url('mfa_deactivate_totp', language)}']"),
        ("totp-deactivate", url("mfa_deactivate_totp", language), "main form button[type=submit]"),
        ("security-keys", url("mfa_list_webauthn", language), f"main a[href='{url('mfa_add_webauthn', language)}']"),
        ("security-key-add", url("mfa_add_webauthn", language), "main form #mfa_webauthn_add"),
    ]
