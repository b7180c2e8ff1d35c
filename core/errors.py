"""The portal's one error type. Every refusal a person can understand — from any app, in any layer — is a
`PortalError` (or a subclass an app declares for its own cases): a stable `code`, a message in the active
language, the HTTP `status` it deserves, and optionally the `field` it concerns and, when rate-limited, how
many seconds to wait (`retry_after`).

Services raise them; nobody converts them by hand. The API's exception handler (`portal.api_v1`) answers
any of them as `{"detail", "code"[, "field"]}` with its status, and `core.middleware.ErrorShapeMiddleware`
does the same for every other view: JSON under `/api/`, the error page elsewhere. A view that wants to show
a refusal next to a form field still catches it — that is presentation, not conversion.
"""

from django.utils.translation import gettext as _


class PortalError(Exception):
    """A refusal the person can understand. Subclasses set `code`, `status` and `default_message()`."""

    code = "invalid"
    status = 400

    def __init__(self, message="", *, code=None, status=None, field=None, retry_after=None):
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.field = field
        self.retry_after = retry_after
        self.message = str(message or self.default_message())
        super().__init__(self.message)

    def default_message(self):
        return _("This cannot be done.")

    def as_dict(self):
        """The body the API answers with."""
        body = {"detail": self.message, "code": self.code}
        if self.field:
            body["field"] = self.field
        return body

    def headers(self):
        return {"Retry-After": str(int(self.retry_after))} if self.retry_after else {}


class InvalidInput(PortalError):
    """Input that does not make sense; the message says what is wrong, `field` names it when known."""

    code = "invalid"
    status = 400


class NotFound(PortalError):
    code = "not_found"
    status = 404

    def default_message(self):
        return _("There is no such thing here.")


class Forbidden(PortalError):
    code = "forbidden"
    status = 403

    def default_message(self):
        return _("You may not do this.")


class Conflict(PortalError):
    code = "conflict"
    status = 409


class PreconditionFailed(PortalError):
    code = "precondition_failed"
    status = 412

    def default_message(self):
        return _("What you saw has changed since. Reload and try again.")


class RateLimited(PortalError):
    code = "rate_limited"
    status = 429

    def default_message(self):
        return _("Too many attempts too quickly. Please wait %(seconds)d seconds and try again.") % {
            "seconds": self.retry_after or 60
        }


class Unavailable(PortalError):
    """A service the portal depends on (database, cache, channel layer, a gateway) is not answering."""

    code = "unavailable"
    status = 503

    def default_message(self):
        return _("The service is briefly unavailable. Please try again in a few seconds.")
