"""Security events go to the audit log (`SecurityEvent`) from the signals Django and allauth send."""

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals
from allauth.mfa.models import Authenticator
from django.contrib.auth import signals as auth_signals
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import ActionPolicy, SecurityEvent

Kind = SecurityEvent.Kind


def client_address(request):
    """The client's address as the first trusted hop saw it (REMOTE_ADDR; a proxy sets it right)."""
    return (request.META.get("REMOTE_ADDR") or None) if request is not None else None


def request_origin(request):
    """(address, browser) of a request as the log keeps them; (None, "") without a request."""
    if request is None:
        return None, ""
    return client_address(request), request.META.get("HTTP_USER_AGENT", "")[:300]


def record(kind, request=None, user=None, *, origin=None, **detail):
    """A row of the log. `origin`, an (address, browser) kept from `request_origin` earlier, stands for the
    request's when the action is recorded later, away from it (a background task finishing what a person began)."""
    if user is None and request is not None and getattr(request, "user", None) is not None:
        user = request.user if request.user.is_authenticated else None
    address, agent = origin if origin is not None else request_origin(request)
    return SecurityEvent.objects.create(kind=kind, user=user, ip_address=address, user_agent=agent, detail=detail)


@receiver(auth_signals.user_logged_in)
def _signed_in(sender, request, user, **kwargs):
    record(Kind.SIGNED_IN, request, user)


@receiver(auth_signals.user_logged_out)
def _signed_out(sender, request, user, **kwargs):
    if user is not None:
        record(Kind.SIGNED_OUT, request, user)


def record_failed_sign_in(request, credentials, **detail):
    """A failed sign-in, keeping only the e-mail domain: the log must not become a list of who tried which
    address."""
    identifier = str(credentials.get("email") or credentials.get("username") or "")
    record(Kind.SIGN_IN_FAILED, request, None, domain=identifier.rpartition("@")[2][:100], **detail)


@receiver(auth_signals.user_login_failed)
def _sign_in_failed(sender, credentials, request=None, **kwargs):
    record_failed_sign_in(request, credentials)


@receiver(account_signals.user_signed_up)
def _signed_up(sender, request, user, **kwargs):
    record(Kind.SIGNED_UP, request, user)


@receiver(account_signals.email_confirmed)
def _email_verified(sender, request, email_address, **kwargs):
    record(Kind.EMAIL_VERIFIED, request, email_address.user)


@receiver(account_signals.password_changed)
def _password_changed(sender, request, user, **kwargs):
    record(Kind.PASSWORD_CHANGED, request, user)


@receiver(account_signals.password_reset)
def _password_reset(sender, request, user, **kwargs):
    record(Kind.PASSWORD_RESET, request, user)


def current_request():
    from allauth.core import context

    return getattr(context, "request", None)


# On the model, not allauth's signals: those fire after commit, and a factor added any other way (the admin,
# a shell) must be logged too.
@receiver(post_save, sender=Authenticator)
def _mfa_added(sender, instance, created, **kwargs):
    if created:
        record(Kind.MFA_ADDED, current_request(), instance.user, type=instance.type)


@receiver(post_delete, sender=Authenticator)
def _mfa_removed(sender, instance, **kwargs):
    record(Kind.MFA_REMOVED, current_request(), instance.user, type=instance.type)


@receiver(mfa_signals.authenticator_reset)
def _mfa_reset(sender, request, user, authenticator, **kwargs):
    record(Kind.RECOVERY_CODES_RENEWED, request, user, type=authenticator.type)


@receiver(post_save, sender=ActionPolicy)
def _policy_changed(sender, instance, **kwargs):
    from .policy import forget_policy

    forget_policy()
