import asyncio
import sys

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db import connection
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from django.views.decorators.cache import never_cache

from .errors import Unavailable
from .forms import safe_next
from .metrics import exposition, may_read_metrics
from .middleware import error_response
from .outages import is_outage


def root_redirect(request):
    """`/` goes to the Arabic site unless the visitor chose English before (the language cookie). The
    browser's Accept-Language is not enough: the portal is Arabic first."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    return HttpResponseRedirect(f"/{language}/")


def _failure(error):
    return type(error).__name__


def check_database():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as error:  # noqa: BLE001 — any failure means unhealthy; report its kind
        return _failure(error)


def check_cache():
    try:
        cache.set("healthz", "ok", 5)
        return "ok" if cache.get("healthz") == "ok" else "unreadable"
    except Exception as error:  # noqa: BLE001
        return _failure(error)


CHANNEL_LAYER_TIMEOUT = 2.0


def check_channel_layer():
    """A message sent to a group through the channel layer (nobody listens: the layer's backend must accept it)."""
    layer = get_channel_layer()
    if layer is None:
        return "not configured"

    async def send():
        await asyncio.wait_for(layer.group_send("readyz", {"type": "readyz.ping"}), CHANNEL_LAYER_TIMEOUT)

    try:
        async_to_sync(send)()
        return "ok"
    except Exception as error:  # noqa: BLE001
        return _failure(error)


def _checked(checks):
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "unhealthy", **checks}, status=200 if healthy else 503)


@never_cache
def healthz(request):
    """For load balancers and operators: is the database answering, and the cache?"""
    return _checked({"database": check_database(), "cache": check_cache()})


@never_cache
def readyz(request):
    """Readiness, for a load balancer: may this process be sent requests? The database, the cache and the channel
    layer each answer, or 503 naming what failed. Served over plain HTTP even when HTTPS is enforced
    (SECURE_REDIRECT_EXEMPT), like /healthz."""
    return _checked({"database": check_database(), "cache": check_cache(), "channel_layer": check_channel_layer()})


@never_cache
def metrics(request):
    """Prometheus's text format (core.metrics); a 404 to anyone who may not read it, as if it were not there."""
    if not may_read_metrics(request):
        raise Http404
    body, content_type = exposition()
    return HttpResponse(body, content_type=content_type)


UNTRANSLATED = _("The page you were on is not available in this language yet: this is the nearest page that is.")


def switch_language(request, language):
    """Remember the visitor's language and go to `next` (a path on this site) in it."""
    if language not in dict(settings.LANGUAGES):
        return HttpResponseRedirect("/")
    if request.GET.get("nearest"):
        # The page has no translation into `language`: `next` is the nearest page that has one. Say so, in it.
        with translation.override(language):
            messages.info(request, str(UNTRANSLATED))
    response = HttpResponseRedirect(safe_next(request, f"/{language}/"))
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        secure=getattr(settings, "LANGUAGE_COOKIE_SECURE", False),
        httponly=True,
    )
    return response


def server_error(request, template_name="500.html"):
    """Django's 500 view, except that an outage of the database, cache or channel layer — raised wherever, a
    middleware included — is a 503 with `Retry-After`: the client may try again, nothing was half written.
    Under `/api/` the answer is JSON either way (core.middleware.ErrorShapeMiddleware reshapes the 500)."""
    exception = sys.exc_info()[1]
    if exception is not None and is_outage(exception):
        return error_response(request, Unavailable(retry_after=settings.PORTAL_OUTAGE_RETRY_AFTER))
    return defaults.server_error(request, template_name)
