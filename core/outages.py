"""Which exceptions mean "a service the portal depends on is down" rather than "the code is wrong": those are
answered 503 with `Retry-After` (core.middleware, core.views.server_error), never a 500."""

from django.contrib.sessions.backends.base import UpdateError
from django.db import InterfaceError, OperationalError

# SQLite reports a programming error (a missing table or column) as OperationalError too: that is a bug, a 500.
NOT_OUTAGES = ("no such table", "no such column", "syntax error")


def _outage_types():
    types = [OperationalError, InterfaceError]
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError

        types += [RedisConnectionError, RedisTimeoutError]
    except ImportError:  # pragma: no cover — redis is a requirement; kept optional for the embedded default
        pass
    try:
        from psycopg_pool import PoolTimeout

        types.append(PoolTimeout)
    except ImportError:  # pragma: no cover
        pass
    return tuple(types)


OUTAGE_TYPES = _outage_types()


def is_outage(exception):
    if isinstance(exception, UpdateError):
        # Django's session store turns a database error while saving a session into UpdateError ("the session
        # was deleted"); when that error was an outage (the fault run found it), so is this.
        cause = exception.__cause__ or exception.__context__
        return cause is not None and cause is not exception and is_outage(cause)
    if not isinstance(exception, OUTAGE_TYPES):
        return False
    if isinstance(exception, OperationalError):
        text = str(exception).lower()
        return not any(marker in text for marker in NOT_OUTAGES)
    return True


def log_outage_as_503(sender, request, logger, exception, log_kwargs, **kwargs):
    """django-structlog's `request_failed` line of an outage: the code the client got (503), and `outage`."""
    if is_outage(exception):
        log_kwargs["code"] = 503
        log_kwargs["outage"] = type(exception).__name__


# The websocket close code for "try again later" (RFC 6455's registry): a socket's 503.
CLOSE_TRY_AGAIN_LATER = 1013


class WebsocketOutageGuard:
    """ASGI middleware for websockets: an outage of the database, cache or channel layer raised while a socket is
    opened or served (identifying its session, joining its groups) is not the server's 500. Before the socket is
    accepted, the handshake is answered 503 with `Retry-After` and the API's JSON error (the ASGI websocket denial
    response, which uvicorn supports; a server without it refuses the handshake); after, the socket is closed with
    1013, try again later. The client reconnects and resyncs (docs/notifications.md)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "websocket":
            return await self.app(scope, receive, send)
        state = {"accepted": False, "answered": False}

        async def tracking_send(message):
            if message["type"] == "websocket.accept":
                state["accepted"] = True
            elif message["type"] in ("websocket.close", "websocket.http.response.start"):
                state["answered"] = True
            await send(message)

        try:
            return await self.app(scope, receive, tracking_send)
        except Exception as error:
            if not is_outage(error) or state["answered"]:
                raise
            await self.answer(scope, send, state["accepted"], error)

    async def answer(self, scope, send, accepted, error):
        import json
        import logging

        from django.conf import settings

        from .errors import Unavailable

        logging.getLogger("portal.errors").warning(
            "outage answered on a websocket: %s: %s", type(error).__name__, error
        )
        retry_after = settings.PORTAL_OUTAGE_RETRY_AFTER
        if accepted or "websocket.http.response" not in scope.get("extensions", {}):
            await send({"type": "websocket.close", "code": CLOSE_TRY_AGAIN_LATER})
            return
        body = json.dumps(Unavailable(retry_after=retry_after).as_dict(), ensure_ascii=False).encode()
        headers = [(b"content-type", b"application/json"), (b"retry-after", str(retry_after).encode())]
        await send({"type": "websocket.http.response.start", "status": 503, "headers": headers})
        await send({"type": "websocket.http.response.body", "body": body})
