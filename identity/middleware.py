import time

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from .audit import record
from .models import SecurityEvent

LAST_SEEN_KEY = "_portal_last_seen"
# Writing the session on every request would cost a database write per request; a minute's slack is fine.
LAST_SEEN_RESOLUTION = 60


def idled_out(last_seen, now=None):
    """Whether a session last seen at `last_seen` (epoch seconds, None if never) has been idle longer than
    SESSION_IDLE_TIMEOUT. The one rule for requests (below) and websockets (identity.websocket)."""
    return last_seen is not None and (now or time.time()) - last_seen > settings.SESSION_IDLE_TIMEOUT


class SessionTimeoutMiddleware:
    """Ends a signed-in session after SESSION_IDLE_TIMEOUT seconds without a request. (The absolute limit
    is the session cookie's age, SESSION_COOKIE_AGE, which sign-in sets.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(LAST_SEEN_KEY)
            if idled_out(last_seen, now):
                record(SecurityEvent.Kind.SESSION_EXPIRED, request, user, idle_seconds=now - last_seen)
                logout(request)
            elif last_seen is None or now - last_seen >= LAST_SEEN_RESOLUTION:
                request.session[LAST_SEEN_KEY] = now
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
