from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _announce_outcome(sender, instance, **kwargs):
    from .services.consultations import announce_outcome_once

    announce_outcome_once(instance)


class ParticipationConfig(AppConfig):
    name = "participation"
    verbose_name = _("Civic participation")

    def ready(self):
        from wagtail.signals import page_published

        from .models import ConsultationPage

        # A consultation's outcome is announced once, when a published revision first carries it.
        page_published.connect(
            _announce_outcome, sender=ConsultationPage, dispatch_uid="participation.consultation_outcome"
        )
