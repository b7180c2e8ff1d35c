"""National-ID sign-in against a real OpenID Connect flow on the loopback: the portal (Django's test client)
redirects to a small identity provider on 127.0.0.1 (identity/oidc_gateway.py), a real HTTP request
plays the citizen's browser at /authorize, and the callback makes allauth call the provider's /token, /jwks and
/userinfo over HTTP. Nothing in allauth is mocked."""

import json
import runpy
import sys
import time
import types
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from allauth.socialaccount.models import SocialAccount
from django.conf.urls.i18n import i18n_patterns
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import Client
from django.urls import LocalePrefixPattern, Resolver404, include, path, resolve
from django.utils import translation

import portal.settings.base as base_settings
import portal.urls as portal_urls
from core.assurance import AssuranceLevel
from identity import national_id, receipt_views
from identity.models import AssuranceGrant, NationalIdentity, SecurityEvent
from identity.national_id import HARMLESS_CLAIMS, civil_id_hash
from identity.oidc_gateway import KEY_ID, LoopbackOIDCProvider
from identity.policy import level_of

from .helpers import totp_code

pytestmark = pytest.mark.django_db

Kind = SecurityEvent.Kind
User = get_user_model()

CIVIL_ID = "289061512347"
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
LOGIN = "/{language}/accounts/oidc/national-id/login/"
CALLBACK = "/{language}/accounts/oidc/national-id/login/callback/"
REDIRECT_URIS = [f"http://testserver{CALLBACK.format(language=language)}" for language in ("ar", "en")]

# What the portal's configuration must say for a national-ID account, which has no e-mail address (see
# test_portal_settings_let_the_national_id_sign_up_without_an_e_mail_address).
EMAIL_LESS_SIGN_UP = {"SOCIALACCOUNT_EMAIL_REQUIRED": False, "SOCIALACCOUNT_EMAIL_VERIFICATION": "none"}


def _urlconf(name, patterns):
    module = types.ModuleType(name)
    module.urlpatterns = patterns
    sys.modules[name] = module
    return name


# The portal's URLs with the national-ID callback in front (what portal/urls.py is to do), and with allauth's
# own callback only (to show that a sign-in that skipped identity.national_id.callback is refused).
WIRED_URLCONF = _urlconf(
    "tests.identity.national_id_wired_urls",
    i18n_patterns(path("accounts/", include(national_id.urlpatterns)), prefix_default_language=True)
    + portal_urls.urlpatterns,
)
ALLAUTH_ONLY_URLCONF = _urlconf(
    "tests.identity.national_id_allauth_only_urls",
    [pattern for pattern in portal_urls.urlpatterns if not isinstance(pattern.pattern, LocalePrefixPattern)]
    + i18n_patterns(
        path("accounts/", include("allauth.urls")),
        # The portal's layout links to these on every page.
        path("receipts/verify/", receipt_views.verify_receipt_page, name="receipt_verify"),
        path("participate/", include("participation.urls")),
        prefix_default_language=True,
    ),
)


def _portal_routes_the_callback_through_identity():
    with translation.override("en"):  # the i18n patterns match the active language's prefix only
        try:
            return resolve(CALLBACK.format(language="en"), urlconf="portal.urls").func is national_id.callback
        except Resolver404:
            return False


@pytest.fixture
def idp(request, settings, monkeypatch):
    """A running loopback identity provider, and the portal configured for it from the environment exactly as
    portal/settings/base.py reads it."""
    auth_method = getattr(request, "param", "client_secret_post")
    with LoopbackOIDCProvider(redirect_uris=REDIRECT_URIS, token_auth_method=auth_method) as provider:
        monkeypatch.setenv("NATIONAL_ID_ISSUER", provider.issuer)
        monkeypatch.setenv("NATIONAL_ID_CLIENT_ID", provider.client_id)
        monkeypatch.setenv("NATIONAL_ID_CLIENT_SECRET", provider.client_secret)
        monkeypatch.setenv("NATIONAL_ID_TOKEN_AUTH_METHOD", auth_method)
        configured = runpy.run_path(base_settings.__file__)
        settings.SOCIALACCOUNT_PROVIDERS = configured["SOCIALACCOUNT_PROVIDERS"]
        for name, value in EMAIL_LESS_SIGN_UP.items():
            setattr(settings, name, value)
        if not _portal_routes_the_callback_through_identity():
            settings.ROOT_URLCONF = WIRED_URLCONF
        yield provider


