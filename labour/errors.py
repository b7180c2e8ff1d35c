"""The labour app's refusals (core.errors.PortalError subclasses), in one module that services, selectors and
views all import: each says, in the person's language, what is wrong and what to do."""

from django.utils.translation import gettext as _

from core.errors import Conflict, Forbidden, InvalidInput, NotFound


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


class NeedsRequestNotFound(NotFound):
    code = "labour_no_needs_request"

    def default_message(self):
        return _("There is no such labour-needs request here.")


class NeedsImplausible(InvalidInput):
    """A request for more workers than the establishment could need in all: refused, nothing written."""

    code = "labour_needs_implausible"


class NotReviewer(Forbidden):
    code = "labour_not_reviewer"

    def default_message(self):
        return _("Only staff of the authority the request is addressed to decide on it.")


class AlreadyDecided(Conflict):
    code = "labour_needs_decided"

    def default_message(self):
        return _("This request has been decided already.")


class NotInspector(Forbidden):
    code = "labour_not_inspector"

    def default_message(self):
        return _("Only the labour authority's staff see the marginal-labour signals.")


class NotAwaitingPayment(Conflict):
    code = "labour_needs_not_awaiting_payment"

    def default_message(self):
        return _("This request has no fee left to pay.")


class NeedsUnpaid(Conflict):
    code = "labour_needs_unpaid"

    def default_message(self):
        return _("The fee of this request has not been paid yet: it is reviewed once it is paid.")
