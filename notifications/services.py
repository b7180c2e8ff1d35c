"""Every write of notifications, follows and preferences. The fan-out (`deliver`) runs in a background task
(notifications.tasks), never in the request that caused the event."""

import hashlib
import json
from functools import cache

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import sql
from core.errors import PortalError
from core.events import Event

from . import push, registry
from .models import EmailFrequency, Follow, Notification, NotificationPreference, NotificationSettings

# Rows written (and then pushed) per transaction: smaller batches reach the first sockets sooner; each costs a
# keyset query and a commit. Measured in bench/notifications_bench.py (docs/notifications.md, "Measured").
FAN_OUT_BATCH = 100


class NotificationError(PortalError):
    """A refusal the person can understand (a `core.errors.PortalError`: a stable `code`, a message in the
    active language, a status), answered as it is by the API and by every page."""


# --- Follows -----------------------------------------------------------------------------------------


@transaction.atomic
def follow(user, target):
    """Follow `target` (`petition:12`, `authority:MSAL`…); following it again after unfollowing resumes."""
    if registry.describe_target(target) is None:
        raise NotificationError(_("There is nothing to follow with this name."), code="unknown_target", status=404)
    row, created = Follow.objects.get_or_create(user=user, target=target, defaults={"active": True})
    if not created and not row.active:
        row.active = True
        row.save(update_fields=["active"])
    return row


@transaction.atomic
def unfollow(user, target):
    """Stop following `target`. The row stays, inactive, so that automatic follows leave it alone."""
    updated = Follow.objects.filter(user=user, target=target, active=True).update(active=False)
    if not updated:
        raise NotificationError(_("You do not follow this."), code="not_following", status=404)


def follow_automatically(user_id, target):
    """Follow `target` for someone who created, signed, answered or commented on it: unless they turned
    automatic follows off, or unfollowed it before (their inactive follow is left as it is). One INSERT that
    writes nothing when either holds: a third of all signatures ask for it (core.sql)."""
    if not user_id or not registry.is_valid_target(target):
        return
    sql.insert(
        Follow,
        {"user_id": user_id, "target": target, "active": True, "automatic": True, "created_at": timezone.now()},
        only_if=(_not_opted_out(), [user_id, False]),
        ignore_conflicts=True,
    )


@cache
def _not_opted_out():
    """The condition of `follow_automatically`'s INSERT, built once like the signing path's other statements."""
    return (
        f"NOT EXISTS (SELECT 1 FROM {sql.table(NotificationSettings)} "
        f"WHERE {sql.columns(NotificationSettings, ['user'])} = %s "
        f"AND {sql.columns(NotificationSettings, ['auto_follow'])} = %s)"
    )


# --- Preferences -------------------------------------------------------------------------------------


def settings_for(user):
    return NotificationSettings.objects.filter(user=user).first() or NotificationSettings(user=user)


@transaction.atomic
def update_settings(user, *, email_frequency=None, auto_follow=None):
    current = settings_for(user)
    if email_frequency is not None:
        if email_frequency not in EmailFrequency.values:
            raise NotificationError(_("Choose how often to receive e-mails."), code="invalid_frequency")
        current.email_frequency = email_frequency
    if auto_follow is not None:
        current.auto_follow = bool(auto_follow)
    current.save()
    return current


def channels_for(user, kind):
    """(in_app, email) for `kind`: the person's choice, else the kind's default."""
    row = NotificationPreference.objects.filter(user=user, kind=kind).first()
    if row is not None:
        return row.in_app, row.email
    declared = registry.get_kind(kind)
    return (declared.in_app, declared.email) if declared else (True, False)


@transaction.atomic
def set_channels(user, kind, *, in_app, email):
    """Choose the channels for one kind; both off means none."""
    if registry.get_kind(kind) is None:
        raise NotificationError(_("There is no such kind of notification."), code="unknown_kind")
    NotificationPreference.objects.update_or_create(
        user=user, kind=kind, defaults={"in_app": bool(in_app), "email": bool(email)}
    )


# --- Reading -----------------------------------------------------------------------------------------


def mark_read(user, notification_id, read=True):
    """Mark one of the person's own notifications read (or unread again). Someone else's is not found."""
    updated = Notification.objects.filter(pk=notification_id, recipient=user, in_app=True).update(
        read_at=timezone.now() if read else None
    )
    if not updated:
        raise NotificationError(_("There is no such notification."), code="not_found", status=404)


