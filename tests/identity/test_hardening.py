"""What issue 16 found in accounts and sessions, each held by a test: routes that are not served, sessions that
end when they say, sign-up that does not tell which addresses have an account, every failed sign-in logged."""

import json

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache

from identity.models import SecurityEvent

pytestmark = pytest.mark.django_db

PASSWORD = "a long pass phrase 2026"
OTHER_PASSWORD = "another long pass phrase 2027"


def verified_user(name):
    user = get_user_model().objects.create_user(name, f"{name}@example.org", PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


PHONE_ROUTES = ["account/phone", "auth/phone/verify", "auth/phone/verify/resend"]


@pytest.mark.parametrize("client_kind", ["app", "browser"])
@pytest.mark.parametrize("route", PHONE_ROUTES)
@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
def test_phone_routes_are_not_served(client, client_kind, route, method):
    """The portal has no phone sign-in: allauth's phone routes were served anyway, and a 500 for every method."""
    client.force_login(verified_user("phone"))
    client.raise_request_exception = False
    response = getattr(client, method)(
        f"/_allauth/{client_kind}/v1/{route}", {"phone": "+96550000000"}, content_type="application/json"
    )
    assert response.status_code == 404
    body = response.json()
    assert body["status"] == 404
    assert body["errors"][0]["code"] == "not_found"


# --- Sessions end when they say (SESSION_IDLE_TIMEOUT, SESSION_ABSOLUTE_TIMEOUT) ------------------------------


@pytest.fixture
def clock(monkeypatch):
    """The session rules' clock (identity.middleware.now), moved by hand: `clock.advance(30)`."""
    from identity import middleware

    class Clock:
        at = 1_900_000_000

        def advance(self, seconds):
            self.at += seconds

    clock = Clock()
    monkeypatch.setattr(middleware, "now", lambda: clock.at)
    return clock


def level(client, **headers):
    response = client.get("/api/v1/me/assurance/", **headers)
    return response.json().get("level") if response.status_code == 200 else response.status_code


def test_an_active_cookie_session_ends_at_its_absolute_limit(client, clock, settings):
    """With the limit at 100 s and a request every 30 s, the session was still alive at 211 s: each write moved
    Django's expiry forward. It now ends 100 s after signing in, however active."""
    settings.SESSION_ABSOLUTE_TIMEOUT = 100
    settings.SESSION_IDLE_TIMEOUT = 1_000
    user = verified_user("absolute")
    assert client.post("/en/accounts/login/", {"login": user.email, "password": PASSWORD}).status_code == 302
    for _ in range(3):
        clock.advance(30)
        assert level(client) == "L1"
    clock.advance(30)  # 120 s after signing in
    assert level(client) == "L0"
    assert SecurityEvent.objects.filter(kind="session_expired", user=user, detail__reason="absolute").exists()


def app_token(client, user):
    response = client.post(
        "/_allauth/app/v1/auth/login", {"email": user.email, "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    client.cookies.clear()  # an app has no cookies: only the token
    return {"HTTP_X_SESSION_TOKEN": response.json()["meta"]["session_token"]}


def test_an_app_session_token_ends_after_the_idle_limit(client, clock, settings):
    settings.SESSION_IDLE_TIMEOUT = 100
    user = verified_user("idle-app")
    token = app_token(client, user)
    assert level(client, **token) == "L1"
    clock.advance(90)
    assert level(client, **token) == "L1"  # used again within the limit: the idle clock starts again
    clock.advance(90)
    assert level(client, **token) == "L1"
    clock.advance(101)
    assert level(client, **token) == 401
    assert client.get("/_allauth/app/v1/auth/session", **token).status_code in (401, 410)
    assert SecurityEvent.objects.filter(kind="session_expired", user=user, detail__reason="idle").exists()


def test_an_active_app_session_token_ends_at_its_absolute_limit(client, clock, settings):
    settings.SESSION_ABSOLUTE_TIMEOUT = 100
    settings.SESSION_IDLE_TIMEOUT = 1_000
    token = app_token(client, verified_user("absolute-app"))
    for _ in range(3):
        clock.advance(30)
        assert level(client, **token) == "L1"
    clock.advance(30)
    assert level(client, **token) == 401


# --- Sign-up does not tell which addresses have an account ---------------------------------------------------


@pytest.fixture
def expensive_work(monkeypatch):
    """Counts what makes a sign-up slow: passwords hashed (the configured hasher's encode) and mails sent."""
    from django.contrib.auth.hashers import get_hasher

    hasher = type(get_hasher())
    original = hasher.encode
    counted = {"hashed": 0}

    def encode(self, password, salt, *args, **kwargs):
        counted["hashed"] += 1
        return original(self, password, salt, *args, **kwargs)

    monkeypatch.setattr(hasher, "encode", encode)

    def measure(attempt):
        counted["hashed"] = 0
        mail.outbox.clear()
        response = attempt()
        return response, (counted["hashed"], len(mail.outbox))

    return measure


def test_signing_up_with_a_known_address_costs_what_a_new_one_costs(expensive_work):
    """A known address answered in 20 ms, a new one in 250 ms (no password hashed, no account created): the
    timing told an attacker which addresses have an account. Both now hash a password and send one mail."""
    from django.test import Client

    verified_user("known")

    def attempt(email):
        return lambda: Client().post(
            "/en/accounts/signup/", {"email": email, "password1": OTHER_PASSWORD, "password2": OTHER_PASSWORD}
        )

    known, known_work = expensive_work(attempt("known@example.org"))
    new, new_work = expensive_work(attempt("new-person@example.org"))
    assert known_work == new_work == (1, 1)
    assert known.status_code == new.status_code == 302
    assert known["Location"] == new["Location"]


def test_the_app_sign_up_with_a_known_address_costs_what_a_new_one_costs(expensive_work):
    from django.test import Client

    verified_user("known-app")

    def attempt(email):
        return lambda: Client().post(
            "/_allauth/app/v1/auth/signup",
            {"email": email, "password": OTHER_PASSWORD},
            content_type="application/json",
        )

    known, known_work = expensive_work(attempt("known-app@example.org"))
    new, new_work = expensive_work(attempt("new-app@example.org"))
    assert known_work == new_work == (1, 1)
    assert known.status_code == new.status_code == 401


# --- Every failed sign-in is logged -----------------------------------------------------------------------


def test_every_failed_sign_in_of_a_burst_reaches_the_security_log(client):
    """Only 5 of 20 reached the log: once allauth's limit refused them, nothing recorded them."""
    user = verified_user("burst")
    for attempt in range(20):
        client.post("/en/accounts/login/", {"login": user.email, "password": f"wrong {attempt}"})
    failed = SecurityEvent.objects.filter(kind="sign_in_failed")
    assert failed.count() == 20
    assert failed.filter(detail__reason="rate_limited").count() == 15
    assert set(failed.values_list("detail__domain", flat=True)) == {"example.org"}


@pytest.mark.parametrize("path", ["/en/accounts/login/", "/_allauth/browser/v1/auth/login"])
def test_sign_ins_refused_for_the_address_reach_the_security_log(client, settings, path):
    """allauth's per-address limit answers 429 before any form is read: those refusals are logged too."""
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "3/m/ip", "login_failed": False}
    cache.clear()
    user = verified_user(f"address-burst-{len(path)}")
    answers = []
    for attempt in range(6):
        if path.startswith("/_allauth/"):
            body = json.dumps({"email": user.email, "password": f"wrong {attempt}"})
            answers.append(client.post(path, body, content_type="application/json").status_code)
        else:
            answers.append(client.post(path, {"login": user.email, "password": f"wrong {attempt}"}).status_code)
    assert answers.count(429) == 3
    refused = SecurityEvent.objects.filter(kind="sign_in_failed", detail__reason="rate_limited_address")
    assert refused.count() == 3
