"""A small OpenID Connect identity provider on 127.0.0.1, modelled on a national mobile-ID gateway. One piece of
code serves two purposes:

- the national-ID sign-in tests (tests/identity/test_national_id.py): it speaks real HTTP and signs real JWTs
  (RS256, a key made with `cryptography`), so that the portal's side runs unmocked — allauth fetches discovery,
  JWKS, the token and userinfo over the loopback;
- the demo's identity provider (`manage.py demo_identity_provider`, started by `make run`): the same gateway,
  `interactive`, shows a page clearly labelled as a demonstration where the visitor chooses the civil ID and
  name to sign in with, instead of approving on a phone. It is not the national digital identity.

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
import html
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


# The demo's people: a visitor picks one on the demonstration page (or types another civil ID of 12 digits).
DEMO_PEOPLE = (
    ("289061512347", "فاطمة أحمد العلي"),
    ("287121201234", "Yousef Al-Mutairi"),
    ("301010112345", "مريم خالد الصباح"),
    ("290010100001", "مواطن تجريبي"),  # the payments demo's citizen (load_payments_demo): their bills
)

DEMO_TEXT = {
    "ar": {
        "dir": "rtl",
        "title": "مزوّد هوية تجريبي",
        "banner": "للعرض فقط: هذا ليس الهوية الرقمية الوطنية. لا تُدخل رقمك المدني الحقيقي.",
        "lead": "اختر الشخص الذي تدخل به إلى البوابة التجريبية. يحصل حسابه على مستوى الموثوقية الثاني (L2).",
        "civil_id": "أو رقم مدني آخر (12 رقمًا)",
        "name": "الاسم (لرقم آخر)",
        "approve": "الموافقة والعودة إلى البوابة",
        "cancel": "إلغاء",
        "invalid": "الرقم المدني 12 رقمًا.",
    },
    "en": {
        "dir": "ltr",
        "title": "Demo identity provider",
        "banner": "For demonstration only: this is not the national digital identity. Do not enter your real "
        "civil ID number.",
        "lead": "Choose who signs in to the demo portal. Their account reaches assurance level L2.",
        "civil_id": "Or another civil ID number (12 digits)",
        "name": "Name (for another number)",
        "approve": "Approve and return to the portal",
        "cancel": "Cancel",
        "invalid": "A civil ID number has 12 digits.",
    },
}


class LoopbackOIDCProvider:
    def __init__(
        self,
        *,
        redirect_uris,
        client_id="portal-e2e",
        client_secret=None,
        token_auth_method=None,
        interactive=False,
        port=0,
    ):
        self.interactive = interactive  # the demo: /authorize shows a page instead of approving at once
        self.bind_port = port
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
        self._server = ThreadingHTTPServer(("127.0.0.1", self.bind_port), _handler_for(self))
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

    def _claims(self, person=None):
        b = self.behaviour
        claims = {"name": b.name, "given_name": b.given_name, "family_name": b.family_name, "locale": "ar"}
        claims["email"], claims["email_verified"] = b.email, True
        civil_id = b.civil_id
        if person:  # chosen on the demonstration page
            civil_id = person["civil_id"]
            given, _, family = person["name"].partition(" ")
            claims.update(name=person["name"], given_name=given, family_name=family or given)
            claims.pop("email"), claims.pop("email_verified")
        if civil_id is not None:
            claims[b.civil_id_claim] = civil_id
        sub = b.sub if b.sub is not None else str(civil_id or "anonymous-subject")
        return {"sub": sub, **claims, **b.extra_claims}

    def refuse(self, reason):
        self.refusals.append(reason)
        return reason

    def handle_authorize(self, query, form=None):
        """GET /authorize (`form` None) and, on the demonstration page, its POST. A (status, answer) pair: 302 and
        the redirect URI, 200 and the page, or a 4xx and why."""
        q = {k: v[0] for k, v in parse_qs(query).items()}
        if form is not None:
            q = {k: v for k, v in form.items() if k in _AUTHORIZE_PARAMETERS}
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
        person = None
        if self.interactive:
            if form is None or "approve" not in form:
                if form is not None:  # "Cancel": the citizen refused, as on their phone
                    back["error"] = "access_denied"
                    return 302, f"{q['redirect_uri']}?{urlencode(back)}"
                return 200, self.demo_page(q)
            typed = "".join(form.get("civil_id", "").split())
            civil_id = typed or form.get("person", "")
            if len(civil_id) != 12 or not civil_id.isascii() or not civil_id.isdigit():
                return 200, self.demo_page(q, error=True, civil_id=form.get("civil_id", ""))
            name = form.get("name", "").strip()[:150] or dict(DEMO_PEOPLE).get(civil_id) or "Demo citizen"
            person = {"civil_id": civil_id, "name": name}
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
                    "person": person,
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
        claims = self._claims(grant["person"])
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

    def demo_page(self, query, *, error=False, civil_id=None):
        """The demonstration page: who signs in, clearly labelled as not the national digital identity."""
        language = "en" if query.get("ui_locales", "").startswith("en") else "ar"
        text = DEMO_TEXT[language]
        e = html.escape
        hidden = "".join(
            f'<input type="hidden" name="{e(k)}" value="{e(v)}">'
            for k, v in query.items()
            if k in _AUTHORIZE_PARAMETERS
        )
        people = "".join(
            f'<li><label><input type="radio" name="person" value="{e(number)}"'
            f'{" checked" if i == 0 else ""}> <span dir="auto">{e(name)}</span> '
            f'<span dir="ltr">{e(number)}</span></label></li>'
            for i, (number, name) in enumerate(DEMO_PEOPLE)
        )
        number = e(civil_id or "")
        problem = f'<p role="alert" class="error">{e(text["invalid"])}</p>' if error else ""
        return f"""<!doctype html>
