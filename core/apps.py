from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self):
        from django.db.models.signals import pre_save

        from . import menu, text

        # No control or bidi-override character in any text a row stores (core/text.py).
        pre_save.connect(text.strip_controls_before_save, dispatch_uid="core.text.strip_controls")

        # Each app's menu.py adds its entries of the main menu (core/menu.py).
        menu.autodiscover()

        # django-structlog logs an exception raised outside a view as `request_failed` with code 500; an outage is
        # answered 503 (core.views.server_error), and its log line says so (core/outages.py).
        from django_structlog import signals

        from .outages import log_outage_as_503

        signals.bind_extra_request_failed_metadata.connect(log_outage_as_503, dispatch_uid="core.outages.log_503")
