"""A small OpenID Connect identity provider on 127.0.0.1, modelled on a national mobile-ID gateway, for the
national-ID sign-in tests. It speaks real HTTP and signs real JWTs (RS256, a key made with `cryptography`), so
that the portal's side runs unmocked: allauth fetches discovery, JWKS, the token and userinfo over the loopback.

    with LoopbackOIDCProvider(redirect_uris=[...]) as idp:
        idp.behaviour.audience = "someone-else"     # misbehave, per test
        location = idp.authorize(url)               # a browser's visit to /authorize: the callback URL

Endpoints: /.well-known/openid-configuration, /jwks, /authorize (client_id, redirect_uri, response_type=code,
openid scope, state, PKCE S256 challenge, nonce), /token (the code once, client authentication, redirect_uri,
PKCE verifier), /userinfo (bearer token). Every socket has a timeout; `stop()` shuts the server thread down.
"""

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

TIMEOUT = 5  # seconds, for every socket on either side
KEY_ID = "gateway-signing-key-1"


def make_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class Behaviour:
    """What the next sign-in gets. Change it in a test to make the gateway misbehave."""

    civil_id: object = "289061512347"  # None: no civil-ID claim at all
    civil_id_claim: str = "civil_id"
    sub: str | None = None  # None: the civil ID itself, as some gateways do
    name: str = "فاطمة أحمد العلي"
    given_name: str = "فاطمة"
    family_name: str = "العلي"
    email: str = "fatima@example.org"  # sent, "verified", and never to be used by the portal
    audience: str | None = None  # None: the client's id
    id_token_issuer: str | None = None  # None: the issuer
    expires_in: int = 300  # negative: an expired ID token
    sign_with_other_key: bool = False  # same kid, another key: a bad signature
    nonce: str | None = None  # None: the nonce the portal sent
    authorize_error: str | None = None  # e.g. "access_denied": the citizen refused on their phone
    civil_id_in_userinfo: bool = True
    extra_claims: dict = field(default_factory=dict)


