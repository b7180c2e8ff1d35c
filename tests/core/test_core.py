import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.utils import translation

from core.money import format_fils
from core.sanitize import sanitize_html


@pytest.mark.parametrize(
    ("fils", "arabic", "english"),
    [
        (1250, "1.250 د.ك", "KWD 1.250"),
        (0, "0.000 د.ك", "KWD 0.000"),
        (5, "0.005 د.ك", "KWD 0.005"),
        (1234567, "1,234.567 د.ك", "KWD 1,234.567"),
    ],
)
def test_fils_are_shown_as_dinars_with_three_decimals(fils, arabic, english):
    assert format_fils(fils, "ar") == arabic
    assert format_fils(fils, "en") == english
    with translation.override("en"):
        assert format_fils(fils) == english


def test_sanitiser_keeps_the_allow_list_and_drops_the_rest():
    dirty = (
        '<p onclick="x()">Hi <strong>there</strong><script>alert(1)</script></p>'
        '<a href="javascript:alert(1)">bad</a><a href="https://example.org/x">good</a>'
        "<img src=x onerror=alert(1)><h1>title</h1>"
    )
    clean = sanitize_html(dirty)
    assert "<script" not in clean and "alert(1)" not in clean and "onclick" not in clean and "<img" not in clean
    assert "<p>Hi <strong>there</strong></p>" in clean
    assert '<a href="https://example.org/x" rel="nofollow ugc">good</a>' in clean
    assert "javascript:" not in clean
    assert "title" in clean and "<h1>" not in clean


@pytest.mark.django_db
def test_health_check_reports_database_and_cache(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}


@pytest.mark.django_db
def test_websocket_ping_travels_through_the_channel_layer():
    from portal.asgi import application

    async def exchange():
        communicator = WebsocketCommunicator(
            application, "/ws/health/", headers=[(b"origin", b"http://testserver"), (b"host", b"testserver")]
        )
        connected, _ = await communicator.connect()
        assert connected
        await communicator.send_json_to({"type": "ping"})
        pong = await communicator.receive_json_from(timeout=5)
        await communicator.send_to(text_data="not json")
        error = await communicator.receive_json_from(timeout=5)
        await communicator.disconnect()
        return pong, error

    pong, error = async_to_sync(exchange)()
    assert pong == {"type": "pong"}
    assert error["type"] == "error"


@pytest.mark.django_db
def test_websocket_from_a_foreign_origin_is_refused():
    from portal.asgi import application

    async def attempt():
        communicator = WebsocketCommunicator(
            application, "/ws/health/", headers=[(b"origin", b"https://evil.example"), (b"host", b"testserver")]
        )
        connected, _ = await communicator.connect()
        await communicator.disconnect()
        return connected

    assert async_to_sync(attempt)() is False
