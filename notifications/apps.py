from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from . import registry

        # Each app's notifications.py registers what it notifies about (and its public counters).
        registry.autodiscover()
