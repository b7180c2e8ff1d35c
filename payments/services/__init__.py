"""Every write of the payments ledger, each in a transaction. Other apps create payments through
`create_payment` (docs/payments.md, "For other apps").

The one rule that matters most: a payment succeeds and is credited at most once. The payment's row is
locked (`SELECT … FOR UPDATE`) for every transition, a final state is never left, and `Credit` has a unique
row per payment and per gateway transaction, so even two processes that both believe they may credit cannot
both commit.
"""

import logging
import re
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import events
from core.money import format_fils

from .. import gateways, registry
from ..errors import (
    BillExists,
    BillNotFound,
    BillNotOpen,
    IdempotencyConflict,
    InvalidPayment,
    PaymentFinal,
    PaymentNotFound,
    StaleAmountAvailable,
)
from ..gateways import CallbackRefused, GatewayResult, Outcome
from ..models import (
    CURRENCY,
    FINAL_STATES,
    MAX_METADATA_KEYS,
    TRANSITIONS,
    ApiKey,
    Bill,
    Credit,
    IdempotencyRecord,
    LineItem,
    Payment,
    PaymentEvent,
    PaymentState,
    Refund,
)
from ..selectors import amount_available, refunded_fils
from . import webhooks

logger = logging.getLogger(__name__)
RAW_LIMIT = 20_000
# The domain event each final state announces (docs/events.md).
EVENT_NAMES = {
    PaymentState.SUCCESS: "payment.succeeded",
    PaymentState.FAILED: "payment.failed",
    PaymentState.CANCELLED: "payment.cancelled",
    PaymentState.EXPIRED: "payment.expired",
    PaymentState.ERROR: "payment.error",
}
MAX_LINE_ITEMS = 50
IDEMPOTENCY_HOURS = 24
MAX_METADATA_KEY_LENGTH = 30
MAX_METADATA_VALUE_LENGTH = 100


# --- Creating -----------------------------------------------------------------------------------------


def check_amount(amount_fils, field="amount"):
    """An amount in fils the ledger accepts: a whole number above zero, at most PAYMENTS_MAX_AMOUNT_FILS."""
    if isinstance(amount_fils, bool) or not isinstance(amount_fils, int):
        raise InvalidPayment(_("The amount must be a whole number of fils."), field=field)
    if amount_fils <= 0:
        raise InvalidPayment(_("The amount must be more than zero."), field=field)
    if amount_fils > settings.PAYMENTS_MAX_AMOUNT_FILS:
        raise InvalidPayment(
            _("The amount may not be more than %(maximum)d fils.") % {"maximum": settings.PAYMENTS_MAX_AMOUNT_FILS},
            field=field,
        )
    return amount_fils


DINARS = re.compile(r"^(\d{1,7})(?:\.(\d{1,3}))?$")


def parse_dinars(text, field):
    """`1.250` or `1,250.5` → fils; refuses anything else (no float ever touches money)."""
    match = DINARS.match(text.replace(",", "").replace("٫", "."))
    if match is None:
        raise InvalidPayment(_("Write the amount in dinars, with at most three decimals (e.g. 1.250)."), field=field)
    return int(match.group(1)) * 1000 + int((match.group(2) or "0").ljust(3, "0"))


def check_metadata(metadata):
    metadata = metadata or {}
    if not isinstance(metadata, dict):
        raise InvalidPayment(_("Metadata must be an object of keys and values."), field="metadata")
    if len(metadata) > MAX_METADATA_KEYS:
        raise InvalidPayment(_("At most 15 metadata keys."), field="metadata")
    for key, value in metadata.items():
        if not isinstance(key, str) or not 0 < len(key) <= MAX_METADATA_KEY_LENGTH:
            raise InvalidPayment(_("A metadata key is 1 to 30 characters."), field="metadata")
        if isinstance(value, str) and len(value) > MAX_METADATA_VALUE_LENGTH:
            raise InvalidPayment(_("A metadata value is at most 100 characters."), field="metadata")
        if value is not None and not isinstance(value, str | int | float | bool):
            raise InvalidPayment(_("A metadata value is a string, a number or true/false."), field="metadata")
    return metadata


