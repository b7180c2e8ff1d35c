import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.sessions.models import Session

from notifications import services
from notifications.models import Notification

from .conftest import ORIGIN, follow, make_citizen, session_headers

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _keep_the_test_transaction(monkeypatch):
    """Channels closes "old" database connections around each database call; inside a test's transaction on
    PostgreSQL that would close the test's own connection. (The server does this for real; tests must not.)"""
    monkeypatch.setattr("channels.db.close_old_connections", lambda: None)


def communicator(headers, path="/ws/notifications/?lang=en"):
    from portal.asgi import application

    return WebsocketCommunicator(application, path, headers=headers)


def respond(petition, capture):
    with capture(execute=True):
        services.deliver("petition.responded", {"petition_id": petition.pk})


async def receive_all(socket, until_type, timeout=3):
    got = []
    while True:
        message = await socket.receive_json_from(timeout=timeout)
        got.append(message)
        if message["type"] == until_type:
            return got


def test_resync_sends_what_was_missed_then_live_notifications(client, petition, django_capture_on_commit_callbacks):
    person = make_citizen("L1")
    follow(person, f"petition:{petition.pk}")
    services.deliver("petition.threshold_reached", {"petition_id": petition.pk, "threshold": "response", "count": 10})
    missed = Notification.objects.get(recipient=person)
    headers = session_headers(client, person)

    async def session():
        socket = communicator(headers)
        connected, _ = await socket.connect()
        assert connected
        await socket.send_json_to({"type": "resync", "after": 0})
        first = await receive_all(socket, "synced")
        await database_sync_to_async(respond)(petition, django_capture_on_commit_callbacks)
        live = await socket.receive_json_from(timeout=3)
        await socket.send_json_to({"type": "ping"})
        pong = await socket.receive_json_from(timeout=3)
        await socket.disconnect()
        return first, live, pong

    first, live, pong = async_to_sync(session)()
    assert [message["type"] for message in first] == ["notification", "synced"]
    assert first[0]["notification"]["id"] == missed.pk
    assert first[0]["notification"]["text"] == missed.text_en
    assert "recipient" not in first[0]["notification"]
    assert first[1] == {"type": "synced", "last_id": missed.pk, "more": False}
    assert live["type"] == "notification"
    assert live["notification"]["kind"] == "petition.responded"
    assert live["notification"]["id"] == Notification.objects.get(recipient=person, kind="petition.responded").pk
    assert pong == {"type": "pong"}


def test_nobody_receives_someone_elses_notification(client, petition, django_capture_on_commit_callbacks):
    follower, bystander = make_citizen("L1"), make_citizen("L1")
    follow(follower, f"petition:{petition.pk}")
    headers = session_headers(client, bystander)

    async def session():
        socket = communicator(headers)
        await socket.connect()
        await database_sync_to_async(respond)(petition, django_capture_on_commit_callbacks)
        await socket.send_json_to({"type": "resync", "after": 0})
        got = await receive_all(socket, "synced")
        nothing_more = await socket.receive_nothing(timeout=0.3)
        await socket.disconnect()
        return got, nothing_more

    got, nothing_more = async_to_sync(session)()
    assert got == [{"type": "synced", "last_id": 0, "more": False}]
    assert nothing_more


def test_a_socket_from_a_foreign_origin_is_refused():
    async def attempt():
        socket = communicator([(b"origin", b"https://evil.example"), (b"host", b"testserver")])
        connected, _ = await socket.connect()
        return connected

    assert async_to_sync(attempt)() is False


@pytest.mark.parametrize(
    "origin",
    [
        b"https://testserver",  # same host, another scheme
        b"http://testserver:8443",  # same host, another port
        b"http://testserver.evil.example",
        b"null",
    ],
)
def test_a_socket_whose_origin_differs_in_scheme_or_port_is_refused(origin):
    """The check compared the host only (channels' AllowedHostsOriginValidator)."""

    async def attempt():
        socket = communicator([(b"origin", origin), (b"host", b"testserver")])
        connected, _ = await socket.connect()
        return connected

    assert async_to_sync(attempt)() is False