# --- helpers --------------------------------------------------------------------------------------------------


def _local(url):
    parts = urlsplit(url)
    assert parts.netloc == "testserver", url
    return f"{parts.path}?{parts.query}"


def begin(client, idp, language="en", **params):
    """Press "sign in with the national digital identity": the portal's redirect to the provider."""
    response = client.post(LOGIN.format(language=language), params)
    assert response.status_code == 302, response.content.decode()[:2000]
    location = response["Location"]
    assert location.startswith(f"{idp.issuer}/authorize?"), location
    return location


def sign_in(client, idp, language="en", **params):
    """The whole round trip; returns the portal's answer to the callback."""
    callback = idp.authorize(begin(client, idp, language, **params))
    return client.get(_local(callback))


def signed_in_user(client):
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def civil_id_rows(value):
    """Every (table, column) whose text holds `value` — in ASCII or Arabic-Indic digits, plain or JSON-escaped —
    and every session that does."""
    arabic = value.translate(ARABIC_INDIC)
    forms = {value, arabic, json.dumps(arabic)[1:-1]}
    found = []
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            for column in connection.introspection.get_table_description(cursor, table):
                text = f"CAST({quote(column.name)} AS TEXT)"
                where = " OR ".join(f"{text} LIKE %s" for _ in forms)
                cursor.execute(f"SELECT COUNT(*) FROM {quote(table)} WHERE {where}", [f"%{f}%" for f in forms])
                if cursor.fetchone()[0]:
                    found.append((table, column.name))
    for session in Session.objects.all():
        decoded = json.dumps(session.get_decoded(), ensure_ascii=False, default=str)
        if any(form in decoded for form in forms):
            found.append(("django_session (decoded)", session.session_key))
    return found


def assert_refused(client, response, users_before, reason, status, words):
    """The sign-in ended on a page that says what went wrong, nobody is signed in, nothing was linked."""
    assert response.status_code == status, response.content.decode()[:2000]
    page = response.content.decode()
    assert words in page, page[:3000]
    assert "You have not been signed in" in page or "you have not been signed in" in page
    assert "_auth_user_id" not in client.session
    assert User.objects.count() == users_before
    assert not NationalIdentity.objects.exists() and not SocialAccount.objects.exists()
    event = SecurityEvent.objects.filter(kind=Kind.NATIONAL_ID_FAILED).first()
    assert event is not None and event.detail["reason"] == reason, event and event.detail
    assert f"Reference: {event.pk}" in page
    assert CIVIL_ID not in json.dumps(event.detail)


# --- the civil ID's keyed hash --------------------------------------------------------------------------------


def test_civil_id_hash_normalises_the_number_and_validates_it(settings):
    settings.NATIONAL_ID_HASH_KEY = "a-key-for-this-test-only-0123456789abcdef"
    expected = civil_id_hash(CIVIL_ID)
    assert len(expected) == 64 and int(expected, 16) >= 0 and CIVIL_ID not in expected
    assert civil_id_hash(" 2890 6151 2347 ") == expected
    assert civil_id_hash(CIVIL_ID.translate(ARABIC_INDIC)) == expected
    assert civil_id_hash("۲۸۹۰۶۱۵۱۲۳۴۷") == expected  # extended Arabic-Indic (Persian) digits
    assert civil_id_hash(int(CIVIL_ID)) == expected
    for bad in ("28906151234", "2890615123478", "28906151234X", "", "٢٨٩-٠٦١٥١٢٣٤٧", None, True, 12.5):
        with pytest.raises(ValueError):
            civil_id_hash(bad)
    settings.NATIONAL_ID_HASH_KEY = "another-key-for-this-test-only-0123456789"
    assert civil_id_hash(CIVIL_ID) != expected


