"""National-ID sign-in (OpenID Connect). Being written: see docs/identity.md when it lands."""

from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider


class NationalIDProvider(OpenIDConnectProvider):
    pass


def link_national_identity(request, sociallogin):
    return None
