"""Signed receipts: a compact, signed statement that something happened on the portal — a petition was
signed, a ballot was cast (never the choice), a payment was made — when, and for whom (a pseudonym).

A receipt is a JWS in compact form, `header.payload.signature`, each part base64url without padding:

    header   {"alg": "EdDSA", "typ": "portal-receipt+jws", "kid": "<key id>"}
    payload  {"iss", "kind", "sub", "ref", "iat", "exp"?, "jti", ...other claims}

signed with Ed25519. The encoding is written out here (it is a few lines) rather than borrowed from a JWT
library, so the accepted format is exactly this one: one algorithm, three header fields, canonical base64url.

Keys rotate: every receipt names the key that signed it, and retired public keys stay published at
`/.well-known/jwks.json` so old receipts keep verifying. See docs/receipts.md.
"""

import base64
import binascii
import hashlib
import json
import os
import re
import secrets
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext, gettext_lazy

ALGORITHM = "EdDSA"
TOKEN_TYPE = "portal-receipt+jws"
HEADER_FIELDS = frozenset({"alg", "typ", "kid"})
REGISTERED_CLAIMS = frozenset({"iss", "kind", "sub", "ref", "iat", "exp", "jti", "nbf", "aud"})
# What a ballot receipt must never reveal. Checked at every depth of the extra claims.
FORBIDDEN_CLAIMS = frozenset({"choice", "choices", "option", "options", "vote", "votes"})
# Long enough for any receipt the portal issues; anything longer is refused before it is decoded.
MAX_RECEIPT_LENGTH = 8192
MAX_REFERENCE_LENGTH = 200
MAX_KEY_ID_LENGTH = 128

# What a receipt can say happened. A new kind is added here (and in docs/receipts.md), nowhere else.
RECEIPT_KINDS = {
    "petition.signed": gettext_lazy("A petition was signed"),
    "ballot.cast": gettext_lazy("A ballot was cast"),
    "consultation.responded": gettext_lazy("A response to a public consultation was submitted"),
    "payment.succeeded": gettext_lazy("A payment was made"),
    "payment.refunded": gettext_lazy("A payment was refunded"),
    "request.submitted": gettext_lazy("A request was submitted"),
    "request.decided": gettext_lazy("A decision was made on a request"),
}

SUBJECT_LENGTH = 22  # 128 bits of HMAC in base64url
_SUBJECT_PATTERN = re.compile(rf"[A-Za-z0-9_-]{{{SUBJECT_LENGTH}}}")
_SUBJECT_SALT = "identity.receipts.pseudonymous_subject"
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
_KEY_ID = re.compile(rf"[A-Za-z0-9._:-]{{1,{MAX_KEY_ID_LENGTH}}}")
_WHITESPACE = re.compile(r"\s+")

GENERATED_KEYS_FOLDER = "receipt-keys"
ACTIVE_KEY_FILENAME = "active.pem"
RETIRED_KEYS_FILENAME = "retired.jwks.json"


# --- Verification ------------------------------------------------------------------------------------


def _reason_messages():
    return {
        "ok": gettext("This receipt is genuine: the portal signed it and it has not been changed."),
        "malformed": gettext("This is not a receipt, or it was copied incompletely."),
        "unsupported_algorithm": gettext("This receipt was signed with a method the portal does not accept."),
        "unsupported_header": gettext("This receipt carries header fields the portal does not accept."),
        "unknown_key": gettext("This receipt names a signing key that the portal does not publish."),
        "bad_signature": gettext("The signature does not match: the receipt was changed or forged."),
        "wrong_issuer": gettext("This receipt was not issued by this portal."),
        "expired": gettext("This receipt has expired."),
    }


REASONS = (
    "ok",
    "malformed",
    "unsupported_algorithm",
    "unsupported_header",
    "unknown_key",
    "bad_signature",
    "wrong_issuer",
    "expired",
)


