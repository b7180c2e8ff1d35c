"""National-ID sign-in: the national digital identity (الهوية الرقمية) as an OpenID Connect provider.

The gateway is configured from the environment (portal/settings/base.py, docs/national-id.md). What this module
adds to allauth's generic `openid_connect` provider:

- the civil ID number (الرقم المدني) is never stored: the social account's uid, and `NationalIdentity`, hold a
  keyed hash of it (`civil_id_hash`); SocialAccount.extra_data keeps only harmless claims;
- every ID token is checked in full — signature against the gateway's JWKS (allauth skips the signature when it
  fetched the token itself), issuer, audience, expiry and the nonce this portal sent — by `callback`, which
  portal/urls.py routes in front of allauth's own callback;
- a sign-in that succeeds links the account to the civil ID and raises it to assurance level L2 (never lowers
  L3); one civil ID reaches one account;
- every failure ends on a page that says what went wrong, in the active language, with a 4xx status, and
  nobody signed in; it is written to the audit log (NATIONAL_ID_FAILED) without any claim value.
"""

import hmac
import json
import logging
import os
import re
from hashlib import sha256

import jwt
import requests
from allauth.account import signals as account_signals
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount import app_settings as socialaccount_settings
from allauth.socialaccount import signals as socialaccount_signals
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.helpers import complete_social_login, render_authentication_error
from allauth.socialaccount.internal import statekit
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.base import AuthError, AuthProcess, ProviderException
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404
from django.shortcuts import render
from django.urls import path
from django.utils.crypto import get_random_string, salted_hmac
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.assurance import AssuranceLevel

from .audit import record
from .models import AssuranceGrant, NationalIdentity, SecurityEvent

logger = logging.getLogger(__name__)
Kind = SecurityEvent.Kind

CIVIL_ID_LENGTH = 12
# Arabic-Indic (٠-٩) and extended Arabic-Indic (۰-۹) digits, as a phone keyboard may send them.
_DIGITS = str.maketrans(
    {**{chr(0x0660 + i): str(i) for i in range(10)}, **{chr(0x06F0 + i): str(i) for i in range(10)}}
)
_SEPARATORS = re.compile(r"[\s\u200e\u200f\u061c]+")  # spaces of any kind, and the bidi marks that copy along
HASH_KEY_SALT = "identity.national_id.civil-id-hash"

# Only asymmetric signatures: never "none", never an HMAC keyed with something the gateway published.
SIGNING_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
LEEWAY_SECONDS = 60
NONCE_STATE_KEY = "national_id_nonce"
# What SocialAccount.extra_data may keep: nothing that identifies a person beyond the name they are shown with.
HARMLESS_CLAIMS = ("name", "given_name", "family_name", "locale", "acr", "amr", "iss", "aud", "iat", "exp")
ASSURANCE_METHOD = "national-id"


# --- The civil ID number --------------------------------------------------------------------------------------


def normalise_civil_id(civil_id):
    """The civil ID number as 12 ASCII digits: spaces dropped, Arabic-Indic digits read as digits. ValueError
    when it is not a civil ID number (a Kuwaiti civil ID has 12 digits)."""
    if isinstance(civil_id, bool) or not isinstance(civil_id, str | int):
        raise ValueError("a civil ID number is a string of 12 digits")
    number = _SEPARATORS.sub("", str(civil_id)).translate(_DIGITS)
    if len(number) != CIVIL_ID_LENGTH or not number.isascii() or not number.isdigit():
        raise ValueError("a civil ID number has 12 digits")
    return number


def _hash_key():
    key = getattr(settings, "NATIONAL_ID_HASH_KEY", None)
    if key:
        return key.encode() if isinstance(key, str) else bytes(key)
    # (Under override_settings SETTINGS_MODULE reads None: the environment names the module then.)
    module = getattr(settings, "SETTINGS_MODULE", None) or os.environ.get("DJANGO_SETTINGS_MODULE", "")
    if settings.DEBUG or module.endswith(".test"):
        # Development and the test suite only: a key derived from SECRET_KEY, stable while SECRET_KEY is.
        return salted_hmac(HASH_KEY_SALT, "national-id-hash-key", algorithm="sha256").digest()
    raise ImproperlyConfigured("NATIONAL_ID_HASH_KEY must be set for national-ID sign-in (docs/national-id.md).")


def civil_id_hash(civil_id: str) -> str:
    """The keyed hash (HMAC-SHA256, hex) that stands for a civil ID number everywhere in the database."""
    number = normalise_civil_id(civil_id)
    return hmac.new(_hash_key(), number.encode("ascii"), sha256).hexdigest()