def mark_all_read(user):
    return Notification.objects.filter(recipient=user, in_app=True, read_at__isnull=True).update(read_at=timezone.now())


# --- Fan-out -----------------------------------------------------------------------------------------


def deliver(name, payload):
    """What the event `name` causes: automatic follows first (so that the person who just created or
    signed something is told what follows), then one row per recipient of each notice. Returns the number
    of rows written."""
    event = Event(name, dict(payload))
    for follower in registry.auto_follows(name):
        for user_id, target in follower(event) or ():
            follow_automatically(user_id, target)
    written = 0
    for handler in registry.handlers(name):
        for notice in handler(event) or ():
            written += fan_out(event, notice)
    return written


def dedupe_key(event, notice):
    digest = hashlib.sha256(json.dumps(event.payload, sort_keys=True, default=str).encode()).hexdigest()[:24]
    return f"{event.name}:{notice.kind}:{notice.key}:{digest}"[:200]


def recipient_batches(notice, batch_size=FAN_OUT_BATCH):
    """The recipients' ids in batches: the named users first, then the followers in id order (a keyset
    walk over an index, so 100,000 followers are read a batch at a time), each once, active accounts only."""
    excluded = {int(pk) for pk in notice.exclude if pk}
    users = get_user_model().objects.filter(is_active=True)
    named = sorted({int(pk) for pk in notice.users if pk} - excluded)
    if named:
        yield list(users.filter(pk__in=named).order_by("pk").values_list("pk", flat=True))
    targets = [target for target in notice.followers if target]
    if not targets:
        return
    seen = set(named) | excluded
    after = 0
    while True:
        batch = list(
            Follow.objects.filter(target__in=targets, active=True, user_id__gt=after, user__is_active=True)
            .order_by("user_id")
            .values_list("user_id", flat=True)
            .distinct()[:batch_size]
        )
        if not batch:
            return
        after = batch[-1]
        fresh = [pk for pk in batch if pk not in seen]
        if fresh:
            yield fresh


def fan_out(event, notice, batch_size=FAN_OUT_BATCH):
    """Write `notice` for every recipient, a batch per transaction; push and e-mail after each commits."""
    declared = registry.get_kind(notice.kind)
    default = (declared.in_app, declared.email) if declared else (True, False)
    key = dedupe_key(event, notice)
    text_ar = notice.text.get("ar") or notice.text.get("en", "")
    text_en = notice.text.get("en") or text_ar
    written = 0
    for batch in recipient_batches(notice, batch_size):
        chosen = {
            row["user_id"]: (row["in_app"], row["email"])
            for row in NotificationPreference.objects.filter(kind=notice.kind, user_id__in=batch).values(
                "user_id", "in_app", "email"
            )
        }
        rows = []
        for user_id in batch:
            in_app, email = chosen.get(user_id, default)
            if in_app or email:
                rows.append(
                    Notification(
                        recipient_id=user_id,
                        kind=notice.kind,
                        target=notice.target[:100],
                        text_ar=text_ar[:500],
                        text_en=text_en[:500],
                        url_ar=notice.url.get("ar", "")[:500],
                        url_en=notice.url.get("en", "")[:500],
                        dedupe_key=key,
                        in_app=in_app,
                        email_pending=email,
                    )
                )
        if not rows:
            continue
        with transaction.atomic():
            Notification.objects.bulk_create(rows, ignore_conflicts=True)
            # bulk_create ignoring conflicts does not return ids on every database: read them back.
            stored = list(Notification.objects.filter(dedupe_key=key, recipient_id__in=[r.recipient_id for r in rows]))
            written += len(stored)
            to_push = [row for row in stored if row.in_app]
            to_email = [row.pk for row in stored if row.email_pending]
            transaction.on_commit(lambda to_push=to_push: push.notifications(to_push))
            if to_email:
                transaction.on_commit(lambda to_email=to_email: _email_now(to_email))
    return written


def _email_now(notification_ids):
    immediate = list(
        Notification.objects.filter(pk__in=notification_ids, email_pending=True)
        .exclude(recipient__notification_settings__email_frequency=EmailFrequency.DAILY)
        .values_list("pk", flat=True)
    )
    if immediate:
        from .tasks import send_notification_emails

        send_notification_emails.enqueue(immediate)