@dataclass(frozen=True)
class Verification:
    """The answer to "is this receipt genuine?". `reason` is a stable machine code (see REASONS); `message`
    says the same in the active language. `claims` are given only for a valid receipt."""

    valid: bool
    reason: str
    message: str
    claims: dict | None = None
    key_id: str | None = None

    @property
    def kind(self):
        return self.claims.get("kind") if self.claims else None

    @property
    def kind_label(self):
        kind = self.kind
        return RECEIPT_KINDS.get(kind, kind) if kind else None

    @property
    def issued_at(self):
        return _timestamp(self.claims.get("iat")) if self.claims else None

    @property
    def expires_at(self):
        return _timestamp(self.claims.get("exp")) if self.claims else None

    @property
    def subject(self):
        return self.claims.get("sub") if self.claims else None

    @property
    def reference(self):
        return self.claims.get("ref") if self.claims else None

    @property
    def other_claims(self):
        """The claims a service added beyond the registered ones (an amount, a petition title…)."""
        if not self.claims:
            return {}
        return {name: value for name, value in self.claims.items() if name not in REGISTERED_CLAIMS}


def _timestamp(value):
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    return None


def _result(reason, *, claims=None, key_id=None):
    return Verification(
        valid=reason == "ok",
        reason=reason,
        message=_reason_messages()[reason],
        claims=claims,
        key_id=key_id,
    )


def verify_receipt(token, *, now: datetime | None = None) -> Verification:
    """Check a receipt: its form, its algorithm, that a published key signed it, that it is ours and not
    expired (at `now`, by default the present moment). Never raises, whatever `token` is."""
    if not isinstance(token, str) or len(token) > 4 * MAX_RECEIPT_LENGTH:
        return _result("malformed")
    # A printed or e-mailed receipt may be wrapped over lines; whitespace is never part of a receipt.
    token = _WHITESPACE.sub("", token)
    if not token or len(token) > MAX_RECEIPT_LENGTH or token.count(".") != 2:
        return _result("malformed")
    encoded_header, encoded_payload, encoded_signature = token.split(".")
    if not all(_BASE64URL.fullmatch(part) for part in (encoded_header, encoded_payload, encoded_signature)):
        return _result("malformed")
    try:
        header = _json_object(_b64decode(encoded_header))
        signature = _b64decode(encoded_signature)
    except ValueError:
        return _result("malformed")

    if header.get("alg") != ALGORITHM:
        return _result("unsupported_algorithm")
    if set(header) - HEADER_FIELDS:
        return _result("unsupported_header")
    key_id = header.get("kid")
    if header.get("typ") != TOKEN_TYPE or not isinstance(key_id, str) or not key_id:
        return _result("malformed")
    if len(key_id) > MAX_KEY_ID_LENGTH:
        return _result("unknown_key")
    public_key = _keyring().public_keys.get(key_id)
    if public_key is None:
        return _result("unknown_key", key_id=key_id)
    if len(signature) != 64:
        return _result("malformed", key_id=key_id)
    try:
        public_key.verify(signature, f"{encoded_header}.{encoded_payload}".encode("ascii"))
    except InvalidSignature:
        return _result("bad_signature", key_id=key_id)

    try:
        claims = _json_object(_b64decode(encoded_payload))
    except ValueError:
        return _result("malformed", key_id=key_id)
    if not _claims_are_well_formed(claims):
        return _result("malformed", key_id=key_id)
    if claims["iss"] != settings.RECEIPT_ISSUER:
        return _result("wrong_issuer", key_id=key_id)
    moment = (now or datetime.now(tz=UTC)).timestamp()
    if "exp" in claims and moment >= claims["exp"]:
        return _result("expired", key_id=key_id)
    return _result("ok", claims=claims, key_id=key_id)


def _claims_are_well_formed(claims):
    def is_int(value):
        return isinstance(value, int) and not isinstance(value, bool)

    return (
        all(isinstance(claims.get(name), str) for name in ("iss", "kind", "sub", "ref", "jti"))
        and is_int(claims.get("iat"))
        and ("exp" not in claims or is_int(claims["exp"]))
    )


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    """Base64url without padding, canonical only: one receipt has exactly one spelling, so a changed
    character can never decode to the same bytes."""
    if not _BASE64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error as error:
        raise ValueError("not base64url") from error
    if _b64encode(data) != text:
        raise ValueError("not canonical base64url")
    return data


def _json_object(data: bytes) -> dict:
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise ValueError("not JSON") from error
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    return value


