"""The labour app's refusals (core.errors.PortalError subclasses), in one module that services, selectors and
views all import: each says, in the person's language, what is wrong and what to do."""

from django.utils.translation import gettext as _

from core.errors import Forbidden, NotFound


class EstablishmentNotFound(NotFound):
    code = "labour_no_establishment"

    def default_message(self):
        return _("There is no establishment with this licence number.")


class NotSignatory(Forbidden):
    """A 403: the person is not an authorised signatory of the establishment (or not signed in with a
    national ID, which is how the portal knows who they are)."""

    code = "labour_not_signatory"

    def default_message(self):
        return _(
            "You are not an authorised signatory of this establishment. The ministry records signatories from "
            "the commercial register; sign in with your national ID."
        )