def test_without_a_hash_key_only_development_and_tests_derive_one(settings, monkeypatch):
    settings.NATIONAL_ID_HASH_KEY = None
    derived = civil_id_hash(CIVIL_ID)  # the test settings: derived from SECRET_KEY
    assert derived == civil_id_hash(CIVIL_ID)
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    assert civil_id_hash(CIVIL_ID) != derived
    settings.DEBUG = True  # development
    assert civil_id_hash(CIVIL_ID)
    settings.DEBUG = False
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "portal.settings.production")
    settings.SETTINGS_MODULE = "portal.settings.production"  # last: a later override would hide it
    with pytest.raises(ImproperlyConfigured):
        civil_id_hash(CIVIL_ID)


# --- the portal's wiring (what portal/urls.py and portal/settings/base.py must say) ------------------------------


def test_portal_urls_route_the_national_id_callback_through_identity():
    """allauth does not check the signature of an ID token it fetched itself; identity.national_id.callback
    does (and the nonce). It must answer the callback address."""
    assert _portal_routes_the_callback_through_identity(), (
        "portal/urls.py: add path('accounts/', include(national_id.urlpatterns)) before allauth.urls"
    )


def test_portal_settings_let_the_national_id_sign_up_without_an_e_mail_address():
    for name, value in EMAIL_LESS_SIGN_UP.items():
        assert getattr(base_settings, name, "unset") == value, f"portal/settings/base.py: {name} = {value!r}"


def test_the_provider_comes_from_the_environment(idp, settings):
    (app,) = settings.SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"]
    assert app["provider_id"] == "national-id" and app["settings"]["server_url"] == idp.issuer
    assert app["settings"]["oauth_pkce_enabled"] is True
    assert set(app["settings"]["scope"]) == {"openid", "profile"}


# --- signing in -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("idp", ["client_secret_post", "client_secret_basic"], indirect=True)
def test_sign_in_creates_an_account_at_l2_that_keeps_the_name_and_only_a_hash_of_the_civil_id(client, idp):
    users_before = User.objects.count()
    response = sign_in(client, idp)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert idp.refusals == []
    assert idp.served("/token") == 1 and idp.served("/jwks") >= 1 and idp.served("/userinfo") == 1

    user = signed_in_user(client)
    assert user is not None and User.objects.count() == users_before + 1
    assert level_of(user) == AssuranceLevel.L2
    assert client.get("/api/v1/me/assurance/").json()["level"] == "L2"
    grant = AssuranceGrant.objects.get(user=user)
    assert (grant.level, grant.method) == ("L2", "national-id")

    identity = NationalIdentity.objects.get(user=user)
    assert identity.civil_id_hash == civil_id_hash(CIVIL_ID)
    assert identity.full_name == "فاطمة أحمد العلي"
    assert (user.first_name, user.last_name) == ("فاطمة", "العلي")
    # The gateway's e-mail address is not one the portal verified: not taken.
    assert user.email == "" and not EmailAddress.objects.filter(user=user).exists()
    assert not user.has_usable_password()

    account = SocialAccount.objects.get(user=user)
    assert (account.provider, account.uid) == ("national-id", identity.civil_id_hash)
    for claims in account.extra_data.values():
        assert set(claims) <= set(HARMLESS_CLAIMS), claims
    assert account.extra_data["id_token"]["name"] == "فاطمة أحمد العلي"

    # The gateway's `sub` is the civil ID here too: neither is anywhere in the database, in either spelling.
    assert civil_id_rows(CIVIL_ID) == []
    assert ("identity_nationalidentity", "civil_id_hash") in civil_id_rows(identity.civil_id_hash)  # the scan sees

    events = {event.kind: event for event in SecurityEvent.objects.filter(user=user)}
    assert {Kind.SIGNED_UP, Kind.SIGNED_IN, Kind.NATIONAL_ID_LINKED, Kind.LEVEL_CHANGED} <= set(events)
    assert events[Kind.LEVEL_CHANGED].detail == {"from": "L0", "to": "L2", "method": "national-id"}
    assert not SecurityEvent.objects.filter(kind=Kind.NATIONAL_ID_FAILED).exists()


