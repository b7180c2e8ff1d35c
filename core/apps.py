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
