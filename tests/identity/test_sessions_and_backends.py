"""identity/sessions.py and identity/backends.py: a session read in one statement, a signed-in user loaded with
their assurance grant in one more, and a level that follows a grant made in the same request."""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.assurance import AssuranceLevel
from identity.models import AssuranceGrant
from identity.policy import forget_level, level_of, load_user
from identity.sessions import SessionStore

pytestmark = pytest.mark.django_db


@pytest.fixture
def citizen():
    user = get_user_model().objects.create_user("grant-citizen", "grant@example.org", "a long pass phrase 2026")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def test_the_portal_session_store_is_the_configured_engine():
    assert settings.SESSION_ENGINE == "identity.sessions"
    assert all(path.startswith("identity.backends.") for path in settings.AUTHENTICATION_BACKENDS)


def test_a_live_session_loads_and_an_expired_or_unknown_one_is_empty():
    store = SessionStore()
    store["colour"] = "أخضر"
    store.create()
    key = store.session_key
    assert SessionStore(key)["colour"] == "أخضر"

    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    expired = SessionStore(key)
    assert expired.get("colour") is None
    assert expired.session_key is None  # as Django's store: a missing session leaves no key to reuse
    unknown = SessionStore("x" * 32)
    assert unknown.get("colour") is None and unknown.session_key is None


def test_a_signed_in_user_comes_with_the_grant_and_asking_the_level_costs_no_query(citizen):
    AssuranceGrant.objects.create(user=citizen, level="L2", method="national-id")
    with CaptureQueriesContext(connection) as queries:
        user = load_user(str(citizen.pk))
        assert level_of(user) == AssuranceLevel.L2
    assert len(queries) == 1
    assert (user.pk, user.username, user.email) == (citizen.pk, citizen.username, citizen.email)


def test_without_a_grant_the_level_comes_from_the_email_and_unknown_users_are_none(citizen):
    user = load_user(citizen.pk)
    assert level_of(user) == AssuranceLevel.L1
    assert load_user(10_000_000) is None
    assert load_user("not a number") is None


def test_a_grant_made_after_loading_is_seen_once_forgotten(citizen):
    user = load_user(citizen.pk)
    assert level_of(user) == AssuranceLevel.L1
    AssuranceGrant.objects.create(user=citizen, level="L2", method="national-id")
    forget_level(user)
    assert level_of(user) == AssuranceLevel.L2


def test_a_signed_in_request_gets_its_level_with_the_user_and_an_inactive_user_is_signed_out(client, citizen):
    AssuranceGrant.objects.create(user=citizen, level="L2", method="national-id")
    client.force_login(citizen)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/me/assurance/").json()["level"] == "L2"
    assert not [query for query in queries if 'FROM "identity_assurancegrant"' in query["sql"]]
    get_user_model().objects.filter(pk=citizen.pk).update(is_active=False)
    assert client.get("/api/v1/me/assurance/").json()["level"] == "L0"
