from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse


def admin_login_redirect(request):
    """Wagtail's own sign-in form would skip MFA and the sign-in rate limits; send staff to the accounts
    pages instead, keeping where they were going."""
    target = reverse("account_login")
    next_url = request.GET.get("next")
    return redirect(f"{target}?{urlencode({'next': next_url})}" if next_url else target)
