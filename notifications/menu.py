"""Notifications' entries of the account page (core.menu)."""

from django.utils.translation import gettext_lazy as _

from core.menu import ACCOUNT, MenuItem, named_url, register

register(
    MenuItem(
        "notifications",
        _("Notifications"),
        named_url("notifications:inbox"),
        order=50,
        description=_("What changed in what you follow, and how you are told (e-mail, digests)."),
    ),
    menu=ACCOUNT,
)
