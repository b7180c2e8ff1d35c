"""`/api/v1/notifications/`, `/api/v1/subscriptions/` and `/api/v1/notification-preferences/`: a person's
own inbox, follows and choices. Thin: the writes are in services.py, the reads in selectors.py."""

from django.db import transaction
from django.urls import path
from django.utils.translation import get_language
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import ERROR, validated
from core.errors import InvalidInput

from . import registry, selectors, services
from .models import EmailFrequency

TAGS = ["notifications"]


def language():
    return "en" if (get_language() or "").startswith("en") else "ar"


class NotificationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    target = serializers.CharField()
    text = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    text_ar = serializers.CharField()
    text_en = serializers.CharField()
    created = serializers.DateTimeField(source="created_at")
    read = serializers.SerializerMethodField()

    def get_text(self, notification) -> str:
        return notification.text(language())

    def get_url(self, notification) -> str:
        return notification.url(language())

    def get_read(self, notification) -> bool:
        return notification.read_at is not None


class NewestFirst(CursorPagination):
    """An opaque cursor: pages stay stable while new notifications arrive. A forged cursor is a 404."""

    ordering = "-id"
    page_size = 20
    page_size_query_param = "limit"
    max_page_size = 100


class Mine(APIView):
    permission_classes = [IsAuthenticated]


class NotificationList(Mine):
    pagination_class = NewestFirst  # the schema documents the page object ({next, previous, results}) from it

    @extend_schema(
        summary="My notifications, newest first",
        parameters=[
            OpenApiParameter("unread", bool, description="1: unread only"),
            OpenApiParameter("cursor", str, description="from `next` or `previous`"),
            OpenApiParameter("limit", int, description="at most 100"),
        ],
        responses={200: NotificationSerializer(many=True), 403: ERROR, 404: ERROR},
        tags=TAGS,
    )
    def get(self, request):
        rows = selectors.inbox(request.user, unread_only=request.query_params.get("unread") in ("1", "true"))
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(NotificationSerializer(page, many=True).data)


class NotificationRead(Mine):
    @extend_schema(summary="Mark a notification read", request=None, responses={204: None, 404: ERROR}, tags=TAGS)
    def post(self, request, notification_id):
        return self._mark(request, notification_id, True)

    @extend_schema(summary="Mark a notification unread", request=None, responses={204: None, 404: ERROR}, tags=TAGS)
    def delete(self, request, notification_id):
        return self._mark(request, notification_id, False)

    def _mark(self, request, notification_id, read):
        services.mark_read(request.user, notification_id, read=read)
        return Response(status=status.HTTP_204_NO_CONTENT)


COUNT = inline_serializer("UnreadCount", {"unread": serializers.IntegerField()})


class ReadAll(Mine):
    @extend_schema(summary="Mark all my notifications read", request=None, responses={200: COUNT}, tags=TAGS)
    def post(self, request):
        services.mark_all_read(request.user)
        return Response({"unread": 0})


class UnreadCount(Mine):
    @extend_schema(summary="How many of my notifications are unread", responses={200: COUNT}, tags=TAGS)
    def get(self, request):
        return Response({"unread": selectors.unread_count(request.user)})


# --- Follows -----------------------------------------------------------------------------------------


class FollowSerializer(serializers.Serializer):
    target = serializers.CharField(max_length=100)
    automatic = serializers.BooleanField(read_only=True)
    created = serializers.DateTimeField(source="created_at", read_only=True)
    title = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    def _described(self, follow):
        return registry.describe_target(follow.target) or {}

    def get_title(self, follow) -> str:
        return self._described(follow).get("title", "")

    def get_url(self, follow) -> str:
        return self._described(follow).get("url", "")


class SubscriptionList(Mine):
    @extend_schema(summary="What I follow", responses={200: FollowSerializer(many=True)}, tags=TAGS)
    def get(self, request):
        follows = list(selectors.follows(request.user)[:500])
        return Response(FollowSerializer(follows, many=True).data)

    @extend_schema(
        summary="Follow something",
        description="`target` is `petition:<id>`, `consultation:<id>`, `poll:<id>`, `service:<id>` or "
        "`authority:<code>`.",
        request=inline_serializer("FollowRequest", {"target": serializers.CharField()}),
        responses={201: FollowSerializer, 400: ERROR, 404: ERROR},
        tags=TAGS,
    )
    def post(self, request):
        target = request.data.get("target") if isinstance(request.data, dict) else None
        if not isinstance(target, str) or not registry.is_valid_target(target):
            raise InvalidInput(_invalid_target(), code="invalid_target", field="target")
        follow = services.follow(request.user, target)
        return Response(FollowSerializer(follow).data, status=status.HTTP_201_CREATED)


def _invalid_target():
    from django.utils.translation import gettext

    return gettext("target: name what to follow, like petition:12 or authority:MSAL.")


class SubscriptionDetail(Mine):
    @extend_schema(summary="Stop following something", responses={204: None, 404: ERROR}, tags=TAGS)
    def delete(self, request, target):
        services.unfollow(request.user, target)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Preferences -------------------------------------------------------------------------------------


class KindPreferenceSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField(read_only=True)
    in_app = serializers.BooleanField()
    email = serializers.BooleanField()


class PreferencesSerializer(serializers.Serializer):
    email_frequency = serializers.ChoiceField(choices=EmailFrequency.choices, required=False)
    auto_follow = serializers.BooleanField(required=False)
    kinds = KindPreferenceSerializer(many=True, required=False)


def preferences_of(user):
    chosen = services.settings_for(user)
    return {
        "email_frequency": chosen.email_frequency,
        "auto_follow": chosen.auto_follow,
        "kinds": [
            {
                "kind": kind.key,
                "label": str(kind.label),
                **dict(zip(("in_app", "email"), services.channels_for(user, kind.key), strict=True)),
            }
            for kind in registry.kinds()
        ],
    }


class Preferences(Mine):
    @extend_schema(summary="My notification preferences", responses={200: PreferencesSerializer}, tags=TAGS)
    def get(self, request):
        return Response(preferences_of(request.user))

    @extend_schema(
        summary="Change my notification preferences",
        description="Send only what changes. Per kind: `in_app` and `email`; both false means none.",
        request=PreferencesSerializer,
        responses={200: PreferencesSerializer, 400: ERROR},
        tags=TAGS,
    )
    def patch(self, request):
        data = validated(PreferencesSerializer(data=request.data))
        with transaction.atomic():
            for choice in data.get("kinds", []):
                services.set_channels(request.user, choice["kind"], in_app=choice["in_app"], email=choice["email"])
            services.update_settings(
                request.user, email_frequency=data.get("email_frequency"), auto_follow=data.get("auto_follow")
            )
        return Response(preferences_of(request.user))

    put = patch


urlpatterns = [
    path("notifications/", NotificationList.as_view(), name="notification-list"),
    path("notifications/read-all", ReadAll.as_view(), name="notification-read-all"),
    path("notifications/unread-count", UnreadCount.as_view(), name="notification-unread-count"),
    path("notifications/<int:notification_id>/read", NotificationRead.as_view(), name="notification-read"),
    path("subscriptions/", SubscriptionList.as_view(), name="subscription-list"),
    path("subscriptions/<str:target>/", SubscriptionDetail.as_view(), name="subscription-detail"),
    path("notification-preferences/", Preferences.as_view(), name="notification-preferences"),
]
