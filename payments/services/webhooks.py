"""Webhooks to authorities: every change of a payment, a refund or a bill is told to the authority's systems, in
a signed message, at least once (docs/payments.md, "Webhooks").

- **Nothing lost.** The deliveries are rows written in the same transaction as the change they tell of (an
  outbox): a change that commits has its messages, one that rolls back has none. The first attempt is a task
  (`payments.tasks.deliver_webhook`) enqueued after the commit; whatever is due again is sent by the task
  itself on a worker that can wait (`run_after`) and, whatever the backend, by `manage.py payments_webhooks`.
- **At least once, never twice at the same moment.** An attempt first claims the delivery in a short
  transaction (it moves `next_attempt_at` past the attempt's time-out), then sends without holding a lock,
  then records what happened. A process that dies while sending leaves the claim to lapse; the delivery is sent
  again. Receivers therefore dedupe by the event id (`Portal-Event-Id`).
- **Signed.** `Portal-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<body>" with the endpoint's secret>`,
  `Portal-Timestamp: <Unix seconds>`: a receiver recomputes the HMAC and refuses a timestamp older than five
  minutes, so a captured message cannot be replayed later.
"""

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..errors import InvalidWebhook
from ..models import LineItem, WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent

logger = logging.getLogger(__name__)

# After the 1st, 2nd, … failed attempt, the next one waits this long; after the last, the delivery has failed.
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(hours=1),
    timedelta(days=1),
    timedelta(days=2),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
SIGNATURE_HEADER = "Portal-Signature"
TIMESTAMP_HEADER = "Portal-Timestamp"
EVENT_HEADER = "Portal-Event"
EVENT_ID_HEADER = "Portal-Event-Id"
TOLERANCE_SECONDS = 300
USER_AGENT = "Portal-Webhooks/1"


# --- Signing ----------------------------------------------------------------------------------------------


def signature(secret, timestamp, body):
    """`v1=` and the hex HMAC-SHA256, keyed with the endpoint's secret, of `<timestamp>.<body>` (UTF-8)."""
    message = f"{int(timestamp)}.".encode() + (body if isinstance(body, bytes) else body.encode())
    return "v1=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify(secret, timestamp, body, received_signature, *, now=None, tolerance=TOLERANCE_SECONDS):
    """What a receiver does (and the tests' fake receiver): True only for our signature of this very body and
    timestamp, and a timestamp within `tolerance` seconds of now."""
    try:
        sent_at = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs((now if now is not None else time.time()) - sent_at) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, sent_at, body), str(received_signature or ""))


# --- Endpoints --------------------------------------------------------------------------------------------


def check_endpoint(url, events):
    """An endpoint's address and events, or `InvalidWebhook`: https (http only where
    PAYMENTS_WEBHOOKS_ALLOW_HTTP is on, for development), and only events that exist."""
    from django.core.exceptions import ValidationError
    from django.core.validators import URLValidator
    from django.utils.translation import gettext as _

    schemes = ["https", "http"] if settings.PAYMENTS_WEBHOOKS_ALLOW_HTTP else ["https"]
    try:
        URLValidator(schemes=schemes)(url or "")
    except ValidationError:
        raise InvalidWebhook(_("The webhook address must be an https:// web address."), field="url") from None
    if len(url) > 500:
        raise InvalidWebhook(_("The webhook address is too long."), field="url")
    events = list(events or [])
    if not set(events) <= set(WebhookEvent.values):
        raise InvalidWebhook(_("There is no such webhook event."), field="events")
    return url, sorted(set(events))


def create_endpoint(*, authority, url, events=()):
    url, events = check_endpoint(url, events)
    with transaction.atomic():
        return WebhookEndpoint.objects.create(authority=authority, url=url, events=events)


# --- Recording what is to be told (inside the change's transaction) ---------------------------------------


def _endpoints_for(authority_ids, event_type):
    """Active endpoints of these authorities (matched by code: an authority has a record per language)."""
    if not authority_ids:
        return []
    from cms.models import Authority

    codes = Authority.objects.filter(pk__in=authority_ids).values("code")
    endpoints = WebhookEndpoint.objects.filter(active=True, authority__code__in=codes).select_related("authority")
    return [endpoint for endpoint in endpoints if endpoint.wants(event_type)]