def test_the_same_civil_id_reaches_the_same_account_in_arabic_indic_digits_too(client, idp):
    sign_in(client, idp, language="ar")
    first = signed_in_user(client)
    client.post("/en/accounts/logout/")
    assert "_auth_user_id" not in client.session

    idp.behaviour.civil_id = CIVIL_ID.translate(ARABIC_INDIC)  # ٢٨٩٠٦١٥١٢٣٤٧
    idp.behaviour.sub = "opaque-subject-7f3a"
    idp.behaviour.name = "فاطمة أحمد عبدالله العلي"
    response = sign_in(client, idp, language="ar")
    assert response.status_code == 302, response.content.decode()[:2000]
    assert signed_in_user(client) == first
    assert User.objects.filter(pk=first.pk).count() == 1 and NationalIdentity.objects.count() == 1
    assert SocialAccount.objects.filter(provider="national-id").count() == 1
    identity = NationalIdentity.objects.get(user=first)
    assert identity.civil_id_hash == civil_id_hash(CIVIL_ID)
    assert identity.full_name == "فاطمة أحمد عبدالله العلي"  # the name follows the gateway
    assert SecurityEvent.objects.filter(user=first, kind=Kind.NATIONAL_ID_LINKED).count() == 1
    assert SecurityEvent.objects.filter(user=first, kind=Kind.LEVEL_CHANGED).count() == 1
    assert civil_id_rows(CIVIL_ID) == []


def test_a_national_id_sign_in_never_lowers_l3(client, idp):
    sign_in(client, idp)
    user = signed_in_user(client)
    AssuranceGrant.objects.filter(user=user).update(level="L3", method="qualified-signature")
    client.post("/en/accounts/logout/")
    sign_in(client, idp)
    assert signed_in_user(client) == user
    assert level_of(user) == AssuranceLevel.L3
    assert AssuranceGrant.objects.get(user=user).method == "qualified-signature"
    assert SecurityEvent.objects.filter(user=user, kind=Kind.LEVEL_CHANGED).count() == 1


def test_the_link_outlives_a_removed_social_account(client, idp):
    sign_in(client, idp)
    user = signed_in_user(client)
    SocialAccount.objects.filter(user=user).delete()
    other = Client()
    response = sign_in(other, idp)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert signed_in_user(other) == user
    assert User.objects.filter(national_identity__isnull=False).count() == 1
    assert SocialAccount.objects.get(provider="national-id").user == user


