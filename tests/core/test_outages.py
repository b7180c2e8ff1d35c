"""An outage of the database, the cache or the channel layer is a 503 with Retry-After on every path (issue 16,
item 12): the API's JSON error under /api/, allauth's shape under /_allauth/, the themed page elsewhere, and on a
websocket a 503 handshake (or a close with 1013 once open) — never a 500. bench/fault_bench.py checks the same
against real restarts of PostgreSQL and Redis."""

import json
from unittest import mock

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.db import OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError

from core.outages import CLOSE_TRY_AGAIN_LATER, WebsocketOutageGuard

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client):
    """As a server answers: an exception raised outside a view (a middleware loading the session) goes to the
    portal's handler500 (core.views.server_error) instead of being re-raised into the test."""
    client.raise_request_exception = False
    return client


DATABASE_DOWN = OperationalError("connection to server at 127.0.0.1, port 5432 failed: Connection refused")


def database_down():
    """Every query, and every new connection, fails as when PostgreSQL is restarting."""
    return mock.patch(
        "django.db.backends.base.base.BaseDatabaseWrapper.cursor", side_effect=OperationalError(DATABASE_DOWN)
    )


def cache_down():
    """Every cache call fails as when Redis is restarting."""
    down = RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
    from django.core.cache import caches

    backend = type(caches["default"])
    patches = [
        mock.patch.object(backend, name, side_effect=down)
        for name in ("get", "set", "add", "incr", "delete", "get_many", "set_many")
    ]
    patches.append(mock.patch("core.cache.count_hits", side_effect=down))
    return patches


def assert_unavailable(response, path):
    assert response.status_code == 503, (path, response.status_code, response.content[:300])
    if path not in ("/healthz", "/readyz"):  # the probes name what failed instead
        assert int(response["Retry-After"]) > 0
    if path.startswith("/api/"):
        assert response["Content-Type"].startswith("application/json"), path
        assert response.json()["code"] == "unavailable"
    elif path.startswith("/_allauth/"):
        assert response.json()["status"] == 503
    elif path not in ("/healthz", "/readyz"):
        assert response["Content-Type"].startswith("text/html"), path
        assert b"<html" in response.content


PATHS = [
    "/ar/",
    "/en/search/?q=x",
    "/ar/participate/petitions/",
    "/api/v1/petitions/",
    "/api/v1/search/?q=x",
    "/api/v2/pages/",
    "/_allauth/browser/v1/auth/session",
]


@pytest.mark.parametrize("path", PATHS)
def test_a_database_outage_is_a_503_on_every_kind_of_path(client, path):
    with database_down():
        response = client.get(path)
    assert_unavailable(response, path)


def test_a_database_outage_during_a_signed_in_write_is_a_json_503(client, django_user_model):
    user = django_user_model.objects.create_user("outage", "outage@example.org", "a long enough password")
    client.force_login(user)
    with database_down():
        response = client.post(
            "/api/v1/petitions/1/signatures/", {"governorate": "capital"}, content_type="application/json"
        )
    assert_unavailable(response, "/api/v1/petitions/1/signatures/")


def test_an_outage_raised_outside_a_view_is_logged_with_the_503_it_was_answered_with(client, django_user_model):
    import io
    import logging

    from portal.logs import formatter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter("json"))
    logging.getLogger().addHandler(handler)
    user = django_user_model.objects.create_user("logged", "logged@example.org", "a long enough password")
    client.force_login(user)
    try:
        with database_down():
            response = client.get("/api/v1/petitions/")
    finally:
        logging.getLogger().removeHandler(handler)
    assert response.status_code == 503
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]
    failed = [line for line in lines if line.get("event") == "request_failed"]
    assert failed and failed[0]["code"] == 503 and failed[0]["outage"] == "OperationalError"
    assert failed[0]["request_id"] == response["X-Request-ID"]


@pytest.mark.parametrize("path", ["/healthz", "/api/v1/petitions/", "/ar/"])
def test_a_cache_outage_is_never_a_500(client, path):
    patches = cache_down()
    for patch in patches:
        patch.start()
    try:
        response = client.get(path)
    finally:
        for patch in patches:
            patch.stop()
    assert response.status_code in (200, 503), (path, response.status_code)
    if response.status_code == 503:
        assert_unavailable(response, path)


# --- Websockets ---------------------------------------------------------------------------------------------------


def socket(path="/ws/notifications/"):
    from portal.asgi import application

    return WebsocketCommunicator(
        application, path, headers=[(b"origin", b"http://testserver"), (b"host", b"testserver")]
    )


@pytest.mark.django_db(transaction=True)
def test_a_database_outage_when_a_socket_opens_is_not_a_500():
    async def attempt():
        communicator = socket()
        with mock.patch("identity.websocket.WebsocketIdentityMiddleware.identify", side_effect=DATABASE_DOWN):
            connected, code = await communicator.connect()
        return connected, code

    assert async_to_sync(attempt)() == (False, CLOSE_TRY_AGAIN_LATER)


@pytest.mark.django_db(transaction=True)
def test_a_channel_layer_outage_on_an_open_socket_closes_it_with_try_again_later():
    from core.consumers import HealthConsumer

    async def attempt_patched():
        communicator = socket("/ws/health/")
        connected, _ = await communicator.connect()
        assert connected
        with mock.patch.object(HealthConsumer, "receive_json", side_effect=RedisConnectionError("refused")):
            await communicator.send_json_to({"type": "ping"})
            return await communicator.receive_output(timeout=5)

    assert async_to_sync(attempt_patched)() == {"type": "websocket.close", "code": CLOSE_TRY_AGAIN_LATER}


def test_a_server_with_the_denial_extension_gets_a_json_503_handshake():
    async def broken(scope, receive, send):
        raise DATABASE_DOWN

    sent = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "websocket.connect"}

    scope = {"type": "websocket", "path": "/ws/notifications/", "extensions": {"websocket.http.response": {}}}
    async_to_sync(WebsocketOutageGuard(broken))(scope, receive, send)
    assert sent[0]["type"] == "websocket.http.response.start" and sent[0]["status"] == 503
    assert (b"retry-after", b"5") in sent[0]["headers"]
    assert json.loads(sent[1]["body"])["code"] == "unavailable"


def test_a_session_that_cannot_be_saved_during_an_outage_is_an_outage():
    from django.contrib.sessions.backends.base import UpdateError

    from core.outages import is_outage

    def saved(cause):
        try:
            try:
                raise cause
            except OperationalError:
                raise UpdateError()  # noqa: B904 — as Django does: the cause is the context
        except UpdateError as error:
            return error

    # Django raises UpdateError while handling the database's error (the fault run's one 500 before this).
    assert is_outage(saved(OperationalError("terminating connection due to administrator command")))
    assert not is_outage(UpdateError())  # a session deleted meanwhile: not an outage
    assert not is_outage(saved(OperationalError("no such table: django_session")))


def test_a_programming_error_on_a_socket_is_not_hidden_as_an_outage():
    async def broken(scope, receive, send):
        raise OperationalError("no such table: notifications_notification")

    async def send(message):
        raise AssertionError("nothing is sent for a bug: the server answers it as the error it is")

    with pytest.raises(OperationalError):
        async_to_sync(WebsocketOutageGuard(broken))({"type": "websocket"}, None, send)