def test_a_socket_from_the_same_origin_or_a_trusted_one_opens(settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://portal.example"]

    async def attempt(headers):
        socket = communicator(headers)
        connected, _ = await socket.connect()
        await socket.disconnect()
        return connected

    assert async_to_sync(attempt)(ORIGIN) is True
    assert async_to_sync(attempt)([(b"origin", b"https://portal.example"), (b"host", b"testserver")]) is True


def test_an_anonymous_socket_gets_public_counters_only(petition):
    async def session():
        socket = communicator(ORIGIN)
        await socket.connect()
        await socket.send_json_to({"type": "resync", "after": 0})
        refused = await socket.receive_json_from(timeout=3)
        await socket.send_json_to({"type": "subscribe", "counter": f"petition:{petition.pk}"})
        counter = await socket.receive_json_from(timeout=3)
        await socket.send_json_to({"type": "subscribe", "counter": "petition:999999"})
        unknown = await socket.receive_json_from(timeout=3)
        await socket.disconnect()
        return refused, counter, unknown

    refused, counter, unknown = async_to_sync(session)()
    assert refused["type"] == "error" and refused["code"] == "unauthenticated"
    assert refused["message"] == "Sign in to receive notifications."
    assert counter == {"type": "counter", "counter": f"petition:{petition.pk}", "value": 0}
    assert unknown["code"] == "unknown_counter"


def test_bad_frames_get_errors_and_repeated_garbage_closes_with_4400(client):
    headers = session_headers(client, make_citizen("L1"))

    async def session():
        socket = communicator(headers)
        await socket.connect()
        answers = []
        await socket.send_json_to({"type": "dance"})
        answers.append(await socket.receive_json_from(timeout=3))
        await socket.send_json_to({"type": "resync", "after": "12; DROP TABLE"})
        answers.append(await socket.receive_json_from(timeout=3))
        await socket.send_json_to({"type": "resync", "after": 10**12})
        answers.append(await socket.receive_json_from(timeout=3))
        await socket.send_to(bytes_data=b"\x00\x01")
        answers.append(await socket.receive_json_from(timeout=3))
        for _ in range(4):
            await socket.send_to(text_data="{not json")
            answers.append(await socket.receive_json_from(timeout=3))
        closed = await socket.receive_output(timeout=3)
        return answers, closed

    answers, closed = async_to_sync(session)()
    assert [answer["code"] for answer in answers] == ["unknown_type", "bad_cursor", "bad_cursor"] + ["malformed"] * 5
    assert closed == {"type": "websocket.close", "code": 4400}


def test_a_headless_client_authenticates_with_its_session_token(client):
    person = make_citizen("L1")
    client.force_login(person)
    token = client.cookies["sessionid"].value  # allauth's headless session token is the session key

    async def session(headers):
        socket = communicator([*ORIGIN, *headers])
        await socket.connect()
        await socket.send_json_to({"type": "resync", "after": 0})
        answer = await socket.receive_output(timeout=3)
        await socket.disconnect()
        return answer

    good = async_to_sync(session)([(b"x-session-token", token.encode())])
    assert good["type"] == "websocket.send" and '"synced"' in good["text"]
    forged = async_to_sync(session)([(b"x-session-token", b"forged")])
    assert '"invalid_token"' in forged["text"]


def test_a_session_that_ends_closes_the_socket_with_4401(client, settings):
    settings.NOTIFICATIONS_HEARTBEAT_SECONDS = 0.05
    settings.NOTIFICATIONS_SESSION_RECHECK_SECONDS = 0
    person = make_citizen("L1")
    headers = session_headers(client, person)
    key = client.cookies["sessionid"].value

    async def session():
        socket = communicator(headers)
        connected, _ = await socket.connect()
        assert connected
        beat = await socket.receive_json_from(timeout=3)
        await database_sync_to_async(Session.objects.filter(session_key=key).delete)()
        messages = []
        while True:
            output = await socket.receive_output(timeout=3)
            messages.append(output)
            if output["type"] == "websocket.close":
                return beat, messages

    beat, messages = async_to_sync(session)()
    assert beat == {"type": "heartbeat"}
    assert messages[-1] == {"type": "websocket.close", "code": 4401}
    assert any('"session_expired"' in output.get("text", "") for output in messages)
