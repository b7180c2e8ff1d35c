from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self):
        from . import menu

        # Each app's menu.py adds its entries of the main menu (core/menu.py).
        menu.autodiscover()
