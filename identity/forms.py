"""The account forms the portal changes (ACCOUNT_FORMS)."""

from allauth.account.forms import LoginForm as AllauthLoginForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

VERIFICATION_PENDING = _(
    "Your e-mail address is not verified yet, and a code was sent to it only a moment ago. Enter the code from "
    "that e-mail, or sign in again in a few minutes to receive a new one."
)


class LoginForm(AllauthLoginForm):
    """allauth's, except for one message. The password was right but the address is not verified yet, and a
    new verification code cannot be sent before the cooldown (ACCOUNT_RATE_LIMITS["confirm_email"]): allauth
    says "too many failed login attempts", which is not what happened. (Only after the right password: the
    message tells nobody else whether an address has an account.)"""

    def _clean_with_password(self, credentials):
        try:
            return super()._clean_with_password(credentials)
        except ValidationError as error:
            locked = getattr(self.request, "_portal_login_locked", False)
            if getattr(error, "code", None) == "too_many_login_attempts" and not locked:
                raise ValidationError(VERIFICATION_PENDING, code="verification_pending") from error
            raise