# --- Failures -------------------------------------------------------------------------------------------------

# reason → (HTTP status, what the citizen reads). Every message says that nobody was signed in.
FAILURES = {
    "state": (
        400,
        _(
            "The sign-in could not be completed: it did not start in this browser, it was already used, or it "
            "took too long. You have not been signed in. Please start again."
        ),
    ),
    "cancelled": (
        403,
        _("The sign-in was cancelled at the national digital identity. You have not been signed in."),
    ),
    "provider_error": (
        400,
        _("The national digital identity did not complete the sign-in. You have not been signed in. Please try again."),
    ),
    "token": (
        400,
        _(
            "The national digital identity did not confirm the sign-in (the code was refused or already used). "
            "You have not been signed in. Please start again."
        ),
    ),
    "id_token": (
        403,
        _(
            "The answer from the national digital identity could not be verified, so you have not been signed "
            "in. Please try again; if it happens again, contact support with the reference below."
        ),
    ),
    "civil_id_missing": (
        400,
        _("The national digital identity did not send your civil ID number, so you have not been signed in."),
    ),
    "civil_id_malformed": (
        400,
        _(
            "The civil ID number sent by the national digital identity is not valid (a civil ID number has 12 "
            "digits), so you have not been signed in."
        ),
    ),
    "identity_in_use": (
        403,
        _(
            "This civil ID is already linked to another account on the portal. Sign out, then sign in with the "
            "national digital identity to reach that account."
        ),
    ),
    "other_civil_id": (
        403,
        _("Your account is already linked to a different civil ID. One account belongs to one civil ID."),
    ),
    "unavailable": (
        503,
        _(
            "The national digital identity cannot be reached at the moment. You have not been signed in. Please try later."
        ),
    ),
}