def check_return_url(return_url):
    """A web address, or a path on the portal itself (another app's page: `/ar/labour/needs/…`)."""
    if not return_url:
        return ""
    if return_url.startswith("/") and not return_url.startswith("//") and "\\" not in return_url:
        if len(return_url) > 500:
            raise InvalidPayment(_("The return URL is too long."), field="return_url")
        return return_url
    try:
        URLValidator(schemes=["https", "http"])(return_url)
    except ValidationError:
        raise InvalidPayment(_("The return URL is not a web address."), field="return_url") from None
    if len(return_url) > 500:
        raise InvalidPayment(_("The return URL is too long."), field="return_url")
    return return_url


def _text(value, field, length=255):
    if not isinstance(value, str) or not value.strip():
        raise InvalidPayment(_("This text is required."), field=field)
    if len(value) > length or "\x00" in value:
        raise InvalidPayment(_("This text is too long."), field=field)
    return value.strip()


def create_payment(
    *,
    authority,
    amount_fils,
    description_ar,
    description_en,
    source=Payment.Source.API,
    line_items=None,
    return_url="",
    metadata=None,
    payer=None,
    gateway=None,
    service_page=None,
    api_key=None,
):
    """A new payment in the state `created`, with its line items, ready for `start_payment`.

    `line_items` is a list of dicts with `label_ar`, `label_en`, `amount_fils` and optionally `authority`
    and `bill`; their amounts must add up to `amount_fils`. Without it the payment has one line, its
    description. `authority` may be None only when the lines name their own authorities. The amount is the
    caller's (a server-side figure, never the browser's); `gateway` defaults to PAYMENTS_GATEWAY."""
    amount_fils = check_amount(amount_fils)
    description_ar = _text(description_ar, "description_ar")
    description_en = _text(description_en, "description_en")
    metadata = check_metadata(metadata)
    return_url = check_return_url(return_url)
    gateway_name = gateways.get(gateway).name
    items = list(line_items or [{"label_ar": description_ar, "label_en": description_en, "amount_fils": amount_fils}])
    if not items or len(items) > MAX_LINE_ITEMS:
        raise InvalidPayment(_("A payment has 1 to 50 line items."), field="line_items")
    for index, item in enumerate(items):
        check_amount(item.get("amount_fils"), field=f"line_items[{index}].amount_fils")
        item.setdefault("authority", authority)
        if item["authority"] is None:
            raise InvalidPayment(_("Each line item needs an authority."), field="line_items")
        _text(item.get("label_ar"), f"line_items[{index}].label_ar")
        _text(item.get("label_en"), f"line_items[{index}].label_en")
    if sum(item["amount_fils"] for item in items) != amount_fils:
        raise InvalidPayment(_("The line items do not add up to the amount."), field="line_items")
    with transaction.atomic():
        payment = Payment.objects.create(
            authority=authority,
            source=source,
            description_ar=description_ar,
            description_en=description_en,
            amount_fils=amount_fils,
            gateway=gateway_name,
            return_url=return_url,
            metadata=metadata,
            payer=payer,
            service_page=service_page,
            api_key=api_key,
        )
        lines = LineItem.objects.bulk_create(
            [
                LineItem(
                    payment=payment,
                    position=index,
                    authority=item["authority"],
                    label_ar=item["label_ar"].strip(),
                    label_en=item["label_en"].strip(),
                    amount_fils=item["amount_fils"],
                    bill=item.get("bill"),
                )
                for index, item in enumerate(items)
            ]
        )
        PaymentEvent.objects.create(
            payment=payment, kind=PaymentEvent.Kind.TRANSITION, to_state=PaymentState.CREATED, source=source
        )
    # The new payment carries what was just written, as a prefetch would: showing it (the API's answer) needs
    # no query to read back its line items or its refunds (none yet).
    payment._prefetched_objects_cache = {"line_items": lines, "refunds": []}
    return payment


