"""Payments' entries of the account page (core.menu): a person's payments and the bills addressed to them."""

from django.utils.translation import gettext_lazy as _

from core.menu import ACCOUNT, MenuItem, named_url, register

register(
    MenuItem(
        "my-payments",
        _("My payments"),
        named_url("payments:my_payments"),
        order=10,
        description=_("Fees you paid, their receipts and refunds."),
    ),
    menu=ACCOUNT,
)
register(
    MenuItem(
        "my-bills",
        _("My bills"),
        named_url("payments:my_bills"),
        order=20,
        description=_("Government dues addressed to you by any authority, to pay in one checkout."),
    ),
    menu=ACCOUNT,
)
