"""The refusals of the payments sub-portal: `core.errors.PortalError` subclasses, each with a stable code and a
message in the active language."""

from django.utils.translation import gettext as _

from core.errors import Conflict, Forbidden, InvalidInput, NotFound, PreconditionFailed, Unavailable


class InvalidPayment(InvalidInput):
    code = "invalid_payment"


class PaymentNotFound(NotFound):
    code = "payment_not_found"

    def default_message(self):
        return _("There is no such payment.")


class BillNotFound(NotFound):
    code = "bill_not_found"

    def default_message(self):
        return _("There is no such bill.")


class BillExists(Conflict):
    code = "bill_exists"

    def default_message(self):
        return _("This authority already has a bill with this number.")


class BillNotOpen(Conflict):
    code = "bill_not_open"

    def default_message(self):
        return _("Only an open bill with nothing paid can be cancelled.")


class UnknownGateway(InvalidInput):
    code = "unknown_gateway"

    def default_message(self):
        return _("There is no such payment gateway.")


class PaymentFinal(Conflict):
    code = "payment_final"

    def default_message(self):
        return _("This payment is already finished and cannot change.")


class IdempotencyConflict(Conflict):
    code = "idempotency_conflict"

    def default_message(self):
        return _("This Idempotency-Key was already used for a different request.")


class StaleAmountAvailable(PreconditionFailed):
    code = "stale_amount_available"

    def default_message(self):
        return _("The amount available for refund has changed since you saw it. Reload and try again.")


class PaymentForbidden(Forbidden):
    code = "payment_forbidden"


class GatewayUnavailable(Unavailable):
    code = "gateway_unavailable"

    def default_message(self):
        return _("The payment gateway is not answering. Please try again in a few minutes.")


class InvalidWebhook(InvalidInput):
    code = "invalid_webhook"


class InvalidSettlement(InvalidInput):
    """A settlement file refused whole; `problems` lists every bad line and column ("line N, column C: …")."""

    code = "invalid_settlement"

    def __init__(self, message="", *, problems=(), **kwargs):
        super().__init__(message, **kwargs)
        self.problem_count = len(problems)
        self.problems = list(problems)[:50]
