"""One ASGI application for HTTP and websockets."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.production")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402 — Django must be set up first
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from core.outages import WebsocketOutageGuard  # noqa: E402
from identity.websocket import SameOriginValidator, WebsocketIdentityMiddleware  # noqa: E402
from portal.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # A socket from another origin (scheme, host, port) is refused; identity authenticates every other one
        # (identity.websocket): consumers read scope["identity"]. An outage of the database, cache or channel layer
        # is a 503 (or a close with 1013 once open), never a 500 (core.outages).
        "websocket": WebsocketOutageGuard(
            SameOriginValidator(AuthMiddlewareStack(WebsocketIdentityMiddleware(URLRouter(websocket_urlpatterns))))
        ),
    }
)