def pay_service_fee(page, payer):
    """A payment of a service page's fee by `payer`: the amount is the page's `fee_fils`, the authority the
    page's, the description the service's title in both languages."""
    from ..selectors import titles_by_language

    titles = titles_by_language(page)
    title_ar = titles.get("ar") or page.title
    title_en = titles.get("en") or page.title
    return create_payment(
        authority=page.authority,
        amount_fils=page.fee_fils,
        description_ar=f"رسم: {title_ar}"[:255],
        description_en=f"Fee: {title_en}"[:255],
        source=Payment.Source.FEE,
        payer=payer,
        service_page=page,
        metadata={"service_id": page.service_id},
    )


# --- Moving through the states -------------------------------------------------------------------------


def _locked(reference):
    payment = Payment.objects.select_for_update().filter(reference=reference).first()
    if payment is None:
        raise PaymentNotFound()
    return payment


def _transition(payment, to_state, *, source, note="", decoded=None, save=True, fields=()):
    """Move a locked payment to `to_state` and log it. Refuses any move TRANSITIONS does not allow.

    `save=False` keeps the move in memory (on the payment) until a later `_transition` or `_flush` writes every
    move at once: one UPDATE of the payment and one INSERT of all their events, in the caller's transaction
    and under its lock. `fields`: other fields of the payment changed with it, written by the same UPDATE."""
    if to_state not in TRANSITIONS.get(payment.state, ()):
        raise PaymentFinal() if payment.is_final else InvalidPayment(_("This payment cannot change that way."))
    pending = payment.__dict__.setdefault("_pending_moves", {"fields": set(), "events": [], "final": None})
    from_state = payment.state
    payment.state = to_state
    pending["fields"].update(("state", "updated_at", *fields))
    if to_state in FINAL_STATES:
        payment.finished_at = timezone.now()
        pending["fields"].add("finished_at")
        pending["final"] = to_state
    if note and to_state in FINAL_STATES and to_state != PaymentState.SUCCESS:
        payment.failure_reason = note[:255]
        pending["fields"].add("failure_reason")
    pending["events"].append(
        PaymentEvent(
            payment=payment,
            kind=PaymentEvent.Kind.TRANSITION,
            from_state=from_state,
            to_state=to_state,
            source=source,
            note=note[:500],
            decoded=decoded or {},
        )
    )
    if save:
        _flush(payment)


def _flush(payment, line_items=None):
    """Write the moves `_transition(save=False)` kept: the payment's row once, its events in one INSERT; a
    final state is then announced (core.events, after the commit) and its webhooks recorded (in this
    transaction). `line_items`: the payment's items when the caller has read them already."""
    pending = payment.__dict__.pop("_pending_moves", None)
    if pending is None:
        return
    payment.save(update_fields=sorted(pending["fields"]))
    PaymentEvent.objects.bulk_create(pending["events"])
    final = pending["final"]
    if final is not None:
        events.emit(EVENT_NAMES[final], payment_id=payment.pk, reference=payment.reference)
        webhooks.payment_changed(payment, EVENT_NAMES[final], line_items=line_items)


def start_payment(payment, request):
    """Send the payer to the gateway: `created` becomes `started`, and the gateway says where to go. A payment
    already started is sent to the same place again (a reload); a final one is refused."""
    gateway = gateways.get(payment.gateway)
    with transaction.atomic():
        payment = _locked(payment.reference)
        if payment.is_final:
            raise PaymentFinal()
        if payment.state == PaymentState.CREATED:
            _transition(payment, PaymentState.STARTED, source=gateway.name)
    destination = gateway.start(payment, request)
    if destination.sent is not None:
        raw, decoded = destination.sent
        log_message(gateway.name, raw=raw, decoded={"direction": "sent", **decoded}, payment=payment)
    return destination


