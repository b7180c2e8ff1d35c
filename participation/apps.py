from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _announce_outcome(sender, instance, **kwargs):
    from .services.consultations import announce_outcome_once

    announce_outcome_once(instance)


class ParticipationConfig(AppConfig):
    name = "participation"
    verbose_name = _("Civic participation")

    def ready(self):
        from django.db.models.signals import post_delete, post_save
        from wagtail.signals import page_published

        from . import cache, views  # noqa: F401  (the page models' views register themselves)
        from .models import BlockedEmailDomain, BlockedNetwork, BlockedParticipant, ConsultationPage
        from .services.common import forget_block_lists

        # A consultation's outcome is announced once, when a published revision first carries it.
        page_published.connect(
            _announce_outcome, sender=ConsultationPage, dispatch_uid="participation.consultation_outcome"
        )
        cache.connect()  # petitions and comments purge the pages that show them
        # The block lists are remembered in each process for a few seconds; a change forgets them at once here.
        for model in (BlockedNetwork, BlockedEmailDomain, BlockedParticipant):
            for signal in (post_save, post_delete):
                signal.connect(forget_block_lists, sender=model, dispatch_uid=f"participation.forget.{model.__name__}")
