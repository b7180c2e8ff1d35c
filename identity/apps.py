from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdentityConfig(AppConfig):
    name = "identity"
    verbose_name = _("Identity and authentication")

    def ready(self):
        from . import audit, middleware, national_id  # noqa: F401 — connect their signal receivers
