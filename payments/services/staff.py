"""What staff do to payments in the admin. Each action is checked against the staff member's authorities
(`selectors.staff_rows`: an authority's payments staff act on its own rows only), and each one done is a row
of the audit log — identity's `SecurityEvent`, kind `staff_action`, whose `detail` names the action and what
it was done to."""

from django.db import transaction
from django.utils.translation import gettext as _

from identity.audit import record
from identity.middleware import has_second_factor
from identity.models import Action, SecurityEvent
from identity.policy import require

from .. import selectors
from ..errors import PaymentForbidden, PaymentNotFound
from ..models import WebhookEndpoint
from . import create_api_key, reconciliation, refund_payment, revoke_api_key, webhooks


def audit(request, user, action, **detail):
    """The audit row of a staff action (identity's log)."""
    return record(SecurityEvent.Kind.STAFF_ACTION, request, user, action=action, **detail)


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


def import_settlement(user, data, *, file_name, request=None):
    """A settlement file uploaded in the admin, read and matched as `import_settlement` does: the acquirer's
    file spans every authority, so only the portal's own staff import one. Nothing is written for a bad file."""
    if selectors.staff_authority_codes(user) is not None:
        raise PaymentForbidden(_("Only the portal's own staff can import a settlement file."))
    with transaction.atomic():
        settlement = reconciliation.import_settlement(data, file_name=file_name)
        audit(
            request,
            user,
            "settlement.import",
            settlement=settlement.pk,
            file=settlement.file_name,
            sha256=settlement.file_sha256,
            lines=settlement.lines,
        )
    return settlement


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
