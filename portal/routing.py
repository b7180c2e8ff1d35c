from django.urls import path

from core.consumers import HealthConsumer
from notifications.consumers import NotificationConsumer

websocket_urlpatterns = [
    path("ws/health/", HealthConsumer.as_asgi()),
    path("ws/notifications/", NotificationConsumer.as_asgi()),
]
