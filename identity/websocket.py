"""Who is at the other end of a websocket. Identity authenticates sockets as it authenticates requests, with
the same rules: a session that expired, ended, idled out or outlived its absolute limit (identity.middleware.session_ended) signs
nobody in, and neither does a headless session token that is not valid.

`WebsocketIdentityMiddleware` runs inside channels' `AuthMiddlewareStack` (portal/asgi.py) and leaves a
`SocketIdentity` in `scope["identity"]`: who is signed in, how to check later that they still are, and, when
the socket presented a session or token that does not sign anyone in, why not. A consumer reads it and never
looks at sessions itself; `authenticate_token` serves a token sent later in a frame."""

from dataclasses import dataclass
from importlib import import_module
from urllib.parse import urlsplit

from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.http.request import split_domain_port, validate_host

from .middleware import session_ended

SESSION_EXPIRED = "session_expired"
INVALID_TOKEN = "invalid_token"


@dataclass(frozen=True)
class SocketIdentity:
    user: object = None  # the signed-in user, or None
    alive: object = None  # () -> bool, run in a thread: is the session still signed in as `user`?
    refusal: str = ""  # SESSION_EXPIRED or INVALID_TOKEN when the socket's credentials sign nobody in


ANONYMOUS = SocketIdentity()


def session_user_id(session):
    """The user id a session (a SessionStore) is signed in as, or None if it expired, ended or idled out."""
    data = session.load() if hasattr(session, "load") else {}
    user_id = data.get(SESSION_KEY)
    if session_ended(data):
        return None
    return str(user_id) if user_id is not None else None


def session_check(key, user_id):
    """A check, to run in a thread, that the session `key` is still signed in as `user_id`."""
    engine = import_module(settings.SESSION_ENGINE)

    def alive():
        return bool(key) and session_user_id(engine.SessionStore(session_key=key)) == str(user_id)

    return alive


def _from_token(token):
    from allauth.headless import app_settings
    from allauth.headless.internal.sessionkit import authenticate_by_x_session_token

    result = authenticate_by_x_session_token(token) if token else None
    if result is None:
        return SocketIdentity(refusal=INVALID_TOKEN)
    user, _session = result
    if not user.is_active:
        return SocketIdentity(refusal=INVALID_TOKEN)

    def alive():
        session = app_settings.TOKEN_STRATEGY.lookup_session(token)
        return session is not None and session_user_id(session) == str(user.pk)

    return SocketIdentity(user, alive)


async def authenticate_token(token):
    """The `SocketIdentity` of allauth's headless session token `token` (INVALID_TOKEN when it signs nobody in)."""
    if not isinstance(token, str) or not token or len(token) > 200:
        return SocketIdentity(refusal=INVALID_TOKEN)
    return await database_sync_to_async(_from_token)(token)


def _header(scope, name):
    for key, value in scope.get("headers", ()):
        if key.decode("latin-1").lower() == name:
            return value.decode("latin-1")
    return ""


class WebsocketIdentityMiddleware(BaseMiddleware):
    """Sets `scope["identity"]` for every websocket: the `X-Session-Token` header's session when there is one
    (headless clients), otherwise the session cookie's (the browser), checked against the idle timeout."""

    async def __call__(self, scope, receive, send):
        if scope.get("type") == "websocket":
            scope = dict(scope, identity=await self.identify(scope))
        return await super().__call__(scope, receive, send)

    async def identify(self, scope):
        token = _header(scope, "x-session-token")
        if token:
            return await authenticate_token(token)
        user, session = scope.get("user"), scope.get("session")
        if user is None or not user.is_authenticated or session is None:
            return ANONYMOUS
        alive = session_check(session.session_key, user.pk)
        if not await database_sync_to_async(alive)():
            return SocketIdentity(refusal=SESSION_EXPIRED)
        return SocketIdentity(user, alive)


# --- Where a socket comes from ---------------------------------------------------------------------------------

DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin_key(url):
    """(scheme, host, port) of an origin such as `https://portal.example`, the port made explicit; None if it
    is not one."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return parts.scheme, parts.hostname.lower(), port or DEFAULT_PORTS[parts.scheme]


def _secure(scope):
    if scope.get("scheme") == "wss":
        return True
    proxy_header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy_header:
        name, value = proxy_header
        return _header(scope, name.removeprefix("HTTP_").lower().replace("_", "-")) == value
    return False


def same_origin(scope):
    """Whether a socket's `Origin` is the portal's own: the same scheme (`wss` for `https`), host and port as the
    address the socket was opened on, or one of CSRF_TRUSTED_ORIGINS; and its host one of ALLOWED_HOSTS."""
    host = _header(scope, "host")
    origin = _origin_key(_header(scope, "origin"))
    if not host or origin is None:
        return False
    domain, _port = split_domain_port(host)
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return False
    own = _origin_key(f"{'https' if _secure(scope) else 'http'}://{host}")
    trusted = {_origin_key(url) for url in settings.CSRF_TRUSTED_ORIGINS}
    return origin == own or origin in trusted


class SameOriginValidator:
    """Refuses, before it opens, a websocket from another origin (scheme, host and port compared, as for a form
    post; channels' AllowedHostsOriginValidator compared the host only)."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope.get("type") == "websocket" and not same_origin(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)
