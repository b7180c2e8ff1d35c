"""E-mail: one message per notification, or a daily digest, as each person chose. Every message has an
Arabic and an English part, and a signed one-click unsubscribe link (RFC 8058: List-Unsubscribe and
List-Unsubscribe-Post headers; the link works without signing in)."""

import logging
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from . import registry
from .models import EmailFrequency, Notification, NotificationPreference, NotificationSettings

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "notifications.unsubscribe"
ALL_KINDS = "*"


def unsubscribe_token(user_id, kind=ALL_KINDS):
    return signing.dumps({"u": int(user_id), "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token):
    """(user id, kind) from a token this portal signed, or None for anything else."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int) or not isinstance(data.get("k"), str):
        return None
    return data["u"], data["k"]


@transaction.atomic
def unsubscribe(user_id, kind):
    """No more e-mail of `kind` (or of any kind, for `*`); notifications in the portal stay as they were."""
    if not get_user_model().objects.filter(pk=user_id).exists():
        return
    kinds = [declared.key for declared in registry.kinds()] if kind == ALL_KINDS else [kind]
    for key in kinds:
        declared = registry.get_kind(key)
        row = NotificationPreference.objects.filter(user_id=user_id, kind=key).first()
        in_app = row.in_app if row else (declared.in_app if declared else True)
        NotificationPreference.objects.update_or_create(
            user_id=user_id, kind=key, defaults={"in_app": in_app, "email": False}
        )
    Notification.objects.filter(
        recipient_id=user_id, email_pending=True, **({} if kind == ALL_KINDS else {"kind": kind})
    ).update(email_pending=False)


def base_url():
    return getattr(settings, "PORTAL_BASE_URL", None) or settings.WAGTAILADMIN_BASE_URL


def absolute(path):
    if not path or path.startswith(("http://", "https://")):
        return path
    return base_url().rstrip("/") + path


def unsubscribe_url(user_id, kind=ALL_KINDS):
    with translation.override("ar"):
        path = reverse("notifications:unsubscribe", args=[unsubscribe_token(user_id, kind)])
    return absolute(path)


def verified_addresses(user_ids):
    return dict(
        EmailAddress.objects.filter(user_id__in=user_ids, verified=True, primary=True).values_list("user_id", "email")
    )


def _send(address, subject_template, body_template, context, unsubscribe_link):
    context = {**context, "unsubscribe_url": unsubscribe_link}
    subject = " ".join(render_to_string(subject_template, context).split())
    text = render_to_string(f"{body_template}.txt", context)
    html = render_to_string(f"{body_template}.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[address],
        headers={
            "List-Unsubscribe": f"<{unsubscribe_link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(html, "text/html")
    message.send()


def _item(notification):
    return {
        "text_ar": notification.text_ar,
        "text_en": notification.text_en,
        "url_ar": absolute(notification.url("ar")),
        "url_en": absolute(notification.url("en")),
        "created": notification.created_at,
    }


def _claim(notification_ids):
    """Take these rows off the pending list, exactly once however many workers try."""
    claimed = []
    for pk in notification_ids:
        if Notification.objects.filter(pk=pk, email_pending=True).update(
            email_pending=False, emailed_at=timezone.now()
        ):
            claimed.append(pk)
    return claimed


def send_each(notification_ids):
    """One e-mail per notification (for people who chose that); returns how many were sent."""
    claimed = _claim(notification_ids)
    rows = list(Notification.objects.filter(pk__in=claimed).order_by("pk"))
    addresses = verified_addresses({row.recipient_id for row in rows})
    sent = 0
    for row in rows:
        address = addresses.get(row.recipient_id)
        if not address:
            continue
        try:
            _send(
                address,
                "notifications/email/notification_subject.txt",
                "notifications/email/notification",
                {"item": _item(row)},
                unsubscribe_url(row.recipient_id, row.kind),
            )
            sent += 1
        except Exception:  # noqa: BLE001 — one bad address must not stop the others
            logger.warning("notifications: e-mail for notification %s failed", row.pk, exc_info=True)
    return sent


DIGEST_LIMIT = 50


def send_digests(now=None):
    """One digest to each person on the daily digest with pending e-mail and no digest in the last day."""
    now = now or timezone.now()
    due = (
        NotificationSettings.objects.filter(email_frequency=EmailFrequency.DAILY)
        .exclude(digest_sent_at__gt=now - timedelta(hours=23))
        .filter(user__in=Notification.objects.filter(email_pending=True).values("recipient_id"))
        .values_list("user_id", flat=True)
    )
    sent = 0
    for user_id in list(due):
        pending = list(
            Notification.objects.filter(recipient_id=user_id, email_pending=True)
            .order_by("-pk")
            .values_list("pk", flat=True)
        )
        claimed = _claim(pending)
        NotificationSettings.objects.filter(user_id=user_id).update(digest_sent_at=now)
        address = verified_addresses([user_id]).get(user_id)
        if not claimed or not address:
            continue
        rows = list(Notification.objects.filter(pk__in=claimed).order_by("-pk")[:DIGEST_LIMIT])
        try:
            _send(
                address,
                "notifications/email/digest_subject.txt",
                "notifications/email/digest",
                {"items": [_item(row) for row in rows], "total": len(claimed), "more": len(claimed) - len(rows)},
                unsubscribe_url(user_id),
            )
            sent += 1
        except Exception:  # noqa: BLE001
            logger.warning("notifications: digest for user %s failed", user_id, exc_info=True)
    return sent
