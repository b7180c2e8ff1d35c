import time

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from .audit import record, record_failed_sign_in
from .models import SecurityEvent

LAST_SEEN_KEY = "_portal_last_seen"
STARTED_KEY = "_portal_started"
# Writing the session on every request would cost a database write per request; a minute's slack is fine.
LAST_SEEN_RESOLUTION = 60


def now():
    """The clock of the session rules, in whole epoch seconds (tests move it)."""
    return int(time.time())


def idled_out(last_seen, at=None):
    """Whether a session last seen at `last_seen` (epoch seconds, None if never) has been idle longer than
    SESSION_IDLE_TIMEOUT."""
    return last_seen is not None and (at or now()) - last_seen > settings.SESSION_IDLE_TIMEOUT


def session_ended(data, at=None):
    """Why a signed-in session (its data: a SessionStore or a dict) must end now — `"idle"` after
    SESSION_IDLE_TIMEOUT seconds without a request, `"absolute"` SESSION_ABSOLUTE_TIMEOUT seconds after signing
    in, whatever the activity — or None. The one rule for cookie sessions (below), app session tokens
    (identity.api_auth) and websockets (identity.websocket)."""
    at = at or now()
    if idled_out(data.get(LAST_SEEN_KEY), at):
        return "idle"
    started = data.get(STARTED_KEY)
    if started is not None and at - started > settings.SESSION_ABSOLUTE_TIMEOUT:
        return "absolute"
    return None


def touch(session, at=None):
    """Note that the session is in use: when it started (once) and, at most once a minute, when it was last seen.
    Returns whether the session changed (and must be saved)."""
    at = at or now()
    changed = False
    if session.get(STARTED_KEY) is None:
        session[STARTED_KEY] = at
        changed = True
    last_seen = session.get(LAST_SEEN_KEY)
    if last_seen is None or at - last_seen >= LAST_SEEN_RESOLUTION:
        session[LAST_SEEN_KEY] = at
        changed = True
    return changed


def end_session(session, request, user, reason, at=None):
    """Log the end of a session that ran out (`reason` from `session_ended`)."""
    at = at or now()
    detail = {"reason": reason}
    if reason == "idle":
        detail["idle_seconds"] = at - session.get(LAST_SEEN_KEY, at)
    else:
        detail["age_seconds"] = at - session.get(STARTED_KEY, at)
    record(SecurityEvent.Kind.SESSION_EXPIRED, request, user, **detail)


@receiver(user_logged_in)
def _session_started(sender, request, user, **kwargs):
    """Signing in starts the clock of the absolute limit, in a cookie session and an app's token session alike
    (Django's cookie age would slide forward with every save)."""
    session = getattr(request, "session", None)
    if session is not None:
        at = now()
        session[STARTED_KEY] = at
        session[LAST_SEEN_KEY] = at


class SessionTimeoutMiddleware:
    """Ends a signed-in cookie session after SESSION_IDLE_TIMEOUT seconds without a request, or
    SESSION_ABSOLUTE_TIMEOUT seconds after signing in (`session_ended`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            at = now()
            reason = session_ended(request.session, at)
            if reason:
                end_session(request.session, request, user, reason, at)
                logout(request)
            else:
                touch(request.session, at)
        return self.get_response(request)


def is_staff_user(user):
    return user.is_authenticated and (user.is_superuser or user.is_staff or user.has_perm("wagtailadmin.access_admin"))


def has_second_factor(user):
    return Authenticator.objects.filter(user=user).exclude(type=Authenticator.Type.RECOVERY_CODES).exists()


class StaffMustUseMFAMiddleware:
    """No staff account reaches the admin without a second factor: it is sent to set one up first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            request.path_info.startswith("/admin/")
            and user is not None
            and is_staff_user(user)
            and not has_second_factor(user)
        ):
            record(SecurityEvent.Kind.ADMIN_REFUSED_NO_MFA, request, user, path=request.path_info[:200])
            messages.warning(request, _("Staff accounts must use two-factor authentication. Set it up to continue."))
            return redirect("mfa_activate_totp")
        return self.get_response(request)


# The sign-in endpoints: allauth's page and its headless API (browser and app clients).
SIGN_IN_VIEWS = {"account_login", "headless:browser:account:login", "headless:app:account:login"}


class RefusedSignInLogMiddleware:
    """allauth refuses a burst of sign-ins from one address (ACCOUNT_RATE_LIMITS["login"]) with a 429 before any
    form or password is looked at: no signal is sent, so without this the security log would miss the burst.
    Which account was tried is not known at that point (the body is not read), only the address."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if response.status_code == 429 and request.method == "POST" and match and match.view_name in SIGN_IN_VIEWS:
            record_failed_sign_in(request, {}, reason="rate_limited_address")
        return response
