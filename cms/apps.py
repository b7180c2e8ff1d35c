from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = _("Service catalogue")

    def ready(self):
        from . import cache, home, signals, translation  # noqa: F401 — signals and translation connect receivers

        cache.connect()  # purge the page caches on publish (cms/cache.py)

        # Each app's home.py adds what it has for the home page (cms/home.py).
        home.autodiscover()
