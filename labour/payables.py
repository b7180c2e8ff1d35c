"""What of labour's is paid through payments (payments.registry): a labour-needs request's fee. Imported by
payments when Django starts; `needs_request_paid` runs in the transaction that credits the payment."""

from payments.registry import payable

from .services import PAYABLE, needs_request_paid

payable(PAYABLE, on_paid=needs_request_paid)
