from allauth.headless.contrib.rest_framework.authentication import XSessionTokenAuthentication
from allauth.headless.internal import sessionkit
from allauth.headless.tokens.strategies.sessions import SessionTokenStrategy as AllauthSessionTokenStrategy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions


class SessionTokenStrategy(AllauthSessionTokenStrategy):
    """allauth's session tokens (the token is the session key), looked up with one query instead of two: allauth
    asks whether the session exists, then loads it; this loads it and checks that it was found (a missing or
    expired session leaves the store without a key). Set as HEADLESS_TOKEN_STRATEGY."""

    def lookup_session(self, session_token):
        if not isinstance(session_token, str) or not session_token:
            return None
        store = sessionkit.session_store(session_token)
        store.keys()  # loads the session now, once
        return store if store.session_key == session_token else None


class HeadlessSessionTokenAuthentication(XSessionTokenAuthentication):
    """API clients (apps) authenticate with allauth's headless session token in `X-Session-Token`. A token
    that is sent but not valid (forged, expired, signed out) is a 401, not a silent anonymous request."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None and self.get_session_token(request):
            raise exceptions.AuthenticationFailed(_("The session token is not valid. Sign in again."))
        return result

    def authenticate_header(self, request):
        return "X-Session-Token"


class HeadlessSessionTokenScheme(OpenApiAuthenticationExtension):
    target_class = "identity.api_auth.HeadlessSessionTokenAuthentication"
    name = "sessionToken"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "X-Session-Token"}