def log_message(gateway_name, *, raw, decoded=None, payment=None, refused_reason=""):
    """Append a gateway's message, as received and decoded, to the log (refused ones too)."""
    return PaymentEvent.objects.create(
        payment=payment,
        kind=PaymentEvent.Kind.REFUSED if refused_reason else PaymentEvent.Kind.GATEWAY,
        source=gateway_name,
        raw=(raw or "")[:RAW_LIMIT],
        decoded=decoded or {},
        note=refused_reason[:500],
    )


def record_refused(gateway_name, refused: CallbackRefused):
    """A callback that could not be read or trusted: logged (against its payment when it names one that
    exists), and nothing else changes."""
    with transaction.atomic():
        payment = Payment.objects.filter(reference=refused.reference).first() if refused.reference else None
        log_message(
            gateway_name, raw=refused.raw, decoded=refused.decoded, payment=payment, refused_reason=refused.reason
        )
    logger.warning("payments: %s callback refused: %s", gateway_name, refused.reason)


def handle_callback(gateway, result: GatewayResult):
    """A gateway's callback about a payment. The message is logged whatever it says. A final payment does not
    change (a replay, a callback out of order). A success is believed only once `gateway.confirm` agrees
    (KNET's inquiry), and only for the payment's own amount and currency; it is then credited once.

    A gateway whose confirmation asks it over the network (`confirm_asks_gateway`) is asked outside the
    payment's lock, between two transactions; any other result is settled at once, in the transaction and
    under the lock that logged it."""
    refusal = None
    with transaction.atomic():
        payment = Payment.objects.select_for_update().filter(reference=result.reference).first()
        log_message(gateway.name, raw=result.raw, decoded=result.decoded, payment=payment)
        # A refusal is raised once the message is committed to the log: nothing received is lost.
        if payment is None:
            refusal = PaymentNotFound()
        elif payment.gateway != gateway.name:
            refusal = InvalidPayment(_("This payment is not being paid through this gateway."))
        elif payment.is_final:
            PaymentEvent.objects.create(
                payment=payment,
                kind=PaymentEvent.Kind.NOTE,
                source=gateway.name,
                note=f"ignored: the payment is already {payment.state}",
            )
            return payment
        elif result.outcome != Outcome.SUCCESS or not gateway.confirm_asks_gateway:
            confirmed = gateway.confirm(payment, result) if result.outcome == Outcome.SUCCESS else result
            _answered(payment, gateway.name, save=False)
            _apply(payment, confirmed, gateway.name)
            return payment
        else:
            _answered(payment, gateway.name)
    if refusal is not None:
        raise refusal
    # The confirmation asks the gateway over the network: never while holding the payment's lock.
    confirmed = gateway.confirm(payment, result)
    return settle(payment.reference, confirmed, source=gateway.name, log_result=confirmed is not result)


def _answered(payment, source, save=True):
    """The gateway answered about a payment: it has been submitted (through started, if it was not yet)."""
    if payment.state == PaymentState.CREATED:
        _transition(payment, PaymentState.STARTED, source=source, save=False)
    if payment.state == PaymentState.STARTED:
        _transition(payment, PaymentState.SUBMITTED, source=source, save=False)
    if save:
        _flush(payment)


def settle(reference, result: GatewayResult, *, source, log_result=False):
    """Apply a confirmed result to the payment `reference` under its lock: success (credited once), failed,
    cancelled or error; a pending result changes nothing. A final payment is left as it is. `log_result`:
    the result is a message not logged yet (an inquiry's answer)."""
    with transaction.atomic():
        payment = _locked(reference)
        if log_result:
            log_message(source, raw=result.raw, decoded=result.decoded, payment=payment)
            if result.outcome == Outcome.PENDING:
                PaymentEvent.objects.create(
                    payment=payment, kind=PaymentEvent.Kind.NOTE, source=source, note=result.reason[:500]
                )
        _apply(payment, result, source)
    return payment