<html lang="{language}" dir="{text["dir"]}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(text["title"])}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 36rem; margin: 2rem auto; padding: 0 1rem; color: #1a1a1a; }}
.banner {{ background: #fff3cd; border: 2px solid #8a6d00; padding: .75rem 1rem; font-weight: bold; }}
.error {{ color: #a40000; font-weight: bold; }}
label {{ display: block; margin: .5rem 0 .25rem; }}
input[type=text] {{ font-size: 1rem; padding: .4rem; width: 100%; box-sizing: border-box; }}
ul {{ list-style: none; padding: 0; }}
button {{ font-size: 1rem; padding: .5rem 1rem; margin-top: 1rem; }}
</style></head>
<body><main>
<h1>{e(text["title"])}</h1>
<p class="banner" role="note">{e(text["banner"])}</p>
<p>{e(text["lead"])}</p>
<form method="post" action="/authorize">{hidden}
<ul>{people}</ul>
{problem}
<label for="civil_id">{e(text["civil_id"])}</label>
<input type="text" id="civil_id" name="civil_id" value="{number}" dir="ltr" inputmode="numeric">
<label for="name">{e(text["name"])}</label>
<input type="text" id="name" name="name" dir="auto">
<button type="submit" name="approve" value="1">{e(text["approve"])}</button>
<button type="submit" name="cancel" value="1">{e(text["cancel"])}</button>
</form></main></body></html>"""

    def handle_userinfo(self, authorization):
        token = authorization[7:] if authorization.startswith("Bearer ") else ""
        with self._lock:
            claims = self.tokens.get(token)
        if claims is None:
            return 401, {"error": self.refuse("invalid_token")}
        return 200, claims


_AUTHORIZE_PARAMETERS = (
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
    "nonce",
    "ui_locales",
)


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
                self._send_authorize(*provider.handle_authorize(parts.query))
            elif parts.path == "/userinfo":
                self._send(*provider.handle_userinfo(authorization))
            else:
                self._send(404, "not found")

        def _send_authorize(self, status, answer):
            if status == 302:
                self._send(302, location=answer)
            elif status == 200:
                self._send_page(answer)
            else:
                self._send(status, answer)

        def _send_page(self, page):
            payload = page.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Frame-Options", "DENY")
            self.end_headers()
            self.wfile.write(payload)

        def do_POST(self):
            parts = urlsplit(self.path)
            provider.requests.append(("POST", parts.path))
            length = int(self.headers.get("Content-Length") or 0)
            if parts.path not in ("/token", "/authorize") or length > 16_384:
                self._send(404 if parts.path not in ("/token", "/authorize") else 413, "no")
                return
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            if parts.path == "/authorize":
                if not provider.interactive:
                    self._send(405, "no")
                else:
                    self._send_authorize(*provider.handle_authorize("", form=form))
                return
            self._send(*provider.handle_token(form, self.headers.get("Authorization", "")))

    return Handler
