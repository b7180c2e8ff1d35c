from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LabourConfig(AppConfig):
    name = "labour"
    verbose_name = _("Labour market")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from core.cache import forget

        from .models import Code, Dataset
        from .selectors import CODES_KEY, ILLUSTRATIVE_KEY

        for model, key in ((Code, CODES_KEY), (Dataset, ILLUSTRATIVE_KEY)):
            for signal in (post_save, post_delete):
                signal.connect(
                    lambda key=key, **kwargs: forget(key),
                    sender=model,
                    weak=False,
                    dispatch_uid=f"labour.forget.{key}.{signal is post_save}",
                )
