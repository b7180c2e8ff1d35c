from allauth.headless.contrib.rest_framework.authentication import XSessionTokenAuthentication
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions


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