def test_with_a_second_factor_the_level_is_raised_once_the_sign_in_completes(client, idp):
    sign_in(Client(), idp)
    user = NationalIdentity.objects.get().user
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    TOTP.activate(user, secret)
    AssuranceGrant.objects.filter(user=user).delete()  # as if it had never been raised
    response = sign_in(client, idp)
    assert response.status_code == 302 and "/accounts/2fa/authenticate/" in response["Location"]
    assert "_auth_user_id" not in client.session and level_of(user) == AssuranceLevel.L0
    response = client.post("/en/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert response.status_code == 302
    assert signed_in_user(client) == user and level_of(user) == AssuranceLevel.L2


def test_the_headless_browser_flow_signs_in_and_tells_the_front_end_what_failed(client, idp):
    headless = {"provider": "national-id", "callback_url": "/app/signed-in", "process": "login"}
    response = client.post("/_allauth/browser/v1/auth/provider/redirect", headless)
    assert response.status_code == 302 and response["Location"].startswith(f"{idp.issuer}/authorize?")
    response = client.get(_local(idp.authorize(response["Location"])))
    assert (response.status_code, response["Location"]) == (302, "/app/signed-in")
    assert level_of(signed_in_user(client)) == AssuranceLevel.L2

    idp.behaviour.sign_with_other_key = True
    other = Client()
    users_before = User.objects.count()
    response = other.post("/_allauth/browser/v1/auth/provider/redirect", headless)
    response = other.get(_local(idp.authorize(response["Location"])))
    assert response.status_code == 302 and response["Location"].startswith("/app/signed-in?error=unknown")
    assert "_auth_user_id" not in other.session and User.objects.count() == users_before
    assert SecurityEvent.objects.filter(kind=Kind.NATIONAL_ID_FAILED, detail__reason="id_token").exists()


@pytest.fixture
def email_citizen():
    user = User.objects.create_user("email-citizen", "email-citizen@example.org", "a long pass phrase 2026")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def test_an_e_mail_account_connects_its_national_id_and_goes_from_l1_to_l2(client, idp, email_citizen):
    client.force_login(email_citizen)
    assert level_of(email_citizen) == AssuranceLevel.L1
    response = sign_in(client, idp, process="connect")
    assert response.status_code == 302, response.content.decode()[:2000]
    if "/reauthenticate/" in response["Location"]:
        response = client.post("/en/accounts/reauthenticate/", {"password": "a long pass phrase 2026"})
        assert response.status_code == 302
    assert NationalIdentity.objects.get(user=email_citizen).civil_id_hash == civil_id_hash(CIVIL_ID)
    assert level_of(email_citizen) == AssuranceLevel.L2
    change = SecurityEvent.objects.get(user=email_citizen, kind=Kind.LEVEL_CHANGED)
    assert change.detail == {"from": "L1", "to": "L2", "method": "national-id"}
    assert civil_id_rows(CIVIL_ID) == []


def test_a_civil_id_linked_to_one_account_cannot_be_connected_to_another(client, idp, email_citizen):
    sign_in(Client(), idp)
    owner = NationalIdentity.objects.get().user
    SocialAccount.objects.filter(user=owner).delete()  # even without allauth's own record of the link
    client.force_login(email_citizen)
    response = sign_in(client, idp, process="connect")
    assert response.status_code == 403, response.content.decode()[:2000]
    assert "already linked to another account" in response.content.decode()
    assert NationalIdentity.objects.get().user == owner
    assert level_of(email_citizen) == AssuranceLevel.L1
    assert SecurityEvent.objects.filter(kind=Kind.NATIONAL_ID_FAILED, detail__reason="identity_in_use").exists()


# --- bad input: a clear message, never a 500, nobody signed in ------------------------------------------------

BAD_ANSWERS = {
    "wrong audience": ({"audience": "another-client"}, "id_token", 403, "could not be verified"),
    "expired ID token": ({"expires_in": -600}, "id_token", 403, "could not be verified"),
    "bad signature": ({"sign_with_other_key": True}, "id_token", 403, "could not be verified"),
    "wrong issuer": ({"id_token_issuer": "https://impostor.example"}, "id_token", 403, "could not be verified"),
    "wrong nonce": ({"nonce": "a-nonce-this-portal-never-sent"}, "id_token", 403, "could not be verified"),
    "no civil ID claim": ({"civil_id": None}, "civil_id_missing", 400, "did not send your civil ID number"),
    "civil ID too short": ({"civil_id": "28906151234"}, "civil_id_malformed", 400, "has 12 digits"),
    "civil ID with a letter": ({"civil_id": "28906151234X"}, "civil_id_malformed", 400, "has 12 digits"),
    "access denied": ({"authorize_error": "access_denied"}, "cancelled", 403, "was cancelled"),
    "gateway error": ({"authorize_error": "server_error"}, "provider_error", 400, "did not complete the sign-in"),
}


@pytest.mark.parametrize("case", list(BAD_ANSWERS))
def test_a_bad_answer_from_the_gateway_signs_nobody_in(client, idp, case):
    changes, reason, status, words = BAD_ANSWERS[case]
    for name, value in changes.items():
        setattr(idp.behaviour, name, value)
    users_before = User.objects.count()
    response = sign_in(client, idp)
    assert_refused(client, response, users_before, reason, status, words)


def test_the_answer_speaks_arabic_on_the_arabic_pages(client, idp):
    idp.behaviour.sign_with_other_key = True
    users_before = User.objects.count()
    response = sign_in(client, idp, language="ar")
    assert response.status_code == 403
    page = response.content.decode()
    assert '<html lang="ar" dir="rtl">' in page
    assert "_auth_user_id" not in client.session and User.objects.count() == users_before


def test_a_tampered_state_is_refused_before_any_code_is_exchanged(client, idp):
    callback = urlsplit(idp.authorize(begin(client, idp)))
    query = {k: v[0] for k, v in parse_qs(callback.query).items()}
    query["state"] = query["state"][::-1]
    users_before = User.objects.count()
    response = client.get(f"{callback.path}?{urlencode(query)}")
    assert_refused(client, response, users_before, "state", 400, "did not start in this browser")
    assert idp.served("/token") == 0


def test_a_replayed_callback_signs_nobody_else_in(client, idp):
    callback = _local(idp.authorize(begin(client, idp)))
    assert client.get(callback).status_code == 302
    user = signed_in_user(client)
    users_before = User.objects.count()

    again = client.get(callback)  # the same browser, the same code and state
    assert again.status_code == 400 and "already used" in again.content.decode()
    assert signed_in_user(client) == user and User.objects.count() == users_before

    attacker = Client()
    response = attacker.get(callback)  # someone who got hold of the URL
    assert response.status_code == 400 and "_auth_user_id" not in attacker.session

    # The stolen code with a state of the attacker's own: the gateway refuses it (used, and PKCE-bound).
    own_state = parse_qs(urlsplit(begin(attacker, idp)).query)["state"][0]
    code = parse_qs(urlsplit(callback).query)["code"][0]
    response = attacker.get(f"{CALLBACK.format(language='en')}?{urlencode({'code': code, 'state': own_state})}")
    assert response.status_code == 400 and "the code was refused or already used" in response.content.decode()
    assert "_auth_user_id" not in attacker.session and User.objects.count() == users_before
    assert any("invalid_grant" in refusal for refusal in idp.refusals)
    assert SecurityEvent.objects.filter(kind=Kind.NATIONAL_ID_FAILED, detail__reason="token").exists()


def test_an_unreachable_gateway_is_said_so(client, idp):
    callback = _local(idp.authorize(begin(client, idp)))
    idp.stop()
    users_before = User.objects.count()
    response = client.get(callback)
    assert_refused(client, response, users_before, "unavailable", 503, "cannot be reached")


def test_a_sign_in_that_skipped_the_national_id_callback_is_refused(client, idp, settings):
    """Were the callback routed to allauth's own view, the ID token's signature would go unchecked: the sign-in
    is refused rather than trusted."""
    settings.ROOT_URLCONF = ALLAUTH_ONLY_URLCONF
    idp.behaviour.sign_with_other_key = True
    users_before = User.objects.count()
    response = sign_in(client, idp)
    assert response.status_code == 403, response.content.decode()[:2000]
    assert "could not be verified" in response.content.decode()
    assert "_auth_user_id" not in client.session and User.objects.count() == users_before
    assert not NationalIdentity.objects.exists()


def test_without_configuration_there_is_no_national_id_sign_in(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": []}}
    settings.ROOT_URLCONF = WIRED_URLCONF
    assert client.post(LOGIN.format(language="en")).status_code == 404
    assert client.get(CALLBACK.format(language="en") + "?code=x&state=y").status_code == 404


def test_an_id_token_posted_by_an_app_does_not_sign_in(client, idp):
    """The headless "app" flow (posting an ID token) would skip the state and the nonce: not offered."""
    now = int(time.time())
    claims = {
        "iss": idp.issuer,
        "aud": idp.client_id,
        "sub": CIVIL_ID,
        "civil_id": CIVIL_ID,
        "iat": now,
        "exp": now + 300,
    }
    id_token = jwt.encode(claims, idp.key, algorithm="RS256", headers={"kid": KEY_ID})
    body = {"provider": "national-id", "process": "login", "token": {"client_id": idp.client_id, "id_token": id_token}}
    response = client.post("/_allauth/app/v1/auth/provider/token", body, content_type="application/json")
    assert response.status_code == 400, response.content.decode()[:2000]
    assert response.json()["errors"][0]["code"] == "token_authentication_not_supported", response.json()
    assert not NationalIdentity.objects.exists() and not SocialAccount.objects.exists()


def test_sign_in_uses_the_configured_claim(client, idp, settings):
    settings.NATIONAL_ID_CLAIM = "sub"
    idp.behaviour.civil_id = None
    idp.behaviour.sub = CIVIL_ID
    response = sign_in(client, idp)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert NationalIdentity.objects.get(user=signed_in_user(client)).civil_id_hash == civil_id_hash(CIVIL_ID)
    assert civil_id_rows(CIVIL_ID) == []
