import ipaddress
import json
import logging
import re
import uuid

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from .api import MAX_ID
from .errors import InvalidInput, NotFound, PortalError, Unavailable
from .outages import is_outage

logger = logging.getLogger("portal.errors")


class PortalLocaleMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware turns any 404 into a redirect to the language-prefixed path when that path
    would match a pattern — and Wagtail's catch-all matches everything. An API client asking for a missing
    page must get its 404, not a redirect to an HTML page, so paths outside the i18n URLs keep their 404."""

    def process_response(self, request, response):
        if request.path_info.startswith(settings.PORTAL_UNPREFIXED_PATHS):
            return response
        return super().process_response(request, response)


# --- The request id -------------------------------------------------------------------------------------

# A client's or a proxy's X-Request-ID is kept if it looks like an id (a UUID, a hex or base64url token, a
# proxy's `$request_id`): letters, digits and . _ : - only, 8 to 128 of them. Anything else (a newline that
# could forge a log line, a megabyte of text) is replaced by a new UUID.
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")


class RequestIdMiddleware:
    """Every request gets an id: the incoming `X-Request-ID` if it is well-formed, else a new UUID. The id is in
    every log line written for the request (django-structlog binds it next) and in the response's
    `X-Request-ID` header, so a person reporting a problem, a proxy's access log and the portal's log meet."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if REQUEST_ID.fullmatch(incoming) else str(uuid.uuid4())
        request.META["HTTP_X_REQUEST_ID"] = request_id
        request.request_id = request_id
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


# --- Untrusted input and the one error shape -----------------------------------------------------------


def is_api(request):
    return request.path_info.startswith("/api/")


def is_headless_accounts(request):
    return request.path_info.startswith("/_allauth/")


def error_response(request, error):
    """A `PortalError` as the client expects it: the API's JSON shape under `/api/`, allauth's own shape under
    `/_allauth/` (so its clients parse one shape), the themed error page everywhere else."""
    if is_api(request):
        response = JsonResponse(error.as_dict(), status=error.status, json_dumps_params={"ensure_ascii": False})
    elif is_headless_accounts(request):
        body = {"status": error.status, "errors": [{"code": error.code, "message": error.message}]}
        response = JsonResponse(body, status=error.status, json_dumps_params={"ensure_ascii": False})
    else:
        title = _("The service is briefly unavailable") if error.status == 503 else _("This cannot be done")
        html = render_to_string("error.html", {"title": title, "message": error.message})
        response = HttpResponse(html, status=error.status)
    for header, value in error.headers().items():
        response[header] = value
    return response


def json_depth_exceeds(body, limit):
    """Whether the JSON text nests arrays and objects deeper than `limit`. A linear scan that skips strings,
    run before any parser sees the body: Python's and DRF's parsers recurse and raise RecursionError (a
    500) on a few thousand brackets."""
    depth = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return False


class ClientAddressMiddleware:
    """Behind the production proxies (nginx, then Varnish: deploy/) every request comes from a proxy's address.
    With PORTAL_CLIENT_IP_HEADER set (`X-Real-IP`, which nginx overwrites with the address it saw), REMOTE_ADDR
    becomes that header's address, so that per-address rate limits and the audit log see the citizen, not the
    proxy. Set it only when the HTTP servers are reachable through the proxies alone: anyone who can reach them
    directly chooses their address. A value that is not an IP address is ignored."""

    def __init__(self, get_response):
        self.get_response = get_response
        header = settings.PORTAL_CLIENT_IP_HEADER
        self.key = "HTTP_" + header.upper().replace("-", "_") if header else None

    def __call__(self, request):
        if self.key:
            value = request.META.get(self.key, "").strip()
            try:
                request.META["REMOTE_ADDR"] = str(ipaddress.ip_address(value))
            except ValueError:
                pass
        return self.get_response(request)


class PermissionsPolicyMiddleware:
    """Sends `Permissions-Policy` (settings.PERMISSIONS_POLICY) on every response: the browser features the
    portal never uses are off for it and anything it embeds."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.PERMISSIONS_POLICY:
            response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


def body_too_large():
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return PortalError(
        _("The request is too large (at most %(limit)d bytes).") % {"limit": limit}, code="too_large", status=413
    )


def too_large_body(request):
    """A refusal of a body larger than DATA_UPLOAD_MAX_MEMORY_SIZE (file uploads, multipart, have their own
    limits). Django would refuse it only when a view reads it, as an HTML 400."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is None or request.content_type.startswith("multipart/"):
        return None
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return body_too_large() if length > limit else None