class NationalIDError(ProviderException):
    """A national-ID sign-in that must not go on. `reason` is a key of FAILURES; the detail is for the log."""

    def __init__(self, reason, detail=""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = str(detail)[:200]

    @property
    def message(self):
        return FAILURES[self.reason][1]


def failure_response(request, reason, *, provider=None, state=None, detail=""):
    """Log the failure and answer it: a page in the active language with a 4xx status; for a headless (single
    page app) flow, allauth's redirect to the front end's error URL."""
    event = record(Kind.NATIONAL_ID_FAILED, request, None, reason=reason, detail=str(detail)[:200])
    if state and state.get("headless") and provider is not None:
        error = AuthError.CANCELLED if reason == "cancelled" else AuthError.UNKNOWN
        return render_authentication_error(request, provider, error=error, extra_context={"state": state})
    status, message = FAILURES[reason]
    context = {
        "auth_error": {"provider": provider, "code": reason, "exception": None},
        "national_id_error": {"reason": reason, "message": message, "reference": event.pk},
    }
    return render(request, "socialaccount/authentication_error.html", context, status=status)


# --- The provider ---------------------------------------------------------------------------------------------


def _claim_sources(data):
    """The verified ID token's claims, then the userinfo response's (both may be absent in odd responses)."""
    sources = []
    for key in ("id_token", "userinfo"):
        claims = data.get(key) if isinstance(data, dict) else None
        if isinstance(claims, dict):
            sources.append(claims)
    return sources


def _civil_id_from(data):
    claim = getattr(settings, "NATIONAL_ID_CLAIM", "") or "civil_id"
    values = [claims[claim] for claims in _claim_sources(data) if claims.get(claim) not in (None, "")]
    if not values:
        raise NationalIDError("civil_id_missing", f"claim {claim!r} absent")
    try:
        numbers = {normalise_civil_id(value) for value in values}
    except ValueError as e:
        raise NationalIDError("civil_id_malformed", f"claim {claim!r}") from e
    if len(numbers) != 1:
        raise NationalIDError("id_token", f"claim {claim!r} differs between the ID token and userinfo")
    return numbers.pop()


def _scrub(value, secrets):
    """`value` unless it carries one of `secrets` (the civil ID in any spelling), in which case None."""
    text = json.dumps(value, ensure_ascii=False)
    digits = text.translate(_DIGITS)
    return None if any(secret and (secret in text or secret in digits) for secret in secrets) else value


class NationalIDProvider(OpenIDConnectProvider):
    """allauth's generic OpenID Connect provider, with the claims mapped for the national digital identity."""

    is_national_id = True
    # Signing in by posting an ID token (headless "app" flow) would skip the nonce and the state; the
    # national ID is used through the redirect flow only, in the browser and in the headless browser flow.
    supports_token_authentication = False

    def get_oauth2_adapter(self, request):
        return NationalIDOAuth2Adapter(request, self.app.provider_id)

    def get_default_scope(self):
        return ["openid", "profile"]

    def redirect(self, request, process, next_url=None, data=None, **kwargs):
        """As allauth's, plus a nonce (kept in the state, checked in the ID token) and the page's language."""
        auth_params = kwargs.pop("auth_params", None)
        if auth_params is None:
            auth_params = self.get_auth_params()
        nonce = get_random_string(43)
        auth_params = {**auth_params, "nonce": nonce}
        if get_language():
            auth_params.setdefault("ui_locales", get_language())
        kwargs[NONCE_STATE_KEY] = nonce
        return super().redirect(request, process, next_url=next_url, data=data, auth_params=auth_params, **kwargs)

    def extract_uid(self, data):
        # The gateway's `sub` may itself be the civil ID: the uid is the keyed hash, always.
        return civil_id_hash(_civil_id_from(data))

    def extract_extra_data(self, data):
        try:
            secrets = {_civil_id_from(data)}
        except NationalIDError:
            secrets = set()
        for claims in _claim_sources(data):
            try:  # a `sub` that is a civil ID number is a secret too
                secrets.add(normalise_civil_id(claims.get("sub")))
            except ValueError:
                pass
        kept = {}
        for key in ("id_token", "userinfo"):
            claims = data.get(key)
            if isinstance(claims, dict):
                harmless = {k: _scrub(claims[k], secrets) for k in HARMLESS_CLAIMS if k in claims}
                kept[key] = {k: v for k, v in harmless.items() if v is not None}
        return kept

    def extract_common_fields(self, data):
        # The name only. No e-mail address (the gateway's is not one this portal verified), no username.
        claims = {}
        for source in reversed(_claim_sources(data)):
            claims.update(source)
        return {
            "name": _text(claims.get("name")),
            "first_name": _text(claims.get("given_name")),
            "last_name": _text(claims.get("family_name")),
        }

    def extract_email_addresses(self, data):
        return []


def _text(value, limit=150):
    return value.strip()[:limit] if isinstance(value, str) else None


def full_name_of(extra_data):
    """The name the gateway gave, from what SocialAccount.extra_data kept."""
    claims = {}
    for key in ("userinfo", "id_token"):
        if isinstance((extra_data or {}).get(key), dict):
            claims = {**extra_data[key], **claims}
    name = _text(claims.get("name"), 300)
    if not name:
        parts = [_text(claims.get("given_name"), 150), _text(claims.get("family_name"), 150)]
        name = " ".join(part for part in parts if part)
    return name or ""


class NationalIDOAuth2Adapter(OpenIDConnectOAuth2Adapter):
    """Checks the ID token in full whichever way it arrived, and the userinfo `sub` against it."""

    def _verification_key(self, header):
        alg = header.get("alg")
        supported = self.openid_config.get("id_token_signing_alg_values_supported") or SIGNING_ALGORITHMS
        if alg not in SIGNING_ALGORITHMS or alg not in supported:
            raise NationalIDError("id_token", f"signing algorithm {alg!r} not accepted")
        with get_adapter().get_requests_session() as session:
            response = session.get(self.openid_config["jwks_uri"])
            response.raise_for_status()
            keys = response.json().get("keys") or []
        kid = header.get("kid")
        candidates = [
            key
            for key in keys
            if isinstance(key, dict)
            and key.get("use", "sig") == "sig"
            and key.get("alg", alg) == alg
            and (kid is None or key.get("kid") == kid)
        ]
        if len(candidates) != 1:
            raise NationalIDError("id_token", f"no single signing key for kid {kid!r}")
        return jwt.PyJWK(candidates[0], algorithm=alg).key

    def verify_id_token(self, app, id_token):
        if not isinstance(id_token, str) or not id_token:
            raise NationalIDError("id_token", "no ID token in the token response")
        try:
            header = jwt.get_unverified_header(id_token)
            key = self._verification_key(header)
            claims = jwt.decode(
                id_token,
                key=key,
                algorithms=[header["alg"]],
                audience=app.client_id,
                issuer=self.openid_config["issuer"],
                leeway=LEEWAY_SECONDS,
                options={"require": ["iss", "sub", "aud", "exp", "iat"]},
            )
        except jwt.PyJWTError as e:
            raise NationalIDError("id_token", type(e).__name__) from e
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != app.client_id:
            raise NationalIDError("id_token", "several audiences and azp is not this client")
        return claims

    def check_issuer(self):
        """OpenID Connect Discovery: the issuer the document names is the one it was fetched for."""
        configured = self.get_provider().app.settings.get("server_url", "")
        configured = configured.split("/.well-known/", 1)[0].rstrip("/")
        if str(self.openid_config.get("issuer", "")).rstrip("/") != configured:
            raise NationalIDError("id_token", "the discovery document names another issuer")

    def complete_login(self, request, app, token, **kwargs):
        self.check_issuer()
        claims = self.verify_id_token(app, kwargs["response"].get("id_token"))
        data = {"id_token": claims}
        if app.settings.get("fetch_userinfo", True):
            userinfo = self._fetch_user_info(token.token)
            if not isinstance(userinfo, dict) or userinfo.get("sub") != claims["sub"]:
                raise NationalIDError("id_token", "userinfo is for another subject")
            data["userinfo"] = userinfo
        login = self.get_provider().sociallogin_from_response(request, data)
        login._national_id_verified = True
        login._national_id_nonce = claims.get("nonce")
        return login


# --- The callback ---------------------------------------------------------------------------------------------

# What a misbehaving gateway (or someone pretending to be one) can make the token exchange raise.
_GATEWAY_ERRORS = (OAuth2Error, PermissionDenied, ProviderException, KeyError, TypeError, ValueError, AttributeError)


class NationalIDCallbackView(OAuth2CallbackView):
    """allauth's OAuth2 callback, with every failure named, logged and answered in words."""

    def dispatch(self, request, *args, **kwargs):
        provider = self.adapter.get_provider()
        state_id = request.GET.get("state")
        state = None
        if state_id:
            state = statekit.unstash_state(request, provider_id=provider.sub_id, state_id=state_id)
        if state is None:
            resp = self._redirect_strict_samesite(request, provider)
            if resp:
                return resp
            return failure_response(request, "state", provider=provider)
        if "error" in request.GET or "code" not in request.GET:
            error = request.GET.get("error", "")
            reason = "cancelled" if error == self.adapter.login_cancelled_error else "provider_error"
            return failure_response(request, reason, provider=provider, state=state, detail=error[:40])

        app = provider.app
        try:
            client = self.adapter.get_client(request, app)
            access_token = self.adapter.get_access_token_data(
                request, app, client, pkce_code_verifier=state.get("pkce_code_verifier")
            )
            token = self.adapter.parse_token(access_token)
        except requests.RequestException as e:
            return failure_response(request, "unavailable", provider=provider, state=state, detail=type(e).__name__)
        except _GATEWAY_ERRORS as e:
            return failure_response(request, "token", provider=provider, state=state, detail=type(e).__name__)
        try:
            login = self.adapter.complete_login(request, app, token, response=access_token)
            expected = state.get(NONCE_STATE_KEY)
            nonce = getattr(login, "_national_id_nonce", None)
            if not expected or not isinstance(nonce, str) or not hmac.compare_digest(nonce, expected):
                raise NationalIDError("id_token", "nonce does not match")
        except NationalIDError as e:
            return failure_response(request, e.reason, provider=provider, state=state, detail=e.detail)
        except requests.RequestException as e:
            return failure_response(request, "unavailable", provider=provider, state=state, detail=type(e).__name__)
        except _GATEWAY_ERRORS as e:
            logger.warning("national-ID sign-in: unexpected answer from the gateway", exc_info=True)
            return failure_response(request, "id_token", provider=provider, state=state, detail=type(e).__name__)
        login.token = token
        login.state = state
        try:
            return complete_social_login(request, login)
        except NationalIDError as e:
            return failure_response(request, e.reason, provider=provider, state=state, detail=e.detail)


@login_not_required
def callback(request, provider_id=None):
    try:
        adapter = NationalIDOAuth2Adapter(request, provider_id or settings.NATIONAL_ID_PROVIDER_ID)
        return NationalIDCallbackView.adapter_view(adapter)(request)
    except SocialApp.DoesNotExist as e:
        raise Http404 from e


# portal/urls.py includes these under /<lang>/accounts/, before allauth's URLs: the same address as allauth's
# callback (the redirect URI registered with the gateway does not change), answered by `callback`.
urlpatterns = [
    path(
        f"{socialaccount_settings.OPENID_CONNECT_URL_PREFIX}/{settings.NATIONAL_ID_PROVIDER_ID}/login/callback/",
        callback,
        {"provider_id": settings.NATIONAL_ID_PROVIDER_ID},
        name="national_id_callback",
    )
]


# --- Linking the account --------------------------------------------------------------------------------------


def _refuse(request, sociallogin, reason, detail=""):
    raise ImmediateHttpResponse(
        failure_response(request, reason, provider=sociallogin.provider, state=sociallogin.state, detail=detail)
    )


def link_national_identity(request, sociallogin):
    """From the social account adapter's pre_social_login, after allauth looked the account up by uid (the
    civil-ID hash). Refuses what must not sign in; a civil ID whose social account was removed still reaches
    the account it is linked to. The link and the level are written once the sign-in completes
    (`_signed_in_with_national_id`)."""
    if not getattr(sociallogin, "_national_id_verified", False):
        # Not through `callback` (portal/urls.py must route it): the ID token's signature was not checked.
        _refuse(request, sociallogin, "id_token", "the ID token did not go through identity.national_id.callback")
    civil_hash = sociallogin.account.uid
    linked = NationalIdentity.objects.select_related("user").filter(civil_id_hash=civil_hash).first()
    if sociallogin.state.get("process") == AuthProcess.CONNECT:
        user = request.user
        if not user.is_authenticated:
            return  # allauth's connect flow sends an anonymous visitor to sign in first
        if linked is not None and linked.user_id != user.pk:
            _refuse(request, sociallogin, "identity_in_use")
        own = NationalIdentity.objects.filter(user_id=user.pk).exclude(civil_id_hash=civil_hash)
        if own.exists():
            _refuse(request, sociallogin, "other_civil_id")
        return
    if sociallogin.is_existing:
        if linked is not None and linked.user_id != sociallogin.user.pk:
            _refuse(request, sociallogin, "identity_in_use", "social account and national identity disagree")
        if linked is None and NationalIdentity.objects.filter(user_id=sociallogin.user.pk).exists():
            _refuse(request, sociallogin, "other_civil_id")
        return
    if linked is not None:
        # The social account was disconnected or deleted; the civil ID still belongs to that account.
        sociallogin.user = linked.user
        sociallogin.account.user = linked.user
        sociallogin.account.save()


def grant_national_id(request, user, civil_hash, full_name):
    """Link `user` to the civil ID (its hash) and raise the account to L2 (L3 stays L3). Audited."""
    from .policy import forget_level, level_of

    before = level_of(user)
    with transaction.atomic():
        identity, created = NationalIdentity.objects.update_or_create(
            user=user, defaults={"civil_id_hash": civil_hash, "full_name": full_name[:300]}
        )
        grant = AssuranceGrant.objects.select_for_update().filter(user=user).first()
        if grant is None or AssuranceLevel(grant.level).rank < AssuranceLevel.L2.rank:
            AssuranceGrant.objects.update_or_create(
                user=user, defaults={"level": AssuranceLevel.L2.value, "method": ASSURANCE_METHOD}
            )
    forget_level(user)
    if created:
        record(Kind.NATIONAL_ID_LINKED, request, user, provider=settings.NATIONAL_ID_PROVIDER_ID)
    after = level_of(user)
    if after != before:
        record(
            Kind.LEVEL_CHANGED, request, user, **{"from": before.value, "to": after.value, "method": ASSURANCE_METHOD}
        )
    return identity


def _from_national_id(sociallogin):
    return sociallogin is not None and sociallogin.account.provider == settings.NATIONAL_ID_PROVIDER_ID


def _link_after(request, user, sociallogin):
    try:
        grant_national_id(request, user, sociallogin.account.uid, full_name_of(sociallogin.account.extra_data))
    except IntegrityError:
        # Only a race can get here (link_national_identity refused the conflicts): the sign-in stands, the
        # level is not raised, and the log says why.
        logger.warning("national-ID link refused by the database for user %s", user.pk)
        record(Kind.NATIONAL_ID_FAILED, request, user, reason="identity_in_use", detail="database constraint")


def _signed_in_with_national_id(sender, request, user, sociallogin=None, **kwargs):
    if _from_national_id(sociallogin):
        _link_after(request, user, sociallogin)


def _national_id_connected(sender, request, sociallogin, **kwargs):
    if _from_national_id(sociallogin):
        _link_after(request, sociallogin.user, sociallogin)


account_signals.user_logged_in.connect(_signed_in_with_national_id, dispatch_uid="identity.national_id.signed_in")
socialaccount_signals.social_account_added.connect(
    _national_id_connected, dispatch_uid="identity.national_id.connected"
)
