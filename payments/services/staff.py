"""What staff do to payments in the admin. Each action is checked against the staff member's authorities
(`selectors.staff_rows`: an authority's payments staff act on its own rows only), and each one done is a row
of the audit log — identity's `SecurityEvent`, kind `staff_action`, whose `detail` names the action and what
it was done to."""

import logging
import time
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from identity.audit import record, request_origin
from identity.middleware import has_second_factor
from identity.models import Action, SecurityEvent
from identity.policy import require

from .. import selectors
from ..errors import InvalidSettlement, PaymentForbidden, PaymentNotFound
from ..models import SettlementUpload, WebhookEndpoint
from . import create_api_key, reconciliation, refund_payment, revoke_api_key, webhooks

logger = logging.getLogger(__name__)


def audit(request, user, action, *, origin=None, **detail):
    """The audit row of a staff action (identity's log); `origin` as `identity.audit.record` takes it."""
    return record(SecurityEvent.Kind.STAFF_ACTION, request, user, origin=origin, action=action, **detail)


def _own(user, instance):
    """`instance` if it belongs to one of the staff member's authorities; otherwise it does not exist for them."""
    if not selectors.staff_rows(user, type(instance)).filter(pk=instance.pk).exists():
        raise PaymentNotFound()
    return instance


def refund(user, payment, *, amount_fils, expected_available, reason="", request=None):
    """A staff refund: the payment must be the staff member's authority's alone (a checkout of several
    authorities is refunded by the portal's own staff), they must be at the level the policy gives
    `staff_refund` (L2 by default) and have a second factor. The amount available they saw must still be
    the amount available (else 412, nothing written)."""
    _own(user, payment)
    codes = selectors.staff_authority_codes(user)
    if codes is not None and (payment.authority is None or payment.authority.code not in codes):
        raise PaymentForbidden(_("Only the portal's own staff can refund a payment for several authorities."))
    require(user, Action.STAFF_REFUND)
    if not has_second_factor(user):
        raise PaymentForbidden(_("A refund needs a second factor on your account (two-factor authentication)."))
    done = refund_payment(
        payment, amount_fils=amount_fils, expected_available=expected_available, reason=reason, user=user
    )
    audit(
        request,
        user,
        "payment.refund",
        payment=payment.reference,
        refund=done.reference,
        amount_fils=done.amount_fils,
        state=done.state,
    )
    return done


def resend_webhook(user, delivery, request=None):
    _own(user, delivery)
    with transaction.atomic():
        copy = webhooks.resend(delivery)
        audit(request, user, "webhook.resend", event_id=delivery.event_id, delivery=delivery.pk, resent_as=copy.pk)
    return copy


def revoke_key(user, api_key, request=None):
    _own(user, api_key)
    with transaction.atomic():
        revoked = revoke_api_key(api_key)
        audit(request, user, "api_key.revoke", prefix=api_key.prefix, authority=api_key.authority.code)
    return revoked


def create_key(user, *, authority, name, scopes, request=None):
    """A new API key for one of the staff member's authorities: returns (ApiKey, token); the token is shown
    once, and only its hash is kept."""
    if not selectors.staff_authorities(user).filter(pk=authority.pk).exists():
        raise PaymentForbidden(_("You can only manage your own authority's API keys."))
    with transaction.atomic():
        api_key, token = create_api_key(authority=authority, name=name, scopes=scopes, created_by=user)
        audit(request, user, "api_key.create", prefix=api_key.prefix, authority=authority.code, scopes=api_key.scopes)
    return api_key, token


def upload_settlement(user, data, *, file_name, request=None):
    """A settlement file uploaded in the admin: kept on a `SettlementUpload` row and imported in the
    background (`tasks.import_settlement_upload`: inline on the embedded default, on the worker in production)
    by `run_settlement_upload`, through the same service as the command. The acquirer's file spans every
    authority, so only the portal's own staff upload one."""
    if selectors.staff_authority_codes(user) is not None:
        raise PaymentForbidden(_("Only the portal's own staff can import a settlement file."))
    address, agent = request_origin(request)
    with transaction.atomic():
        upload = SettlementUpload.objects.create(
            uploaded_by=user,
            file_name=file_name[:255],
            data=data,
            language=translation.get_language() or settings.LANGUAGE_CODE,
            ip_address=address,
            user_agent=agent,
            lines_total=reconciliation.line_count(data),
        )
        transaction.on_commit(partial(_enqueue_upload, upload.pk), robust=True)
    return upload


def _enqueue_upload(upload_id):
    from ..tasks import import_settlement_upload

    try:
        import_settlement_upload.enqueue(upload_id)
    except Exception:  # noqa: BLE001 — the upload says it failed rather than wait for ever
        logger.exception("payments: could not enqueue the import of settlement upload %s", upload_id)
        _finish(upload_id, SettlementUpload.State.FAILED, state=SettlementUpload.State.QUEUED)


