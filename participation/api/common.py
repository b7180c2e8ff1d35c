"""What the participation API views share: refusals as `{"detail", "code"}` in the request's language,
with the status the service error carries (and Retry-After when rate-limited)."""

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import APIException
from rest_framework.pagination import LimitOffsetPagination

from ..services import InvalidInput

ERROR = inline_serializer("ParticipationError", {"detail": serializers.CharField(), "code": serializers.CharField()})


class Refused(APIException):
    """A `ParticipationError` from the services as an API answer."""

    def __init__(self, error):
        self.status_code = error.status
        self.wait = getattr(error, "retry_after", None)
        super().__init__(detail=error.message, code=error.code)


def validated(serializer, error_class=InvalidInput):
    """The serializer's data, or a 400 naming the first bad field and what is wrong with it."""
    if serializer.is_valid():
        return serializer.validated_data
    field, messages = next(iter(serializer.errors.items()))
    if isinstance(messages, dict):  # a nested serializer: name the inner field too
        inner, messages = next(iter(messages.items()))
        field = f"{field}.{inner}"
    message = messages[0] if isinstance(messages, list) else messages
    raise Refused(error_class(f"{field}: {message}")) from None


class Pagination(LimitOffsetPagination):
    default_limit = 20
    max_limit = 100