def _json_bytes(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


# --- Issuing -----------------------------------------------------------------------------------------


def pseudonymous_subject(user_id, context: str) -> str:
    """A stable pseudonym for one person in one context (a petition, a poll, a payment): the same person
    gets the same subject in the same context and unrelated subjects in different ones, so receipts cannot
    be linked to each other or, without the portal's SECRET_KEY, to the person. The portal itself can check
    whether a receipt is a given person's by recomputing it."""
    user = str(user_id)
    if not user or not context:
        raise ValueError("pseudonymous_subject needs a user id and a context")
    # The length prefix keeps ("1", "2x") and ("12", "x") apart.
    value = f"{len(user)}:{user}|{context}"
    digest = salted_hmac(_SUBJECT_SALT, value, algorithm="sha256").digest()
    return _b64encode(digest[:16])


def issue_receipt(kind: str, subject: str, reference: str, *, expires_in: timedelta | None = None, **claims) -> str:
    """Sign a receipt and return it as a compact JWS.

    `kind` is one of RECEIPT_KINDS; `subject` comes from pseudonymous_subject(); `reference` names what the
    receipt is about (a petition's id, a payment reference). Extra keyword arguments become claims; they
    must be JSON values and may not reveal a ballot's choice."""
    if kind not in RECEIPT_KINDS:
        raise ValueError(f"unknown receipt kind {kind!r}; expected one of {sorted(RECEIPT_KINDS)}")
    if not isinstance(subject, str) or not _SUBJECT_PATTERN.fullmatch(subject):
        raise ValueError("the subject of a receipt must come from pseudonymous_subject()")
    if not isinstance(reference, str) or not reference or len(reference) > MAX_REFERENCE_LENGTH:
        raise ValueError(f"a receipt's reference is a non-empty string of at most {MAX_REFERENCE_LENGTH} characters")
    reserved = REGISTERED_CLAIMS & set(claims)
    if reserved:
        raise ValueError(f"claims {sorted(reserved)} are set by issue_receipt itself")
    _refuse_ballot_choice(claims)

    issued_at = int(time.time())
    payload = {
        "iss": settings.RECEIPT_ISSUER,
        "kind": kind,
        "sub": subject,
        "ref": reference,
        "iat": issued_at,
    }
    if expires_in is not None:
        seconds = int(expires_in.total_seconds())
        if seconds <= 0:
            raise ValueError("expires_in must be positive")
        payload["exp"] = issued_at + seconds
    payload["jti"] = secrets.token_urlsafe(16)
    payload.update(claims)
    try:
        encoded_payload = _b64encode(_json_bytes(payload))
    except (TypeError, ValueError) as error:
        raise ValueError(f"a receipt's claims must be JSON values: {error}") from error

    keyring = _keyring()
    header = {"alg": ALGORITHM, "typ": TOKEN_TYPE, "kid": keyring.active_key_id}
    signing_input = f"{_b64encode(_json_bytes(header))}.{encoded_payload}"
    signature = keyring.private_key.sign(signing_input.encode("ascii"))
    token = f"{signing_input}.{_b64encode(signature)}"
    if len(token) > MAX_RECEIPT_LENGTH:
        raise ValueError(f"a receipt may not be longer than {MAX_RECEIPT_LENGTH} characters; shorten its claims")
    return token


def _refuse_ballot_choice(value, path="claims"):
    if isinstance(value, dict):
        for name, item in value.items():
            if str(name).lower() in FORBIDDEN_CLAIMS:
                raise ValueError(f"a receipt never says what was chosen: {path}.{name} is refused")
            _refuse_ballot_choice(item, f"{path}.{name}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _refuse_ballot_choice(item, f"{path}[{index}]")


# --- Keys --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Keyring:
    """The key that signs new receipts, and every public key that still verifies (the active one included)."""

    active_key_id: str
    private_key: Ed25519PrivateKey
    public_keys: dict[str, Ed25519PublicKey] = field(default_factory=dict)

    def jwks(self):
        keys = [public_jwk(self.public_keys[self.active_key_id], self.active_key_id)]
        keys += [public_jwk(key, kid) for kid, key in self.public_keys.items() if kid != self.active_key_id]
        return {"keys": keys}


def public_jwk(public_key: Ed25519PublicKey, key_id: str) -> dict:
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": _b64encode(_raw_public_bytes(public_key)),
        "kid": key_id,
        "use": "sig",
        "alg": ALGORITHM,
    }


def thumbprint(public_key: Ed25519PublicKey) -> str:
    """The RFC 7638 JWK thumbprint (SHA-256), used as the key id of generated keys."""
    members = {"crv": "Ed25519", "kty": "OKP", "x": _b64encode(_raw_public_bytes(public_key))}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode("ascii")
    return _b64encode(hashlib.sha256(canonical).digest())


def _raw_public_bytes(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_jwks() -> dict:
    """The JSON Web Key Set published at /.well-known/jwks.json: the active key first, then the retired."""
    return _keyring().jwks()


def active_key_id() -> str:
    return _keyring().active_key_id


def active_public_key() -> tuple[str, Ed25519PublicKey]:
    keyring = _keyring()
    return keyring.active_key_id, keyring.public_keys[keyring.active_key_id]


def generated_keys_folder() -> Path:
    return Path(settings.DATA_DIR) / GENERATED_KEYS_FOLDER


def uses_generated_keys() -> bool:
    """True when no key is configured, so the portal signs with a key it generated in the data folder."""
    return not (getattr(settings, "RECEIPT_SIGNING_KEY", None) or settings.RECEIPT_SIGNING_KEY_FILE)


_cache_lock = threading.Lock()
_cache: dict = {}


def reset_key_cache():
    """Forget the loaded keys; the next receipt signed or verified reads them again."""
    with _cache_lock:
        _cache.clear()


def _keyring() -> Keyring:
    # The settings and the key files' identities decide whether the cached keys are still right, so a
    # rotation (even by another process) or a test's settings override is noticed without a restart.
    config = _config()
    cached = _cache.get("entry")
    if cached and cached[0] == config and cached[1] == _files_stamp(config):
        return cached[2]
    with _cache_lock:
        keyring = _load_keyring(config)
        _cache["entry"] = (config, _files_stamp(config), keyring)
        return keyring


def _config():
    return (
        getattr(settings, "RECEIPT_SIGNING_KEY", None) or None,
        settings.RECEIPT_SIGNING_KEY_FILE or None,
        settings.RECEIPT_SIGNING_KEY_ID or None,
        settings.RECEIPT_RETIRED_KEYS_FILE or None,
        str(generated_keys_folder()),
    )


def _files_stamp(config):
    _, key_file, _, retired_file, folder = config
    paths = [key_file, retired_file, Path(folder) / ACTIVE_KEY_FILENAME, Path(folder) / RETIRED_KEYS_FILENAME]
    stamp = []
    for path in paths:
        try:
            status = os.stat(path) if path else None
        except OSError:
            status = None
        stamp.append((status.st_ino, status.st_mtime_ns, status.st_size) if status else None)
    return tuple(stamp)


def _load_keyring(config) -> Keyring:
    key_text, key_file, key_id, retired_file, folder = config
    folder = Path(folder)
    if key_text and key_file:
        raise ImproperlyConfigured("Set RECEIPT_SIGNING_KEY or RECEIPT_SIGNING_KEY_FILE, not both.")
    if key_text:
        private_key = load_private_key(key_text.encode("utf-8"), "RECEIPT_SIGNING_KEY")
    elif key_file:
        try:
            data = Path(key_file).read_bytes()
        except OSError as error:
            raise ImproperlyConfigured(f"RECEIPT_SIGNING_KEY_FILE {key_file} cannot be read: {error}") from error
        private_key = load_private_key(data, key_file)
    else:
        private_key = _generated_active_key(folder)
        key_id = None  # a generated key is always named by its thumbprint
    public_key = private_key.public_key()
    key_id = key_id or thumbprint(public_key)
    if not _KEY_ID.fullmatch(key_id):
        raise ImproperlyConfigured(
            "RECEIPT_SIGNING_KEY_ID may hold only letters, digits and . _ : - (at most 128 characters)."
        )

    public_keys = {key_id: public_key}
    retired_sources = [Path(retired_file)] if retired_file else []
    generated_retired = folder / RETIRED_KEYS_FILENAME
    if generated_retired.exists():
        retired_sources.append(generated_retired)
    for source in retired_sources:
        for kid, retired_key in read_jwks_file(source).items():
            known = public_keys.get(kid)
            if known is not None and _raw_public_bytes(known) != _raw_public_bytes(retired_key):
                raise ImproperlyConfigured(f"Key id {kid} names two different keys (see {source}).")
            public_keys.setdefault(kid, retired_key)
    return Keyring(active_key_id=key_id, private_key=private_key, public_keys=public_keys)


def load_private_key(data: bytes, source: str) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as error:
        raise ImproperlyConfigured(f"{source} is not an unencrypted PEM private key: {error}") from error
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured(f"{source} is not an Ed25519 key.")
    return key


def private_key_pem(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def read_jwks_file(path: Path) -> dict[str, Ed25519PublicKey]:
    """The Ed25519 public keys of a JWKS file, by key id. A key the portal cannot use is a configuration
    error, not something to skip silently: a receipt it signed would stop verifying."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ImproperlyConfigured(f"The retired keys file {path} cannot be read as JSON: {error}") from error
    entries = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise ImproperlyConfigured(f'The retired keys file {path} must be a JWKS: {{"keys": [...]}}.')
    keys = {}
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("kty") != "OKP" or entry.get("crv") != "Ed25519":
            raise ImproperlyConfigured(f"{path}: every key must be an OKP Ed25519 public key.")
        if entry.get("alg", ALGORITHM) != ALGORITHM or entry.get("use", "sig") != "sig" or "d" in entry:
            raise ImproperlyConfigured(f"{path}: keys must be public signing keys (use sig, alg EdDSA).")
        kid = entry.get("kid")
        if not isinstance(kid, str) or not _KEY_ID.fullmatch(kid):
            raise ImproperlyConfigured(f"{path}: every key needs a kid of letters, digits and . _ : -.")
        try:
            raw = _b64decode(entry.get("x") if isinstance(entry.get("x"), str) else "")
            if len(raw) != 32:
                raise ValueError("an Ed25519 public key is 32 bytes")
            keys[kid] = Ed25519PublicKey.from_public_bytes(raw)
        except ValueError as error:
            raise ImproperlyConfigured(f"{path}: key {kid} has an invalid x: {error}") from error
    return keys


def _generated_active_key(folder: Path) -> Ed25519PrivateKey:
    path = folder / ACTIVE_KEY_FILENAME
    if not path.exists():
        _write_new_file(path, private_key_pem(Ed25519PrivateKey.generate()), replace=False)
    return load_private_key(path.read_bytes(), str(path))


def _write_new_file(path: Path, data: bytes, *, replace: bool, mode: int = 0o600):
    """Write a file whole and atomically, readable by its owner only. Without `replace`, a file another
    process created first wins, so two processes starting together agree on one key."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        if replace:
            os.replace(temporary, path)
        else:
            try:
                os.link(temporary, path)
            except FileExistsError:
                pass
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def write_jwks_file(path: Path, keys: dict[str, Ed25519PublicKey]):
    document = {"keys": [public_jwk(key, kid) for kid, key in keys.items()]}
    text = json.dumps(document, indent=2) + "\n"
    _write_new_file(Path(path), text.encode("utf-8"), replace=True, mode=0o644)


def retire_public_key(path: Path, public_key: Ed25519PublicKey, key_id: str):
    """Add a public key to a JWKS file of retired keys (creating it), unless it is there already."""
    path = Path(path)
    keys = read_jwks_file(path) if path.exists() else {}
    known = keys.get(key_id)
    if known is not None and _raw_public_bytes(known) != _raw_public_bytes(public_key):
        raise ImproperlyConfigured(f"{path} already holds a different key named {key_id}.")
    keys.setdefault(key_id, public_key)
    write_jwks_file(path, keys)


def rotate_generated_key() -> str:
    """Retire the generated active key (its public half stays published) and make a new one. Returns the
    new key id. Only for the generated keys; configured keys rotate as docs/receipts.md describes."""
    if not uses_generated_keys():
        raise ImproperlyConfigured(
            "The signing key is configured (RECEIPT_SIGNING_KEY_FILE or RECEIPT_SIGNING_KEY); rotate it as "
            "docs/receipts.md describes."
        )
    folder = generated_keys_folder()
    with _cache_lock:
        current = _generated_active_key(folder)
        # Publish the old key as retired before anything signs with the new one.
        retire_public_key(folder / RETIRED_KEYS_FILENAME, current.public_key(), thumbprint(current.public_key()))
        new_key = Ed25519PrivateKey.generate()
        _write_new_file(folder / ACTIVE_KEY_FILENAME, private_key_pem(new_key), replace=True)
        _cache.clear()
    return thumbprint(new_key.public_key())