# How often, at most, an import writes how far it got (and once more when every line is read).
PROGRESS_EVERY_SECONDS = 0.5


def save_progress(upload_id, read, total):
    SettlementUpload.objects.filter(pk=upload_id).update(lines_read=read, lines_total=total)


def run_settlement_upload(upload_id):
    """Import an uploaded settlement file (the task's work): claim the upload (a task delivered twice runs
    once), read, check and match the file with `reconciliation.import_settlement`, writing how far it got on
    the upload as it reads, then record the import, the upload's outcome and the audit row
    (`settlement.import`) in one transaction. A refused file leaves the refusal's message and problems, in the
    staff member's language, on the upload, and nothing else. Returns the upload's state (None: not queued)."""
    State = SettlementUpload.State
    if not SettlementUpload.objects.filter(pk=upload_id, state=State.QUEUED).update(state=State.RUNNING):
        return None
    upload = SettlementUpload.objects.select_related("uploaded_by").get(pk=upload_id)
    last_write = [0.0]

    def progress(read, total):
        now = time.monotonic()
        if read < total and now - last_write[0] < PROGRESS_EVERY_SECONDS:
            return
        last_write[0] = now
        save_progress(upload_id, read, total)

    def recorded(settlement):
        _finish(upload_id, State.DONE, settlement=settlement, lines_read=F("lines_total"))
        audit(
            None,
            upload.uploaded_by,
            "settlement.import",
            origin=(upload.ip_address, upload.user_agent),
            settlement=settlement.pk,
            file=settlement.file_name,
            sha256=settlement.file_sha256,
            lines=settlement.lines,
            upload=upload.pk,
        )

    with translation.override(upload.language):
        try:
            reconciliation.import_settlement(
                bytes(upload.data), file_name=upload.file_name, progress=progress, on_recorded=recorded
            )
        except InvalidSettlement as refusal:
            _finish(
                upload_id,
                State.REFUSED,
                message=str(refusal.message),
                problems=[str(problem) for problem in refusal.problems],
                problem_count=refusal.problem_count,
            )
            return State.REFUSED.value
        except Exception:
            logger.exception("payments: the import of settlement upload %s failed", upload_id)
            _finish(upload_id, State.FAILED)
            raise
    return State.DONE.value


def _finish(upload_id, outcome, state=None, **fields):
    """The upload's outcome; its file is dropped. With `state`, only if it is still in that state."""
    uploads = SettlementUpload.objects.filter(pk=upload_id)
    if state is not None:
        uploads = uploads.filter(state=state)
    uploads.update(state=outcome, data=b"", finished_at=timezone.now(), **fields)


def save_endpoint(user, endpoint, *, authority, url, events, active, request=None):
    """Create (`endpoint` None) or change a webhook endpoint of one of the staff member's authorities."""
    if not selectors.staff_authorities(user).filter(pk=authority.pk).exists():
        raise PaymentForbidden(_("You can only manage your own authority's webhooks."))
    if endpoint is not None:
        _own(user, endpoint)
    url, events = webhooks.check_endpoint(url, events)
    with transaction.atomic():
        if endpoint is None:
            endpoint = WebhookEndpoint(authority=authority)
            action = "webhook_endpoint.create"
        else:
            action = "webhook_endpoint.change"
        endpoint.authority, endpoint.url, endpoint.events, endpoint.active = authority, url, events, bool(active)
        endpoint.save()
        audit(request, user, action, endpoint=endpoint.pk, authority=authority.code, url=url, active=endpoint.active)
    return endpoint


# What an authority's payments staff may do in the admin: see their authority's payments, bills, refunds,
# webhook deliveries and API keys; refund; manage webhook endpoints; resend a delivery; create and revoke a key.
STAFF_PERMISSIONS = (
    ("wagtailadmin", "access_admin"),
    ("payments", "view_payment"),
    ("payments", "view_bill"),
    ("payments", "view_refund"),
    ("payments", "add_refund"),
    ("payments", "view_webhookendpoint"),
    ("payments", "add_webhookendpoint"),
    ("payments", "change_webhookendpoint"),
    ("payments", "view_webhookdelivery"),
    ("payments", "change_webhookdelivery"),
    ("payments", "view_apikey"),
    ("payments", "add_apikey"),
    ("payments", "change_apikey"),
    ("payments", "view_settlementimport"),
)


def ensure_staff_group(code):
    """The "<CODE> payments" group of an authority's payments staff, with what they may do (made once)."""
    from django.contrib.auth.models import Group, Permission
    from django.db.models import Q

    group, _created = Group.objects.get_or_create(name=selectors.staff_group_name(code))
    wanted = Q(pk__in=[])
    for app_label, codename in STAFF_PERMISSIONS:
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    group.permissions.add(*Permission.objects.filter(wanted))
    return group
