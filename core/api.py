"""What every API view shares: the one error body in the OpenAPI schema, and reading a serializer's input
the one way. The errors themselves are `core.errors.PortalError`, answered by `portal.api_v1`'s handler."""

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from .errors import InvalidInput

# The body of every refusal, as the schema describes it (`responses={400: ERROR, …}`).
ERROR = inline_serializer(
    "Error",
    {
        "detail": serializers.CharField(help_text="What is wrong, in the request's language."),
        "code": serializers.CharField(help_text="A stable code, e.g. `invalid`, `not_found`, `already_signed`."),
        "field": serializers.CharField(required=False, help_text="The input it concerns, when there is one."),
    },
)


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
