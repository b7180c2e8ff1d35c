"""What of labour's is paid through payments (payments.registry): a labour-needs request's fee. Imported by
payments when Django starts; `needs_request_paid` runs in the transaction that credits the payment,
`needs_request_refunded` in the one that records a refund of it as done."""

from payments.registry import payable

from .services import PAYABLE, needs_request_paid, needs_request_refunded

payable(PAYABLE, on_paid=needs_request_paid, on_refunded=needs_request_refunded)
