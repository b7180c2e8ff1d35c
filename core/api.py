"""What every API view shares: the one error body in the OpenAPI schema, and reading a serializer's input
the one way. The errors themselves are `core.errors.PortalError`, answered by `portal.api_v1`'s handler."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.renderers import JSONRenderer

from .errors import InvalidInput

# The largest id the database can hold (a signed 64-bit integer). A larger one names nothing: in a query or a
# body it is refused by `IdField`, in a path by `core.middleware.RequestGuardMiddleware` (a 404).
MAX_ID = 2**63 - 1

# The body of every refusal, as the schema describes it (`responses={400: ERROR, …}`).
ERROR = inline_serializer(
    "Error",
    {
        "detail": serializers.CharField(help_text="What is wrong, in the request's language."),
        "code": serializers.CharField(help_text="A stable code, e.g. `invalid`, `not_found`, `already_signed`."),
        "field": serializers.CharField(required=False, help_text="The input it concerns, when there is one."),
    },
)

# A CSV download in the schema: `responses={(200, "text/csv"): CSV, …}`.
CSV = OpenApiResponse(OpenApiTypes.STR, description="CSV: UTF-8 with a byte-order mark, a header row first.")


class FileAnswersMixin:
    """For an API view that can answer a file (`?format=csv`, a `.csv` path): only its own answers are files. A
    refusal and OPTIONS' description of the view are JSON, `{"detail", "code"}` like every other API error,
    whatever file was asked for (a file renderer cannot render them, or would lose their `code`)."""

    def finalize_response(self, request, response, *args, **kwargs):
        if getattr(response, "exception", False) or request.method == "OPTIONS":
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), "application/json"
        return super().finalize_response(request, response, *args, **kwargs)


class PortalAutoSchema(AutoSchema):
    """The schema of every `/api/v1/` operation also lists the refusals that do not come from the view itself, so
    that a client generated from it expects every answer it can get (REST_FRAMEWORK's DEFAULT_SCHEMA_CLASS):

    - 400 on every operation: `core.middleware.RequestGuardMiddleware` refuses a NUL character or an over-long
      parameter, and a JSON body nested too deeply, before any view runs;
    - 401 where the operation reads credentials (an API key or a session token sent but not valid);
    - 403 where the operation needs a signed-in person or a key's scope, and on writes that read the session
      cookie (Django's CSRF check);
    - 404 on every operation: no such thing, a path parameter of the wrong type, or an unknown `?format=`;
    - 503 on every operation: an outage of the database, the cache or the channel layer (`Retry-After`).

    Each is the one error body, `ERROR`. An operation that documents the status itself keeps its own entry."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for status, description in self.refusals():
            if str(status) not in responses:
                responses[str(status)] = {
                    **self._get_response_for_code(ERROR, str(status), direction=direction),
                    "description": description,
                }
        return responses

    def refusals(self):
        authenticators = self.view.get_authenticators()
        needs_permission = any(
            not isinstance(permission, permissions.AllowAny) for permission in self.view.get_permissions()
        )
        reads_cookie = any(isinstance(authenticator, SessionAuthentication) for authenticator in authenticators)
        refusals = [(400, "A parameter or the body is not valid (the `field` names it when it can).")]
        if authenticators:
            refusals.append(
                (
                    401,
                    "The credentials are missing (an API key is needed) or not valid (a session token or "
                    "API key that is forged, expired or revoked).",
                )
            )
        if needs_permission or (reads_cookie and self.method not in ("GET", "HEAD", "OPTIONS")):
            refusals.append(
                (403, "Not signed in, not allowed, or (with the session cookie) the CSRF token is missing.")
            )
        refusals.append(
            (404, "There is no such thing here, a path parameter is not of its type, or `format` is unknown.")
        )
        refusals.append((503, "The service is briefly unavailable; try again after `Retry-After` seconds."))
        return refusals


class IdField(serializers.IntegerField):
    """An id given by the client, in a query parameter or a body: a whole number from 1 to `MAX_ID`, so that no
    number reaches the database that it cannot compare (SQLite raises OverflowError on one)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


def validated(serializer, error_class=InvalidInput):
    """The serializer's validated data, or `error_class` (an `InvalidInput`, a 400) naming the first bad field
    in `field` and, in the message, what is wrong with it: `"title: This field is required."`. A nested
    serializer's field is named `outer.inner`, a list's item by its position."""
    if serializer.is_valid():
        return serializer.validated_data
    field, messages = next(iter(serializer.errors.items()))
    while isinstance(messages, dict):  # a nested serializer or a list field: name the inner field too
        inner, messages = next(iter(messages.items()))
        field = f"{field}.{inner}"
    message = messages[0] if isinstance(messages, list) else messages
    raise error_class(f"{field}: {message}", field=field)
