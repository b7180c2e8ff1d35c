from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.utils.crypto import get_random_string
from django.utils.translation import get_language

from .audit import record_failed_sign_in


class AccountAdapter(DefaultAccountAdapter):
    def is_safe_url(self, url):
        # Only this site's own paths after sign-in or sign-out.
        return bool(url) and url.startswith("/") and not url.startswith("//") and super().is_safe_url(url)

    def pre_authenticate(self, request, **credentials):
        """allauth's lockout after failed sign-ins; remembers on the request that it refused, so that the sign-in
        form can tell it apart from a verification code that cannot be sent yet (identity.forms.LoginForm)."""
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            request._portal_login_locked = True
            # Refused before the password is checked: Django sends no user_login_failed, so the log would miss it.
            record_failed_sign_in(request, credentials, reason="rate_limited")
            raise

    def send_account_already_exists_mail(self, email):
        """Sign-up for an address that has an account creates none and tells its owner by mail. Creating one
        hashes the password, which is most of a sign-up's time (a quarter of a second): without the same work
        here the answer came ten times faster and told an attacker that the address has an account. So a
        password is hashed here too, with the same hasher and cost, and thrown away."""
        make_password(get_random_string(32))
        super().send_account_already_exists_mail(email)

    def get_login_redirect_url(self, request):
        """Without a `next`, the home page in the language the citizen signed in from (LOGIN_REDIRECT_URL "/"
        would pick the language from a cookie the citizen may never have set)."""
        url = super().get_login_redirect_url(request)
        if url == settings.LOGIN_REDIRECT_URL == "/":
            return f"/{get_language() or settings.LANGUAGE_CODE}/"
        return url


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """The national digital identity is an OpenID Connect provider whose claims need special care: the civil
    ID number is hashed before anything is stored or looked up (identity.national_id)."""

    def get_provider(self, request, provider, client_id=None):
        instance = super().get_provider(request, provider, client_id=client_id)
        if getattr(instance, "app", None) is not None and instance.app.provider_id == settings.NATIONAL_ID_PROVIDER_ID:
            from .national_id import NationalIDProvider

            return NationalIDProvider(request, app=instance.app)
        return instance

    def pre_social_login(self, request, sociallogin):
        if sociallogin.account.provider == settings.NATIONAL_ID_PROVIDER_ID:
            from .national_id import link_national_identity

            link_national_identity(request, sociallogin)