class RequestGuardMiddleware:
    """One place for the rules every request's untrusted text obeys before any view sees it:

    - no NUL character in the path or in any query parameter (PostgreSQL refuses NUL in text, so it would
      otherwise reach a query and fail there), and no query parameter longer than
      `PORTAL_MAX_PARAMETER_LENGTH` characters;
    - a body (other than a file upload) is at most DATA_UPLOAD_MAX_MEMORY_SIZE bytes: a larger one is a 413;
    - a JSON body nests at most `PORTAL_MAX_JSON_DEPTH` levels (every JSON endpoint, allauth's included);
    - a number in the path (`<int:pk>`) is at most `core.api.MAX_ID`: a larger one names nothing, a 404 (ids in
      a query or a body are `core.api.IdField`s).

    A request that breaks one gets a 400 (404) in the shape its client expects, and nothing runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        refusal = self.refusal(request)
        if refusal is not None:
            return error_response(request, refusal)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        numbers = [value for value in (*view_args, *view_kwargs.values()) if isinstance(value, int)]
        if any(not 0 <= number <= MAX_ID for number in numbers):
            return error_response(request, NotFound())
        return None

    def refusal(self, request):
        if "\x00" in request.path_info:
            return InvalidInput(_("The address contains a character that is not allowed."), code="invalid_character")
        limit = settings.PORTAL_MAX_PARAMETER_LENGTH
        for name, values in request.GET.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                return InvalidInput(
                    _("The parameter %(name)s contains a character that is not allowed.") % {"name": name[:40]},
                    code="invalid_character",
                    field=name[:40],
                )
            if len(name) > limit or any(len(value) > limit for value in values):
                return InvalidInput(
                    _("The parameter %(name)s is too long (at most %(limit)d characters).")
                    % {"name": name[:40], "limit": limit},
                    code="too_long",
                    field=name[:40],
                )
        if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
            return None
        too_large = too_large_body(request)
        if too_large is not None:
            return too_large
        if "json" in request.content_type:
            try:
                body = request.body
            except RequestDataTooBig:  # a body without a Content-Length that turned out too large
                return body_too_large()
            if json_depth_exceeds(body, settings.PORTAL_MAX_JSON_DEPTH):
                return InvalidInput(
                    _("The JSON body is nested too deeply (at most %(limit)d levels).")
                    % {"limit": settings.PORTAL_MAX_JSON_DEPTH},
                    code="too_deep",
                )
        return None


# The `code` of an error that has none, by status: what DRF would have said for the same status.
STATUS_CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    412: "precondition_failed",
    413: "too_large",
    415: "unsupported_media_type",
    429: "throttled",
    500: "server_error",
    503: "unavailable",
}


def status_message(status):
    messages = {
        400: _("The request could not be understood."),
        401: _("Sign in to do this."),
        403: _("You may not do this."),
        404: _("There is no such thing here."),
        405: _("This method is not allowed here."),
        413: _("The request is too large."),
        500: _("Something went wrong on our side. Nothing was changed: please try again."),
        503: _("The service is briefly unavailable. Please try again in a few seconds."),
    }
    return messages.get(status, _("This cannot be done."))


class ErrorShapeMiddleware:
    """Every error answer under `/api/` is JSON `{"detail", "code", …}`, whatever raised it — Django's HTML 404
    and 400 pages, Wagtail's `{"message"}`, a 10 MB body refused before any view. A `PortalError` raised by any
    view is answered here too (JSON under `/api/`, the error page elsewhere), and an outage of the database,
    the cache or the channel layer is a 503 with `Retry-After`, never a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code >= 400 and is_api(request) and not getattr(response, "streaming", False):
            return self.reshaped(response)
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, PortalError):
            return error_response(request, exception)
        if is_outage(exception):
            logger.warning("outage answered 503: %s: %s", type(exception).__name__, exception)
            return error_response(request, Unavailable(retry_after=settings.PORTAL_OUTAGE_RETRY_AFTER))
        return None

    def reshaped(self, response):
        body = None
        if response.get("Content-Type", "").startswith("application/json"):
            try:
                body = json.loads(response.content or b"null")
            except ValueError:
                body = None
        if isinstance(body, dict) and "code" in body and "detail" in body:
            return response
        shaped = {"detail": status_message(response.status_code), "code": STATUS_CODES.get(response.status_code)}
        if isinstance(body, dict):
            detail = body.get("detail") or body.get("message")
            if isinstance(detail, str):
                shaped["detail"] = detail
            # The original keys stay (Wagtail's clients read `message`); `detail` and `code` are added.
            shaped.update({key: value for key, value in body.items() if key != "detail"})
            if not shaped.get("code"):
                shaped["code"] = STATUS_CODES.get(response.status_code)
        if shaped["code"] is None:
            shaped["code"] = "client_error" if response.status_code < 500 else "server_error"
        reshaped = JsonResponse(shaped, status=response.status_code, json_dumps_params={"ensure_ascii": False})
        for header in ("Retry-After", "Allow", "WWW-Authenticate", "Vary"):
            if header in response:
                reshaped[header] = response[header]
        return reshaped