def _record(event_type, endpoints, data_for):
    """One pending delivery per endpoint, all with the same event id, each body `data_for(authority code)`."""
    if not endpoints:
        return []
    from ..models import new_event_id

    event_id = new_event_id()
    created = timezone.now()
    deliveries = [
        WebhookDelivery(
            endpoint=endpoint,
            event_id=event_id,
            event_type=event_type,
            body=_body(event_id, event_type, created, data_for(endpoint.authority.code)),
            next_attempt_at=created,
        )
        for endpoint in endpoints
    ]
    deliveries = WebhookDelivery.objects.bulk_create(deliveries)
    _enqueue_on_commit([delivery.pk for delivery in deliveries])
    return deliveries


def _body(event_id, event_type, created, data):
    message = {"id": event_id, "type": event_type, "created": created.isoformat(), "data": data}
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def payment_changed(payment, event_type, refund=None, line_items=None):
    """A payment reached a final state (or was refunded): tell each authority whose line items it holds.
    `line_items`: the payment's items with their authority and bill, when the caller has read them."""
    if event_type not in WebhookEvent.values:
        return []
    items = line_items
    if items is None:
        items = list(LineItem.objects.filter(payment=payment).select_related("authority", "bill").order_by("position"))
    authority_ids = {item.authority_id for item in items} | ({payment.authority_id} - {None})
    endpoints = _endpoints_for(authority_ids, event_type)
    if not endpoints:
        return []

    def data_for(code):
        data = {
            "reference": payment.reference,
            "state": payment.state,
            "amount": payment.amount_fils,
            "currency": payment.currency,
            "authority": payment.authority.code if payment.authority_id else None,
            "metadata": payment.metadata,
            "failure_reason": payment.failure_reason,
            "finished_at": payment.finished_at.isoformat() if payment.finished_at else None,
            # An authority sees its own lines of a checkout of several authorities' bills, not the others'.
            "line_items": [
                {
                    "label_ar": item.label_ar,
                    "label_en": item.label_en,
                    "amount": item.amount_fils,
                    "bill_number": item.bill.number if item.bill_id else None,
                }
                for item in items
                if item.authority.code == code
            ],
        }
        if refund is not None:
            data["refund"] = {
                "reference": refund.reference,
                "amount": refund.amount_fils,
                "state": refund.state,
                "reason": refund.reason,
            }
        return data

    return _record(event_type, endpoints, data_for)


def bill_changed(bill, event_type):
    endpoints = _endpoints_for({bill.authority_id}, event_type)
    if not endpoints:
        return []
    data = {
        "number": bill.number,
        "state": bill.state,
        "amount_due": bill.amount_due_fils,
        "amount_paid": bill.amount_paid_fils,
        "currency": "KWD",
        "due_date": bill.due_date.isoformat() if hasattr(bill.due_date, "isoformat") else str(bill.due_date),
    }
    return _record(event_type, endpoints, lambda code: {**data, "authority": code})


# --- Sending ----------------------------------------------------------------------------------------------


def _enqueue_on_commit(delivery_ids):
    from ..tasks import deliver_webhook

    def enqueue():
        for delivery_id in delivery_ids:
            try:
                deliver_webhook.enqueue(delivery_id)
            except Exception:  # noqa: BLE001 — the row is the truth; payments_webhooks sends it later
                logger.warning("payments: could not enqueue webhook delivery %s", delivery_id, exc_info=True)

    transaction.on_commit(enqueue, robust=True)


def _claim(delivery_id, now):
    """Take a due delivery for one attempt: its `next_attempt_at` moves past the attempt's time-out, so no one
    else sends it meanwhile. None if it is not pending, not due, or taken."""
    lease = timedelta(seconds=settings.PAYMENTS_WEBHOOK_TIMEOUT_SECONDS + 60)
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .select_related("endpoint")
            .filter(pk=delivery_id, state=WebhookDelivery.State.PENDING, next_attempt_at__lte=now)
            .first()
        )
        if delivery is None:
            return None
        delivery.attempts += 1
        delivery.next_attempt_at = now + lease
        delivery.save(update_fields=["attempts", "next_attempt_at"])
    return delivery


