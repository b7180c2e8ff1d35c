"""The platform API (`/api/v1/`): citizen actions and platform services. Each app contributes its routes
in its own `api.py`; this module gathers them and gives every error one shape."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import PortalError


def exception_handler(exc, context):
    """Every API error is `{"detail": "...", "code": "...", ...}` in the user's language, never an HTML page.
    A `PortalError` from any service is answered as it is: no view converts one by hand."""
    if isinstance(exc, PortalError):
        return Response(exc.as_dict(), status=exc.status, headers=exc.headers())
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "code" not in response.data:
        codes = exc.get_codes() if hasattr(exc, "get_codes") else None
        if isinstance(codes, str):
            response.data["code"] = codes
    return response


def only_platform_api(endpoints, **kwargs):
    """The schema describes /api/v1/ only; the content API (/api/v2/) is Wagtail's and documented apart."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]


urlpatterns = [
    path("", include("identity.api_urls")),
    path("search/", include("search.api_urls")),
    path("", include("participation.api_urls")),
    path("", include("notifications.api")),
    path("", include("payments.api")),
    path("", include("labour.api")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
