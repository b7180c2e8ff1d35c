"""Reads worth naming: a person's inbox, after an id, and what is unread."""

from django.db.models import Max

from .models import Follow, Notification


def inbox(user, unread_only=False):
    rows = Notification.objects.filter(recipient=user, in_app=True)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return rows.order_by("-pk")


def unread_count(user):
    return Notification.objects.filter(recipient=user, in_app=True, read_at__isnull=True).count()


def missed(user, after, limit):
    """The person's notifications after id `after`, oldest first, at most `limit` (+1 to tell if there are more)."""
    return list(Notification.objects.filter(recipient=user, in_app=True, pk__gt=after).order_by("pk")[: limit + 1])


def newest_id():
    return Notification.objects.aggregate(newest=Max("pk"))["newest"] or 0


def follows(user):
    return Follow.objects.filter(user=user, active=True).order_by("-created_at", "-pk")


def is_following(user, target):
    return user.is_authenticated and Follow.objects.filter(user=user, target=target, active=True).exists()