def _apply(payment, result, source):
    """`settle`'s work on a payment already locked; every move of the payment is written at the end, at once."""
    if payment.is_final:
        _flush(payment)
        return
    outcome = result.outcome if result is not None else Outcome.ERROR
    if outcome != Outcome.PENDING:
        _answered(payment, source, save=False)
    if outcome == Outcome.SUCCESS:
        mismatch = _mismatch(payment, result)
        if mismatch:
            _transition(payment, PaymentState.ERROR, source=source, note=mismatch)
        else:
            _credit(payment, result, source)
    elif outcome == Outcome.FAILED:
        _transition(payment, PaymentState.FAILED, source=source, note=result.reason or "declined")
    elif outcome == Outcome.CANCELLED:
        _transition(payment, PaymentState.CANCELLED, source=source, note=result.reason or "cancelled")
    elif outcome == Outcome.ERROR:
        _transition(payment, PaymentState.ERROR, source=source, note=result.reason or "gateway error")
    _flush(payment)


def _mismatch(payment, result):
    if result.amount_fils != payment.amount_fils:
        return f"amount mismatch: the gateway says {result.amount_fils} fils, the payment is {payment.amount_fils}"
    if (result.currency or CURRENCY) != CURRENCY:
        return f"currency mismatch: the gateway says {result.currency}"
    if not result.transaction_id:
        return "the gateway gave no transaction id"
    return ""


def _credit(payment, result, source):
    try:
        with transaction.atomic():
            Credit.objects.create(
                payment=payment,
                gateway=payment.gateway,
                gateway_transaction=result.transaction_id[:64],
                amount_fils=payment.amount_fils,
            )
    except IntegrityError:
        # The gateway's transaction was already credited to another payment: never twice.
        _transition(payment, PaymentState.ERROR, source=source, note="the gateway transaction was already credited")
        return
    # The line items, read once: for the receipt, the bills and the webhooks.
    items = list(payment.line_items.select_related("authority", "bill").order_by("position"))
    payment.gateway_transaction = result.transaction_id[:64]
    payment.receipt = _signed_receipt(payment, items)
    _transition(payment, PaymentState.SUCCESS, source=source, save=False, fields=("gateway_transaction", "receipt"))
    _flush(payment, line_items=items)
    _pay_bills(payment, items)
    registry.paid(payment)  # another app's payable (a labour-needs request's fee) moves on in this transaction


def _signed_receipt(payment, items):
    """The payer's signed receipt (identity.receipts, kind payment.succeeded): the reference, the amount and
    the authorities, which its public verification page shows; the payer is a pseudonym."""
    from identity.receipts import issue_receipt, pseudonymous_subject

    payer = payment.payer_id if payment.payer_id is not None else f"reference:{payment.reference}"
    names = []
    for item in items:
        name = item.authority.name
        if name not in names:
            names.append(name)
    return issue_receipt(
        "payment.succeeded",
        pseudonymous_subject(payer, f"payment:{payment.reference}"),
        payment.reference,
        amount_fils=payment.amount_fils,
        amount=f"{format_fils(payment.amount_fils, 'ar')} / {format_fils(payment.amount_fils, 'en')}",
        authority=" · ".join(names)[:300],
    )


def _pay_bills(payment, items):
    """A successful payment's line items that pay bills: each bill's paid amount grows, under the bill's lock."""
    bill_ids = [item.bill_id for item in items if item.bill_id]
    if not bill_ids:
        return
    bills = {bill.pk: bill for bill in Bill.objects.select_for_update().filter(pk__in=bill_ids).order_by("pk")}
    for item in items:
        bill = bills.get(item.bill_id)
        if bill is None:
            continue
        bill.amount_paid_fils = min(bill.amount_due_fils, bill.amount_paid_fils + item.amount_fils)
        if bill.amount_paid_fils >= bill.amount_due_fils:
            bill.state = Bill.State.PAID
        else:
            bill.state = Bill.State.PARTLY_PAID
        bill.save(update_fields=["amount_paid_fils", "state", "updated_at"])
        _bill_changed(bill, "bill.paid" if bill.state == Bill.State.PAID else "bill.partly_paid")


def _bill_changed(bill, event_type):
    """Announce a bill's new state (core.events) and record its webhooks, in the change's transaction."""
    events.emit(event_type, bill_id=bill.pk)
    webhooks.bill_changed(bill, event_type)


