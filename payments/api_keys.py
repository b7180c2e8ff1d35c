"""API keys for authorities' systems: `Authorization: Bearer pk_<prefix>_<secret>`.

The secret is 32 random bytes; the database keeps its SHA-256 only (a secret of that entropy needs no slow
hash: nothing can be guessed), and the prefix, which tells keys apart in the admin. A revoked key is refused
at once. A key acts for its authority only, within its scopes."""

import hashlib
import hmac
import secrets

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions

from .models import ApiKey

TOKEN_PREFIX = "pk_"


def _digest(secret):
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def new_token():
    """(prefix, SHA-256 of the secret, the whole token shown once)."""
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    return prefix, _digest(secret), f"{TOKEN_PREFIX}{prefix}_{secret}"


def key_for_token(token):
    """The active key the token belongs to, or None."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 120:
        return None
    prefix, _sep, secret = token[len(TOKEN_PREFIX) :].partition("_")
    if not prefix or not secret or not secret.isascii():
        return None
    api_key = ApiKey.objects.select_related("authority").filter(prefix=prefix).first()
    if api_key is None or not hmac.compare_digest(api_key.secret_hash, _digest(secret)):
        return None
    if not api_key.is_active:
        return None
    return api_key


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """`request.auth` is the `ApiKey`; `request.user` stays anonymous (the key is not a person)."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        keyword, _sep, token = header.partition(" ")
        if keyword != self.keyword or not token.startswith(TOKEN_PREFIX):
            return None
        api_key = key_for_token(token.strip())
        if api_key is None:
            raise exceptions.AuthenticationFailed(
                _("This API key is not valid or was revoked."), code="invalid_api_key"
            )
        if api_key.last_used_at is None or (timezone.now() - api_key.last_used_at).total_seconds() > 60:
            ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=timezone.now())
        from django.contrib.auth.models import AnonymousUser

        return AnonymousUser(), api_key

    def authenticate_header(self, request):
        return self.keyword


class HasScope(permissions.BasePermission):
    """The request carries an API key with the view's `required_scope`."""

    message = gettext_lazy("This API key may not do this.")

    def has_permission(self, request, view):
        api_key = request.auth
        if not isinstance(api_key, ApiKey):
            raise exceptions.NotAuthenticated(_("An authority's API key is needed."), code="api_key_required")
        return view.required_scope in api_key.scopes


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "payments.api_keys.ApiKeyAuthentication"
    name = "authorityApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An authority's API key, `pk_<prefix>_<secret>` (docs/payments.md).",
        }
