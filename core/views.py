import sys

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponseRedirect, JsonResponse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from django.views.decorators.cache import never_cache

from .errors import Unavailable
from .forms import safe_next
from .middleware import error_response
from .outages import is_outage


def root_redirect(request):
    """`/` goes to the Arabic site unless the visitor chose English before (the language cookie). The
    browser's Accept-Language is not enough: the portal is Arabic first."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    return HttpResponseRedirect(f"/{language}/")


@never_cache
def healthz(request):
    """For load balancers and operators: is the database answering, and the cache?"""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as error:  # noqa: BLE001 — any failure means unhealthy; report its kind
        checks["database"] = type(error).__name__
    try:
        cache.set("healthz", "ok", 5)
        checks["cache"] = "ok" if cache.get("healthz") == "ok" else "unreadable"
    except Exception as error:  # noqa: BLE001
        checks["cache"] = type(error).__name__
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "unhealthy", **checks}, status=200 if healthy else 503)


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
