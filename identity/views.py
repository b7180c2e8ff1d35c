from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from core.errors import NotFound


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
