"""Gateways behind one interface (docs/payments.md, docs/decisions.md "Payments: our own gateway interface").

A gateway does four things, and the ledger (payments.services) does everything else:

- `start(payment, request)` → a `Redirect`: where the payer's browser goes to pay;
- `parse_callback(request)` → a `GatewayResult` from what the gateway sent back (decoded, checked), or
  `CallbackRefused` when it cannot be read or trusted;
- `confirm(payment, result)` → the result the portal believes: a gateway that can be asked server to server
  (KNET's inquiry) is asked, and only its answer can make a payment succeed;
- `callback_response(payment, request)` → what the gateway expects as the answer to its callback.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.utils.module_loading import import_string

from ..errors import UnknownGateway

GATEWAYS = {
    "sandbox": "payments.gateways.sandbox.SandboxGateway",
    "knet": "payments.gateways.knet.KnetGateway",
}


class Outcome:
    SUCCESS = "success"
    FAILED = "failed"
    CANCELLED = "cancelled"
    ERROR = "error"
    PENDING = "pending"  # the gateway said something that settles nothing yet


@dataclass(frozen=True)
class Redirect:
    url: str
    method: str = "GET"
    fields: dict = field(default_factory=dict)
    # What was sent to the gateway, to log both ways: (as sent, decoded without secrets), or None.
    sent: tuple | None = None


@dataclass(frozen=True)
class GatewayResult:
    """What a gateway said about one payment: its reference, the outcome, the amount and currency it says
    were paid, its own transaction id, the message as received (`raw`) and decoded."""

    reference: str
    outcome: str
    amount_fils: int | None = None
    currency: str | None = None
    transaction_id: str = ""
    raw: str = ""
    decoded: dict = field(default_factory=dict)
    reason: str = ""


class CallbackRefused(Exception):
    """A callback that cannot be read or trusted. It is logged as received, and changes no payment."""

    def __init__(self, reason, raw="", decoded=None, reference=""):
        super().__init__(reason)
        self.reason = reason
        self.raw = raw
        self.decoded = decoded or {}
        self.reference = reference


class Gateway:
    name = ""
    # True when `confirm` asks the gateway over the network (KNET's inquiry): the callback is then settled in a
    # second transaction, so that no payment's lock is held while waiting for the gateway.
    confirm_asks_gateway = False

    def start(self, payment, request):
        raise NotImplementedError

    def parse_callback(self, request):
        raise NotImplementedError

    def confirm(self, payment, result):
        return result

    def refund(self, payment, refund):
        """Give `refund.amount_fils` of `payment` back: a GatewayResult (success, or error with a reason)."""
        raise NotImplementedError

    def callback_response(self, payment, request):
        raise NotImplementedError

    def refused_response(self, refused, request):
        raise NotImplementedError


def get(name=None):
    """The gateway called `name` (default: settings.PAYMENTS_GATEWAY)."""
    name = name or settings.PAYMENTS_GATEWAY
    if name not in GATEWAYS:
        raise UnknownGateway()
    return import_string(GATEWAYS[name])()


def names():
    return list(GATEWAYS)
