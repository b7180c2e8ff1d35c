from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from core import menu
from core.assurance import AssuranceLevel
from core.errors import NotFound

from .policy import level_of


def admin_login_redirect(request):
    """Wagtail's own sign-in form would skip MFA and the sign-in rate limits; send staff to the accounts
    pages instead, keeping where they were going."""
    target = reverse("account_login")
    next_url = request.GET.get("next")
    return redirect(f"{target}?{urlencode({'next': next_url})}" if next_url else target)


# allauth's headless API serves its phone routes whatever the login methods; the portal has no phone sign-in
# (docs/identity.md), and there they were a 500 for every method. They are answered as routes that do not exist.
NOT_SERVED_HEADLESS = r"^_allauth/(?:app|browser)/v1/(?:account/phone|auth/phone/verify(?:/resend)?)/?$"


@csrf_exempt
def not_served(request):
    """A 404 in the shape the client expects (allauth's under `/_allauth/`, core.middleware.error_response)."""
    raise NotFound()


@login_required
def account_home(request):
    """A signed-in person's page: who they are to the portal (their assurance level), what of theirs each app
    keeps (the entries apps register with core.menu's ACCOUNT menu), and their account's settings."""
    level = level_of(request.user)
    return render(
        request,
        "identity/account.html",
        {"level": level, "verified": level.rank >= AssuranceLevel.L2.rank, "items": menu.account_items(request)},
    )
