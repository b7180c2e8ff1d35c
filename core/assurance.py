"""Assurance levels: how sure the portal is of who a user is. The policy that maps actions to levels lives
in `identity`; the levels themselves are shared by every app, so they live here."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AssuranceLevel(models.TextChoices):
    L0 = "L0", _("L0 — anonymous")
    L1 = "L1", _("L1 — verified e-mail address")
    L2 = "L2", _("L2 — national ID")
    L3 = "L3", _("L3 — qualified electronic signature")

    @property
    def rank(self):
        return int(self.value[1])

    @property
    def how_to_reach(self):
        return HOW_TO_REACH[self]


HOW_TO_REACH = {
    AssuranceLevel.L0: _("No sign-in is needed."),
    AssuranceLevel.L1: _("Create an account and verify your e-mail address."),
    AssuranceLevel.L2: _("Sign in with your national digital identity (Civil ID)."),
    AssuranceLevel.L3: _("Sign with a qualified electronic signature."),
}
