"""Participation's entries of the main menu (core.menu)."""

from django.utils.translation import gettext_lazy as _

from core.menu import ACCOUNT, MenuItem, named_url, page_url, register


def _participation_index():
    from .models import ParticipationIndexPage

    return ParticipationIndexPage.objects.all()


register(MenuItem("participate", _("Participate"), page_url(_participation_index), order=20))
register(MenuItem("petitions", _("Petitions"), named_url("participation:petition_list"), order=30))
register(
    MenuItem(
        "my-petitions",
        _("My petitions"),
        named_url("participation:my_petitions"),
        order=40,
        description=_("The petitions you started, their signatures and the government's responses."),
    ),
    menu=ACCOUNT,
)