def _post(delivery):
    """Send once: (status code or None, error text)."""
    timestamp = int(time.time())
    body = delivery.body.encode()
    request = urllib.request.Request(
        delivery.endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            EVENT_HEADER: delivery.event_type,
            EVENT_ID_HEADER: delivery.event_id,
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: signature(delivery.endpoint.secret, timestamp, body),
        },
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())
    try:
        with opener.open(request, timeout=settings.PAYMENTS_WEBHOOK_TIMEOUT_SECONDS) as response:
            response.read(1024)
            return response.status, ""
    except urllib.error.HTTPError as error:
        return error.code, f"HTTP {error.code}"
    except Exception as error:  # noqa: BLE001 — down, slow, garbage: each is a failed attempt, kept in the log
        return None, _printable(f"{type(error).__name__}: {error}")


def _printable(text):
    """An error as the log keeps it: what a receiver sent may hold NUL and control bytes."""
    return "".join(char if char.isprintable() else "?" for char in text)[:300]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a delivery: the receiver must answer 2xx at the address it gave."""

    def redirect_request(self, *args, **kwargs):
        return None


def attempt(delivery_id, now=None):
    """One attempt at a due delivery; returns its state afterwards (or None when it was not due/pending)."""
    started = now or timezone.now()
    delivery = _claim(delivery_id, started)
    if delivery is None:
        return None
    clock = time.monotonic()
    status, error = _post(delivery)
    duration_ms = int((time.monotonic() - clock) * 1000)
    if status is not None and not 200 <= status < 300 and not error:
        error = f"HTTP {status}"
    retry_at = None
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery,
            number=delivery.attempts,
            started_at=started,
            duration_ms=duration_ms,
            status_code=status,
            error=error[:300],
        )
        if status is not None and 200 <= status < 300:
            delivery.state = WebhookDelivery.State.DELIVERED
            delivery.delivered_at = timezone.now()
            delivery.next_attempt_at = None
            delivery.last_error = ""
        elif delivery.attempts >= MAX_ATTEMPTS:
            delivery.state = WebhookDelivery.State.FAILED
            delivery.next_attempt_at = None
            delivery.last_error = error[:300]
        else:
            retry_at = started + BACKOFF[delivery.attempts - 1]
            delivery.next_attempt_at = retry_at
            delivery.last_error = error[:300]
        delivery.save(update_fields=["state", "delivered_at", "next_attempt_at", "last_error"])
        if retry_at is not None:
            _enqueue_later(delivery.pk, retry_at)
    if error:
        logger.info(
            "payments: webhook %s attempt %d to %s: %s",
            delivery.event_id,
            delivery.attempts,
            delivery.endpoint.url,
            error,
        )
    return delivery.state


def _enqueue_later(delivery_id, run_after):
    """On a backend that can wait (the database worker), the retry is a task for its time; elsewhere
    `payments_webhooks` sends it when it is due."""
    from django_tasks import task_backends

    from ..tasks import deliver_webhook

    if not task_backends[deliver_webhook.backend].supports_defer:
        return

    def enqueue():
        try:
            deliver_webhook.using(run_after=run_after).enqueue(delivery_id)
        except Exception:  # noqa: BLE001 — payments_webhooks sends it when due
            logger.warning("payments: could not enqueue webhook retry %s", delivery_id, exc_info=True)

    transaction.on_commit(enqueue, robust=True)


def deliver_due(now=None, limit=1000):
    """Every pending delivery whose time has come, one attempt each (`manage.py payments_webhooks`). Returns
    {state: count}."""
    now = now or timezone.now()
    due = WebhookDelivery.objects.filter(state=WebhookDelivery.State.PENDING, next_attempt_at__lte=now)
    counts = {}
    for delivery_id in list(due.order_by("next_attempt_at").values_list("pk", flat=True)[:limit]):
        state = attempt(delivery_id, now)
        if state is not None:
            counts[state] = counts.get(state, 0) + 1
    return counts


def resend(delivery, user=None):
    """A new delivery of the same message (same event id and body) to the same endpoint, sent at once; the
    original keeps its state and log. Logged in the staff audit (services.staff)."""
    with transaction.atomic():
        copy = WebhookDelivery.objects.create(
            endpoint=delivery.endpoint,
            event_id=delivery.event_id,
            event_type=delivery.event_type,
            body=delivery.body,
            next_attempt_at=timezone.now(),
            resent_from=delivery,
        )
        _enqueue_on_commit([copy.pk])
    return copy