# --- Expiry ---------------------------------------------------------------------------------------------


def expire_stale_payments(now=None):
    """Every payment unfinished PAYMENTS_EXPIRY_MINUTES after it was created becomes `expired`. A payment a
    gateway can be asked about (KNET) is asked first: one paid at the last minute is credited, not expired.
    Returns how many expired."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.PAYMENTS_EXPIRY_MINUTES)
    expired = 0
    stale = Payment.objects.filter(created_at__lt=cutoff).exclude(state__in=FINAL_STATES)
    for reference, gateway_name, state in stale.values_list("reference", "gateway", "state").iterator():
        late = _late_answer(gateway_name, reference) if state != PaymentState.CREATED else None
        if late is not None and late.outcome == Outcome.SUCCESS:
            settle(reference, late, source=gateway_name, log_result=True)
            continue
        with transaction.atomic():
            payment = _locked(reference)
            if late is not None:
                log_message(gateway_name, raw=late.raw, decoded=late.decoded, payment=payment)
            if not payment.is_final:
                _transition(payment, PaymentState.EXPIRED, source="expiry", note="not finished in time")
                expired += 1
    return expired


def _late_answer(gateway_name, reference):
    gateway = gateways.get(gateway_name)
    inquire = getattr(gateway, "inquire", None)
    if inquire is None:
        return None
    payment = Payment.objects.get(reference=reference)
    try:
        return inquire(payment)
    except Exception:  # noqa: BLE001 — an unanswered inquiry leaves the expiry to decide
        logger.warning("payments: inquiry for %s before expiry failed", reference, exc_info=True)
        return None


# --- Bills ------------------------------------------------------------------------------------------------


def push_bill(
    *,
    authority,
    number,
    amount_due_fils,
    due_date,
    description_ar,
    description_en,
    payer_civil_id="",
    payer_account="",
    expires_at=None,
    partial_allowed=False,
):
    """A bill an authority's system pushes. Its number is unique per authority (a second push of the same
    number is a 409); the payer is a civil ID — stored only as identity's keyed hash, so that the citizen who
    signs in with that national ID sees it — or an account number."""
    from identity.national_id import civil_id_hash

    number = _text(number, "number", 40)
    amount_due_fils = check_amount(amount_due_fils, field="amount_due")
    civil_hash = ""
    if payer_civil_id:
        try:
            civil_hash = civil_id_hash(str(payer_civil_id))
        except ValueError:
            raise InvalidPayment(_("A civil ID number has 12 digits."), field="payer_civil_id") from None
    payer_account = (payer_account or "").strip()
    if len(payer_account) > 40:
        raise InvalidPayment(_("This text is too long."), field="payer_account")
    if not civil_hash and not payer_account:
        raise InvalidPayment(_("A bill needs a payer: a civil ID or an account number."), field="payer_civil_id")
    if expires_at is not None and expires_at <= timezone.now():
        raise InvalidPayment(_("The expiry must be in the future."), field="expires_at")
    with transaction.atomic():
        if Bill.objects.filter(authority=authority, number=number).exists():
            raise BillExists()
        try:
            with transaction.atomic():
                bill = Bill.objects.create(
                    authority=authority,
                    number=number,
                    payer_civil_id_hash=civil_hash,
                    payer_account=payer_account,
                    description_ar=_text(description_ar, "description_ar"),
                    description_en=_text(description_en, "description_en"),
                    amount_due_fils=amount_due_fils,
                    due_date=due_date,
                    expires_at=expires_at,
                    partial_allowed=bool(partial_allowed),
                )
        except IntegrityError:
            raise BillExists() from None
    return bill


def cancel_bill(bill):
    """An authority withdraws a bill nobody has paid anything of yet."""
    with transaction.atomic():
        bill = Bill.objects.select_for_update().get(pk=bill.pk)
        if bill.state != Bill.State.OPEN:
            raise BillNotOpen()
        bill.state = Bill.State.CANCELLED
        bill.save(update_fields=["state", "updated_at"])
        _bill_changed(bill, "bill.cancelled")
    return bill


def expire_bills(now=None):
    """Open bills past their expiry become expired. Returns how many."""
    now = now or timezone.now()
    with transaction.atomic():
        bills = list(
            Bill.objects.select_for_update().filter(state__in=Bill.OPEN_STATES, expires_at__lt=now).order_by("pk")
        )
        Bill.objects.filter(pk__in=[bill.pk for bill in bills]).update(state=Bill.State.EXPIRED, updated_at=now)
        for bill in bills:
            bill.state = Bill.State.EXPIRED
            _bill_changed(bill, "bill.expired")
    return len(bills)


def checkout_bills(user, choices):
    """One payment for several of a citizen's open bills, possibly of several authorities. `choices` maps a
    bill's id to the amount to pay in fils (None: what is outstanding). Only a bill that allows partial
    payment may be paid in part; no bill may be paid beyond what is outstanding."""
    from ..selectors import open_bills_for

    if not choices:
        raise InvalidPayment(_("Choose at least one bill to pay."), field="bills")
    bills = {bill.pk: bill for bill in open_bills_for(user).filter(pk__in=list(choices))}
    if len(bills) != len(choices):
        raise BillNotFound()
    items = []
    for bill_id, wanted in choices.items():
        bill = bills[bill_id]
        outstanding = bill.amount_outstanding_fils
        amount = outstanding if wanted in (None, "") else wanted
        check_amount(amount, field=f"amount_{bill_id}")
        if amount > outstanding:
            raise InvalidPayment(_("You cannot pay more than is outstanding on a bill."), field=f"amount_{bill_id}")
        if amount < outstanding and not bill.partial_allowed:
            raise InvalidPayment(_("This bill must be paid in full."), field=f"amount_{bill_id}")
        items.append(
            {
                "label_ar": f"{bill.description_ar} ({bill.number})"[:255],
                "label_en": f"{bill.description_en} ({bill.number})"[:255],
                "amount_fils": amount,
                "authority": bill.authority,
                "bill": bill,
            }
        )
    authorities = {item["authority"].pk for item in items}
    count = len(items)
    return create_payment(
        authority=items[0]["authority"] if len(authorities) == 1 else None,
        amount_fils=sum(item["amount_fils"] for item in items),
        description_ar=f"سداد {count} فاتورة" if count > 1 else items[0]["label_ar"],
        description_en=f"Payment of {count} bills" if count > 1 else items[0]["label_en"],
        source=Payment.Source.BILLS,
        line_items=items,
        payer=user,
    )


# --- Idempotency ------------------------------------------------------------------------------------------


def idempotent(api_key, key, request_hash, create):
    """Run `create()` once per `Idempotency-Key`: the same key with the same request within
    IDEMPOTENCY_HOURS gives back what the first created (`(thing, True)`); the same key with another
    request is a 409. Without a key, `create()` runs. Two identical requests at once create one thing (a
    unique constraint on the key)."""
    if not key:
        return create(), False
    if len(key) > 255 or not key.isprintable():
        raise InvalidPayment(_("An Idempotency-Key is at most 255 printable characters."), field="Idempotency-Key")
    since = timezone.now() - timedelta(hours=IDEMPOTENCY_HOURS)
    earlier = _earlier(api_key, key, request_hash, since)
    if earlier is not None:
        return earlier, True
    try:
        with transaction.atomic():
            IdempotencyRecord.objects.filter(api_key=api_key, key=key, created_at__lt=since).delete()
            created = create()
            IdempotencyRecord.objects.create(
                api_key=api_key,
                key=key,
                request_hash=request_hash,
                payment=created if isinstance(created, Payment) else None,
                bill=created if isinstance(created, Bill) else None,
            )
    except IntegrityError:
        earlier = _earlier(api_key, key, request_hash, since)
        if earlier is None:
            raise
        return earlier, True
    return created, False


def _earlier(api_key, key, request_hash, since):
    record = (
        IdempotencyRecord.objects.filter(api_key=api_key, key=key, created_at__gte=since)
        .select_related("payment", "bill")
        .first()
    )
    if record is None:
        return None
    if record.request_hash != request_hash:
        raise IdempotencyConflict()
    return record.payment or record.bill


# --- API keys ---------------------------------------------------------------------------------------------


def create_api_key(*, authority, name, scopes, created_by=None):
    """A new key for `authority`: returns (ApiKey, the secret token). The token is shown once; only its
    SHA-256 is kept."""
    from ..api_keys import new_token

    scopes = sorted(set(scopes))
    if not scopes or not set(scopes) <= set(ApiKey.Scope.values):
        raise InvalidPayment(_("Choose the key's scopes."), field="scopes")
    prefix, secret_hash, token = new_token()
    with transaction.atomic():
        api_key = ApiKey.objects.create(
            authority=authority,
            name=_text(name, "name", 100),
            prefix=prefix,
            secret_hash=secret_hash,
            scopes=scopes,
            created_by=created_by,
        )
    return api_key, token


def revoke_api_key(api_key):
    with transaction.atomic():
        ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    api_key.refresh_from_db()
    return api_key


# --- Refunds ----------------------------------------------------------------------------------------------


def refund_payment(payment, *, amount_fils, expected_available, reason="", user=None, api_key=None):
    """Refund `amount_fils` of a successful payment. `expected_available` is the `amount_available` the
    requester saw: if it changed since (another refund), or the amount is more than is available, the
    refund is refused with a 412 and nothing is written. Under the payment's lock, so two refunds at once
    cannot both take the same money."""
    amount_fils = check_amount(amount_fils)
    with transaction.atomic():
        payment = _locked(payment.reference)
        if payment.state != PaymentState.SUCCESS:
            raise InvalidPayment(_("Only a successful payment can be refunded."))
        available = amount_available(payment)
        if expected_available is None or int(expected_available) != available:
            raise StaleAmountAvailable()
        if amount_fils > available:
            raise StaleAmountAvailable(
                _("You cannot refund more than is available (%(available)s).") % {"available": format_fils(available)}
            )
        refund = Refund.objects.create(
            payment=payment, amount_fils=amount_fils, reason=(reason or "")[:255], requested_by=user, api_key=api_key
        )
        PaymentEvent.objects.create(
            payment=payment,
            kind=PaymentEvent.Kind.REFUND,
            source=f"staff:{user.pk}" if user else (f"api:{api_key.prefix}" if api_key else ""),
            note=f"refund {refund.reference} of {amount_fils} fils submitted",
            decoded={"refund": refund.reference, "amount_fils": amount_fils, "state": refund.state},
        )
    outcome = gateways.get(payment.gateway).refund(payment, refund)
    with transaction.atomic():
        payment = _locked(payment.reference)  # refunds of one payment finish one at a time
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        refund.state = Refund.State.SUCCESS if outcome.outcome == Outcome.SUCCESS else Refund.State.ERROR
        refund.gateway_reference = outcome.transaction_id[:64]
        refund.finished_at = timezone.now()
        refund.save(update_fields=["state", "gateway_reference", "finished_at"])
        log_message(payment.gateway, raw=outcome.raw, decoded=outcome.decoded, payment=payment)
        PaymentEvent.objects.create(
            payment=payment,
            kind=PaymentEvent.Kind.REFUND,
            source=payment.gateway,
            note=f"refund {refund.reference}: {refund.state} {outcome.reason}"[:500],
            decoded={"refund": refund.reference, "amount_fils": amount_fils, "state": refund.state},
        )
        if refund.state == Refund.State.SUCCESS:
            # Another app's payable (a labour-needs request's fee) hears of it in this transaction.
            registry.refunded(payment, refunded_fils(payment))
            events.emit("payment.refunded", payment_id=payment.pk, refund_id=refund.pk, reference=payment.reference)
            webhooks.payment_changed(payment, "payment.refunded", refund=refund)
    return refund