class LoopbackOIDCProvider:
    def __init__(self, *, redirect_uris, client_id="portal-e2e", client_secret=None, token_auth_method=None):
        self.client_id = client_id
        self.client_secret = client_secret or secrets.token_urlsafe(24)
        self.token_auth_method = token_auth_method or "client_secret_post"
        self.redirect_uris = list(redirect_uris)
        self.key = make_key()
        self.other_key = make_key()
        self.behaviour = Behaviour()
        self.requests = []  # (method, path) of every request served
        self.refusals = []  # why the provider refused a request
        self.codes = {}
        self.tokens = {}
        self._lock = threading.Lock()
        self._server = None
        self._thread = None

    # --- life cycle -------------------------------------------------------------------------------------------

    def start(self):
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._server.timeout = TIMEOUT
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(TIMEOUT)
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def port(self):
        return self._server.server_address[1]

    @property
    def issuer(self):
        return f"http://127.0.0.1:{self.port}"

    def served(self, path):
        return sum(1 for _method, served in self.requests if served == path)

    # --- what a browser does ----------------------------------------------------------------------------------

    def authorize(self, url):
        """Visit the authorization URL as the citizen's browser would (after they approve on their phone), and
        return where the gateway sends them back: the portal's callback URL with code and state."""
        parts = urlsplit(url)
        assert (parts.scheme, parts.hostname, parts.port) == ("http", "127.0.0.1", self.port), url
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())
        try:
            with opener.open(url, timeout=TIMEOUT) as response:
                raise AssertionError(f"/authorize answered {response.status}, not a redirect")
        except urllib.error.HTTPError as e:
            if e.code != 302:
                raise AssertionError(f"/authorize refused: {e.code} {e.read().decode()[:300]}") from e
            return e.headers["Location"]

    # --- the gateway's side -----------------------------------------------------------------------------------

    def discovery(self):
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": [self.token_auth_method],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": ["openid", "profile"],
        }

    def jwks(self):
        jwk = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return {"keys": [{**jwk, "kid": KEY_ID, "alg": "RS256", "use": "sig"}]}

    def _claims(self):
        b = self.behaviour
        claims = {"name": b.name, "given_name": b.given_name, "family_name": b.family_name, "locale": "ar"}
        claims["email"], claims["email_verified"] = b.email, True
        if b.civil_id is not None:
            claims[b.civil_id_claim] = b.civil_id
        sub = b.sub if b.sub is not None else str(b.civil_id or "anonymous-subject")
        return {"sub": sub, **claims, **b.extra_claims}

    def refuse(self, reason):
        self.refusals.append(reason)
        return reason

    def handle_authorize(self, query):
        q = {k: v[0] for k, v in parse_qs(query).items()}
        if q.get("client_id") != self.client_id:
            return 400, self.refuse("unknown client_id")
        if q.get("redirect_uri") not in self.redirect_uris:
            return 400, self.refuse(f"redirect_uri not registered: {q.get('redirect_uri')}")
        if q.get("response_type") != "code":
            return 400, self.refuse("response_type must be code")
        if "openid" not in q.get("scope", "").split():
            return 400, self.refuse("scope must include openid")
        if not q.get("state"):
            return 400, self.refuse("state missing")
        if q.get("code_challenge_method") != "S256" or len(q.get("code_challenge", "")) < 43:
            return 400, self.refuse("PKCE S256 challenge missing")
        if not q.get("nonce"):
            return 400, self.refuse("nonce missing")
        back = {"state": q["state"]}
        if self.behaviour.authorize_error:
            back["error"] = self.behaviour.authorize_error
        else:
            code = secrets.token_urlsafe(24)
            with self._lock:
                self.codes[code] = {
                    "redirect_uri": q["redirect_uri"],
                    "challenge": q["code_challenge"],
                    "nonce": q["nonce"],
                    "used": False,
                }
            back["code"] = code
        return 302, f"{q['redirect_uri']}?{urlencode(back)}"

    def _client_authenticated(self, form, authorization):
        if self.token_auth_method == "client_secret_basic":
            if not authorization.startswith("Basic "):
                return False
            client_id, _, secret = base64.b64decode(authorization[6:]).decode().partition(":")
        else:
            client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        return client_id == self.client_id and hmac.compare_digest(secret, self.client_secret)

    def handle_token(self, form, authorization):
        if not self._client_authenticated(form, authorization):
            return 401, {"error": self.refuse("invalid_client")}
        if form.get("grant_type") != "authorization_code":
            return 400, {"error": self.refuse("unsupported_grant_type")}
        with self._lock:
            grant = self.codes.get(form.get("code", ""))
            if grant is None or grant["used"]:
                return 400, {"error": self.refuse("invalid_grant: unknown or used code")}
            grant["used"] = True  # a code is good once, whatever follows
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return 400, {"error": self.refuse("invalid_grant: redirect_uri")}
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if not verifier or not hmac.compare_digest(challenge, grant["challenge"]):
            return 400, {"error": self.refuse("invalid_grant: PKCE verifier")}
        b = self.behaviour
        now = int(time.time())
        claims = self._claims()
        userinfo = dict(claims)
        if not b.civil_id_in_userinfo:
            userinfo.pop(b.civil_id_claim, None)
        id_token = {
            "iss": b.id_token_issuer or self.issuer,
            "aud": b.audience or self.client_id,
            "iat": now,
            "exp": now + b.expires_in,
            "auth_time": now,
            "nonce": b.nonce or grant["nonce"],
            "acr": "loa-high",
            "amr": ["mob"],
            **claims,
        }
        key = self.other_key if b.sign_with_other_key else self.key
        access_token = secrets.token_urlsafe(24)
        with self._lock:
            self.tokens[access_token] = userinfo
        return 200, {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": jwt.encode(id_token, key, algorithm="RS256", headers={"kid": KEY_ID}),
        }

    def handle_userinfo(self, authorization):
        token = authorization[7:] if authorization.startswith("Bearer ") else ""
        with self._lock:
            claims = self.tokens.get(token)
        if claims is None:
            return 401, {"error": self.refuse("invalid_token")}
        return 200, claims


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _handler_for(provider):
    class Handler(BaseHTTPRequestHandler):
        timeout = TIMEOUT  # the socket's: a stalled client cannot hold a thread

        def log_message(self, *args):
            pass

        def _send(self, status, body=None, location=None):
            payload = b""
            self.send_response(status)
            if location:
                self.send_header("Location", location)
            if isinstance(body, dict):
                payload = json.dumps(body).encode()
                self.send_header("Content-Type", "application/json")
            elif body:
                payload = str(body).encode()
                self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self):
            parts = urlsplit(self.path)
            provider.requests.append(("GET", parts.path))
            authorization = self.headers.get("Authorization", "")
            if parts.path == "/.well-known/openid-configuration":
                self._send(200, provider.discovery())
            elif parts.path == "/jwks":
                self._send(200, provider.jwks())
            elif parts.path == "/authorize":
                status, answer = provider.handle_authorize(parts.query)
                if status == 302:
                    self._send(302, location=answer)
                else:
                    self._send(status, answer)
            elif parts.path == "/userinfo":
                self._send(*provider.handle_userinfo(authorization))
            else:
                self._send(404, "not found")

        def do_POST(self):
            parts = urlsplit(self.path)
            provider.requests.append(("POST", parts.path))
            length = int(self.headers.get("Content-Length") or 0)
            if parts.path != "/token" or length > 16_384:
                self._send(404 if parts.path != "/token" else 413, "no")
                return
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            self._send(*provider.handle_token(form, self.headers.get("Authorization", "")))

    return Handler
