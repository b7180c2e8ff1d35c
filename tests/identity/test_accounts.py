import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.core import mail

from identity.models import SecurityEvent

from .helpers import code_from_mail, totp_code

pytestmark = pytest.mark.django_db

PASSWORD = "a long pass phrase 2026"


def _sign_up(client, email, language="en"):
    response = client.post(
        f"/{language}/accounts/signup/", {"email": email, "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return response


def test_sign_up_verify_by_code_turn_on_totp_sign_out_and_in_again(client):
    email = "citizen@example.org"
    _sign_up(client, email)
    assert not EmailAddress.objects.get(email=email).verified
    code = code_from_mail(mail.outbox[-1])
    response = client.post("/en/accounts/confirm-email/", {"code": code})
    assert response.status_code == 302
    assert EmailAddress.objects.get(email=email).verified
    user = get_user_model().objects.get(email=email)
    assert client.get("/api/v1/me/assurance/").json()["level"] == "L1"

    response = client.get("/en/accounts/2fa/totp/activate/")
    assert "/accounts/reauthenticate/" in response["Location"]  # adding a factor asks for the password again
    client.post("/en/accounts/reauthenticate/", {"password": PASSWORD})
    response = client.get("/en/accounts/2fa/totp/activate/")
    assert response.status_code == 200
    secret = client.session["mfa.totp.secret"]
    response = client.post("/en/accounts/2fa/totp/activate/", {"code": totp_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()

    client.post("/en/accounts/logout/")
    assert client.get("/api/v1/me/assurance/").json()["level"] == "L0"

    response = client.post("/en/accounts/login/", {"login": email, "password": PASSWORD})
    assert response.status_code == 302 and "/accounts/2fa/authenticate/" in response["Location"]
    assert client.get("/api/v1/me/assurance/").json()["level"] == "L0"  # not signed in before the second factor
    response = client.post("/en/accounts/2fa/authenticate/", {"code": "000000"})
    assert response.status_code == 200
    assert client.get("/api/v1/me/assurance/").json()["level"] == "L0"
    # A code is accepted once per period; this test signs in within the period it activated in.
    from django.core.cache import cache

    cache.clear()
    response = client.post("/en/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert response.status_code == 302
    assert client.get("/api/v1/me/assurance/").json()["level"] == "L1"
    kinds = set(SecurityEvent.objects.filter(user=user).values_list("kind", flat=True))
    assert {"signed_up", "email_verified", "mfa_added", "signed_out", "signed_in"} <= kinds


def test_a_wrong_verification_code_does_not_verify(client):
    _sign_up(client, "wrong-code@example.org")
    response = client.post("/en/accounts/confirm-email/", {"code": "ZZZZZZ"})
    assert response.status_code == 200
    assert not EmailAddress.objects.get(email="wrong-code@example.org").verified


def test_account_pages_speak_both_languages(client):
    arabic = client.get("/ar/accounts/login/").content.decode()
    english = client.get("/en/accounts/login/").content.decode()
    assert '<html lang="ar" dir="rtl">' in arabic and "تسجيل الدخول" in arabic
    assert '<html lang="en" dir="ltr">' in english and "Sign In" in english


def test_headless_sign_up_verify_totp_and_sign_in(client):
    base = "/_allauth/browser/v1"
    email = "app-user@example.org"
    response = client.post(
        f"{base}/auth/signup", {"email": email, "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 401
    assert any(flow["id"] == "verify_email" and flow.get("is_pending") for flow in response.json()["data"]["flows"])
    response = client.post(
        f"{base}/auth/email/verify", {"key": code_from_mail(mail.outbox[-1])}, content_type="application/json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["meta"]["is_authenticated"] is True

    response = client.post(f"{base}/auth/reauthenticate", {"password": PASSWORD}, content_type="application/json")
    assert response.status_code == 200
    response = client.get(f"{base}/account/authenticators/totp")
    assert response.status_code == 404  # "no TOTP yet", with a new secret to set it up
    secret = response.json()["meta"]["secret"]
    response = client.post(
        f"{base}/account/authenticators/totp", {"code": totp_code(secret)}, content_type="application/json"
    )
    assert response.status_code == 200, response.json()

    assert client.delete(f"{base}/auth/session").status_code == 401
    response = client.post(
        f"{base}/auth/login", {"email": email, "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 401
    assert any(flow["id"] == "mfa_authenticate" and flow.get("is_pending") for flow in response.json()["data"]["flows"])
    from django.core.cache import cache

    cache.clear()  # the activation code was marked used; the same period's code is accepted once more
    response = client.post(
        f"{base}/auth/2fa/authenticate", {"code": totp_code(secret)}, content_type="application/json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["meta"]["is_authenticated"] is True


def test_repeated_failed_sign_ins_are_rate_limited(client):
    _sign_up(client, "target@example.org")
    client.post("/en/accounts/logout/")
    pages = [
        client.post("/en/accounts/login/", {"login": "target@example.org", "password": f"wrong {n}"}).content.decode()
        for n in range(6)
    ]
    assert "Too many failed login attempts" in pages[-1]
    assert "Too many failed login attempts" not in pages[0]
    # while the limit holds, even the right password does not get in
    response = client.post("/en/accounts/login/", {"login": "target@example.org", "password": PASSWORD})
    assert response.status_code == 200
    assert client.get("/api/v1/me/assurance/").json()["level"] == "L0"
    assert SecurityEvent.objects.filter(kind="sign_in_failed").count() >= 5


def test_an_app_signs_up_through_the_app_api_and_calls_the_platform_api_with_its_token(client):
    base = "/_allauth/app/v1"
    email = "mobile@example.org"
    response = client.post(
        f"{base}/auth/signup", {"email": email, "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 401
    token = response.json()["meta"]["session_token"]
    response = client.post(
        f"{base}/auth/email/verify",
        {"key": code_from_mail(mail.outbox[-1])},
        content_type="application/json",
        HTTP_X_SESSION_TOKEN=token,
    )
    assert response.status_code == 200, response.json()
    token = response.json()["meta"].get("session_token", token)
    client.cookies.clear()  # an app has no cookies: only the token
    assert client.get("/api/v1/me/assurance/", HTTP_X_SESSION_TOKEN=token).json()["level"] == "L1"
    forged = client.get("/api/v1/me/assurance/", HTTP_X_SESSION_TOKEN="forged")
    assert forged.status_code == 401  # as docs/api.md says
    assert forged.json()["code"] == "authentication_failed"
    assert client.get("/api/v1/me/assurance/").json()["level"] == "L0"


@pytest.mark.parametrize("path", ["/accounts/sessions/", "/accounts/2fa/webauthn/"])
def test_account_pages_that_load_humanize_render(client, path):
    # allauth's session list and security-key list load Django's humanize: without the app they were a 500.
    user = get_user_model().objects.create_user("sessions-page", "sessions-page@example.org", "a long pass phrase 2026")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    client.force_login(user)
    response = client.get(path, follow=True)
    assert response.status_code == 200


def test_a_session_token_is_looked_up_in_one_query(client, django_assert_max_num_queries):
    from django.contrib.sessions.backends.db import SessionStore

    from identity.api_auth import SessionTokenStrategy

    user = get_user_model().objects.create_user("token-lookup", "token-lookup@example.org", "a long pass phrase 2026")
    from identity import middleware

    store = SessionStore()
    store["_auth_user_id"] = str(user.pk)
    # As signing in leaves it (identity.middleware): a session in use is written at most once a minute.
    store[middleware.STARTED_KEY] = store[middleware.LAST_SEEN_KEY] = middleware.now()
    store.create()
    strategy = SessionTokenStrategy()
    with django_assert_max_num_queries(1):
        found = strategy.lookup_session(store.session_key)
        assert found["_auth_user_id"] == str(user.pk)
    assert strategy.lookup_session("no-such-session-key-000000000000") is None
    assert strategy.lookup_session("") is None
    key = store.session_key
    store.delete()
    assert strategy.lookup_session(key) is None  # signed out


def test_signing_in_again_right_after_signing_up_sends_a_new_code_not_a_lockout(client):
    """Sign up, leave, and sign in again within the 3 minutes of the verification cooldown: a new code and the
    page to enter it, as for any unverified address; never "too many failed login attempts"."""
    from django.test import Client

    email = "again@example.org"
    _sign_up(client, email)
    sent = len(mail.outbox)
    other = Client()
    response = other.post("/en/accounts/login/", {"login": email, "password": PASSWORD})
    assert response.status_code == 302 and "/accounts/confirm-email/" in response["Location"]
    assert len(mail.outbox) == sent + 1
    response = other.post("/en/accounts/confirm-email/", {"code": code_from_mail(mail.outbox[-1])})
    assert response.status_code == 302 and EmailAddress.objects.get(email=email).verified


def test_when_no_new_code_can_be_sent_yet_the_sign_in_page_says_so_in_words(client):
    from django.test import Client

    email = "cooldown@example.org"
    _sign_up(client, email)
    for _attempt in range(2):  # the sign-up's code and two more use up the 3 per 3 minutes
        Client().post("/en/accounts/login/", {"login": email, "password": PASSWORD})
    page = Client().post("/en/accounts/login/", {"login": email, "password": PASSWORD}).content.decode()
    assert "a code was sent to it only a moment ago" in page and "Too many failed login attempts" not in page
    arabic = Client().post("/ar/accounts/login/", {"login": email, "password": PASSWORD}).content.decode()
    assert "أُرسل إليه رمز قبل لحظات" in arabic
    # A wrong password still says only that the password is wrong: nothing about the address.
    wrong = Client().post("/en/accounts/login/", {"login": email, "password": "not the password"})
    assert "a code was sent" not in wrong.content.decode()


def test_signing_in_without_a_next_lands_on_the_home_page_of_the_language_signed_in_from(client):
    from tests.participation.conftest import make_citizen

    user = make_citizen("L1")
    response = client.post("/en/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/en/"
    client.post("/en/accounts/logout/")
    response = client.post(
        "/en/accounts/login/", {"login": user.email, "password": PASSWORD, "next": "/en/participate/petitions/"}
    )
    assert response["Location"] == "/en/participate/petitions/"


def test_the_header_sign_in_link_comes_back_to_the_page(client):
    page = client.get("/en/participate/petitions/?page=1").content.decode()
    assert 'href="/en/accounts/login/?next=/en/participate/petitions/%3Fpage%3D1"' in page


def test_no_page_promises_phone_verification(client):
    from core.assurance import AssuranceLevel

    assert "phone" not in str(AssuranceLevel.L1.label) and "phone" not in str(AssuranceLevel.L1.how_to_reach)
