"""What the API's schema tests share: the portal as a WSGI application called in-process (no server), the
`/api/v1/` schema as the portal serves it, and people and keys to call it with."""

import json

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client

from payments import services as payments_services
from payments.models import ApiKey
from tests import factories
from tests.participation.conftest import make_citizen


@pytest.fixture
def wsgi_app():
    """The portal as its WSGI server sees it, in the test's transaction: Django closes the database connection
    at the end of each request, which would end the test's transaction, so that is switched off meanwhile (as
    Django's test client does). Django's test client switches it on again after each of its requests: a
    fixture that uses it must come before this one."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def served_schema(path="/api/v1/schema/"):
    response = Client().get(path, {"format": "json"})
    assert response.status_code == 200, response.content[:500]
    return json.loads(response.content)


@pytest.fixture
def api_schema(db):
    return served_schema()


def session_token(user):
    """An app's session token for `user` (`X-Session-Token`): the key of a session signed in as an app's is."""
    client = Client()
    client.force_login(user)
    return client.session.session_key


@pytest.fixture
def demo_participation(db):
    """The participation and payments demo on a small catalogue (three services of three authorities, one with a
    fee): an open consultation, an open and a closed poll, the payments demo's citizen, a fee paid, bills."""
    factories.services(3)
    with open("/dev/null", "w") as quiet:
        call_command("load_participation_demo", stdout=quiet)
        call_command("load_payments_demo", stdout=quiet)


@pytest.fixture
def citizen_token(db):
    user = make_citizen("L2")
    return user, session_token(user)


def authority_key_token():
    """A new API key of the Public Authority for Manpower's system with every scope: its token."""
    authority = factories.authority("MSAL")
    _api_key, token = payments_services.create_api_key(
        authority=authority, name="schema tests", scopes=list(ApiKey.Scope.values)
    )
    return token


@pytest.fixture
def authority_key(db):
    return authority_key_token()


@pytest.fixture
def staff_user(db):
    return factories.staff("admin")
