"""What the participation API views share. Refusals need nothing here: a service's `ParticipationError` is a
`core.errors.PortalError`, answered as `{"detail", "code"[, "field"]}` by the API's exception handler, and
`core.api` has the error body's schema (`ERROR`) and `validated`."""

from rest_framework.pagination import LimitOffsetPagination


class Pagination(LimitOffsetPagination):
    default_limit = 20
    max_limit = 100
