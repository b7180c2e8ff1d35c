from allauth.headless.contrib.rest_framework.authentication import XSessionTokenAuthentication
from allauth.headless.internal import sessionkit
from allauth.headless.tokens.strategies.sessions import SessionTokenStrategy as AllauthSessionTokenStrategy
from django.contrib.auth import SESSION_KEY, get_user_model
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions

from . import middleware as session_rules
from .audit import current_request


class SessionTokenStrategy(AllauthSessionTokenStrategy):
    """allauth's session tokens (the token is the session key), looked up with one query instead of two: allauth
    asks whether the session exists, then loads it; this loads it and checks that it was found (a missing or
    expired session leaves the store without a key). Set as HEADLESS_TOKEN_STRATEGY.

    The session rules of cookie sessions hold for tokens too (identity.middleware.session_ended): a token whose
    session idled out or outlived its absolute limit is ended and signs nobody in; one in use is touched (at most
    one write a minute)."""

    def lookup_session(self, session_token):
        if not isinstance(session_token, str) or not session_token:
            return None
        store = sessionkit.session_store(session_token)
        store.keys()  # loads the session now, once
        if store.session_key != session_token:
            return None
        if store.get(SESSION_KEY) is not None:
            at = session_rules.now()
            reason = session_rules.session_ended(store, at)
            if reason:
                user_model = get_user_model()
                user = user_model(pk=user_model._meta.pk.to_python(store[SESSION_KEY]))
                session_rules.end_session(store, current_request(), user, reason, at)
                store.delete()
                return None
            if session_rules.touch(store, at):
                store.save()
        return store


class InvalidSessionToken(exceptions.APIException):
    """A 401 that stays a 401. (DRF turns an `AuthenticationFailed` into a 403 when the first authentication
    class, the session's, has no challenge to send, which made a forged token a 403.)"""

    status_code = 401
    default_code = "authentication_failed"
    default_detail = _("The session token is not valid. Sign in again.")
    auth_header = "X-Session-Token"


class HeadlessSessionTokenAuthentication(XSessionTokenAuthentication):
    """API clients (apps) authenticate with allauth's headless session token in `X-Session-Token`. A token
    that is sent but not valid (forged, expired, signed out) is a 401, not a silent anonymous request."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None and self.get_session_token(request):
            raise InvalidSessionToken()
        return result

    def authenticate_header(self, request):
        return "X-Session-Token"


class HeadlessSessionTokenScheme(OpenApiAuthenticationExtension):
    target_class = "identity.api_auth.HeadlessSessionTokenAuthentication"
    name = "sessionToken"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "X-Session-Token"}
