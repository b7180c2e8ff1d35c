import base64
import hashlib
import hmac
import json
import os
import time
from datetime import UTC, datetime, timedelta

import pytest
import segno
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import formats, timezone, translation

from identity import receipts
from identity.receipts import issue_receipt, pseudonymous_subject, public_jwks, verify_receipt

ISSUER = "https://portal.example.kw"
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


@pytest.fixture(autouse=True)
def generated_keys(settings, tmp_path):
    """Every test signs with keys of its own: generated in a temporary data folder unless it configures one."""
    settings.DATA_DIR = tmp_path
    settings.RECEIPT_SIGNING_KEY = None
    settings.RECEIPT_SIGNING_KEY_FILE = None
    settings.RECEIPT_SIGNING_KEY_ID = None
    settings.RECEIPT_RETIRED_KEYS_FILE = None
    settings.RECEIPT_ISSUER = ISSUER
    receipts.reset_key_cache()
    yield tmp_path / receipts.GENERATED_KEYS_FOLDER
    receipts.reset_key_cache()


@pytest.fixture
def signing_key(settings, tmp_path):
    """A configured key file, so a test holds the private key and can sign tokens of its own making."""
    key = Ed25519PrivateKey.generate()
    path = tmp_path / "signing.pem"
    path.write_bytes(receipts.private_key_pem(key))
    settings.RECEIPT_SIGNING_KEY_FILE = str(path)
    settings.RECEIPT_SIGNING_KEY_ID = "portal-2026-01"
    return key


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(header: dict, payload: dict, key: Ed25519PrivateKey) -> str:
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"
    return f"{signing_input}.{b64(key.sign(signing_input.encode()))}"


def header(**changes):
    return {"alg": "EdDSA", "typ": "portal-receipt+jws", "kid": "portal-2026-01", **changes}


def claims(**changes):
    now = int(time.time())
    payload = {
        "iss": ISSUER,
        "kind": "petition.signed",
        "sub": pseudonymous_subject(1, "petition:1"),
        "ref": "PET-1",
        "iat": now,
        "jti": "abc",
    }
    payload.update(changes)
    return {name: value for name, value in payload.items() if value is not None}


def petition_receipt(**options):
    return issue_receipt("petition.signed", pseudonymous_subject(7, "petition:12"), "PET-12", **options)


# --- Issuing and verifying ------------------------------------------------------------------------------


def test_a_receipt_verifies_and_says_what_happened():
    before = int(time.time())
    token = petition_receipt(title="Extend library hours")
    encoded_header, encoded_payload, _ = token.split(".")

    verification = verify_receipt(token)

    assert verification.valid and verification.reason == "ok"
    assert json.loads(unb64(encoded_header)) == {
        "alg": "EdDSA",
        "typ": "portal-receipt+jws",
        "kid": receipts.active_key_id(),
    }
    assert verification.key_id == receipts.active_key_id()
    payload = json.loads(unb64(encoded_payload))
    assert payload == verification.claims
    assert payload["iss"] == ISSUER
    assert payload["kind"] == "petition.signed"
    assert payload["sub"] == pseudonymous_subject(7, "petition:12")
    assert payload["ref"] == "PET-12"
    assert payload["title"] == "Extend library hours"
    assert before <= payload["iat"] <= int(time.time())
    assert "exp" not in payload
    assert verification.other_claims == {"title": "Extend library hours"}
    with translation.override("en"):
        assert str(verification.kind_label) == "A petition was signed"
    with translation.override("ar"):
        assert str(verification.kind_label) == "تم التوقيع على عريضة"


def test_every_receipt_has_its_own_id():
    first, second = (verify_receipt(petition_receipt()).claims["jti"] for _ in range(2))
    assert first and second and first != second


def test_a_receipt_wrapped_over_lines_still_verifies():
    token = petition_receipt()
    wrapped = "\n".join(token[i : i + 64] for i in range(0, len(token), 64))
    assert verify_receipt(f"  {wrapped}\n").valid


def _segment_of(token, index):
    first, second = token.index("."), token.rindex(".")
    if index in (first, second):
        return "separator"
    return "header" if index < first else "payload" if index < second else "signature"


def test_changing_any_single_character_makes_the_receipt_invalid():
    token = petition_receipt()
    expected = {
        "header": {"malformed", "unsupported_algorithm", "unsupported_header", "unknown_key", "bad_signature"},
        "payload": {"bad_signature"},
        # The signature's last character carries padding bits: changing only those is non-canonical base64.
        "signature": {"bad_signature", "malformed"},
        "separator": {"malformed"},
    }
    for index, character in enumerate(token):
        segment = _segment_of(token, index)
        if character == ".":
            replacements = {"A": expected[segment], "-": expected[segment]}
        else:
            value = ALPHABET.index(character)
            replacements = {ALPHABET[value ^ 1]: expected[segment], ALPHABET[value ^ 32]: expected[segment]}
            replacements["="] = {"malformed"}
        for replacement, reasons in replacements.items():
            altered = token[:index] + replacement + token[index + 1 :]
            verification = verify_receipt(altered)
            assert not verification.valid, (index, replacement)
            assert verification.reason in reasons, (index, replacement, verification)
            assert verification.claims is None


def test_flipping_any_bit_of_the_payload_or_signature_is_a_bad_signature():
    encoded_header, encoded_payload, encoded_signature = petition_receipt().split(".")
    payload, signature = unb64(encoded_payload), unb64(encoded_signature)
    for index in range(len(payload)):
        altered = bytearray(payload)
        altered[index] ^= 0x01
        verification = verify_receipt(f"{encoded_header}.{b64(bytes(altered))}.{encoded_signature}")
        assert verification.reason == "bad_signature", index
    for index in range(len(signature)):
        altered = bytearray(signature)
        altered[index] ^= 0x80
        verification = verify_receipt(f"{encoded_header}.{encoded_payload}.{b64(bytes(altered))}")
        assert verification.reason == "bad_signature", index


def test_flipping_any_bit_of_the_header_makes_the_receipt_invalid():
    encoded_header, rest = petition_receipt().split(".", 1)
    raw = unb64(encoded_header)
    for index in range(len(raw)):
        for bit in (0x01, 0x20):
            altered = bytearray(raw)
            altered[index] ^= bit
            verification = verify_receipt(f"{b64(bytes(altered))}.{rest}")
            assert not verification.valid and verification.reason != "ok", (index, bit)


def test_a_receipt_signed_with_an_unpublished_key_is_an_unknown_key(signing_key):
    intruder = Ed25519PrivateKey.generate()
    verification = verify_receipt(sign(header(kid="someone-else"), claims(), intruder))
    assert (verification.valid, verification.reason, verification.key_id) == (False, "unknown_key", "someone-else")


def test_a_receipt_forged_under_a_published_key_id_has_a_bad_signature(signing_key):
    assert verify_receipt(sign(header(), claims(), signing_key)).valid
    intruder = Ed25519PrivateKey.generate()
    verification = verify_receipt(sign(header(), claims(), intruder))
    assert (verification.valid, verification.reason) == (False, "bad_signature")


def test_an_expired_receipt_is_invalid():
    token = petition_receipt(expires_in=timedelta(hours=1))
    exp = verify_receipt(token).claims["exp"]
    assert exp - verify_receipt(token).claims["iat"] == 3600
    assert verify_receipt(token, now=datetime.now(tz=UTC) + timedelta(minutes=30)).valid
    late = verify_receipt(token, now=datetime.now(tz=UTC) + timedelta(hours=2))
    assert (late.valid, late.reason, late.claims) == (False, "expired", None)


def test_a_receipt_past_its_expiry_is_expired_now(signing_key):
    expired = sign(header(), claims(iat=int(time.time()) - 7200, exp=int(time.time()) - 60), signing_key)
    assert verify_receipt(expired).reason == "expired"


@pytest.mark.parametrize(
    "algorithm",
    ["none", "None", "HS256", "RS256", "ES256", "Ed25519", "", None],
)
def test_any_algorithm_but_eddsa_is_unsupported(signing_key, algorithm):
    forged_header = b64(json.dumps(header(alg=algorithm)).encode())
    signing_input = f"{forged_header}.{b64(json.dumps(claims()).encode())}"
    # The classic confusion attack: an HMAC keyed with the public key, which anyone can read.
    public_x = public_jwks()["keys"][0]["x"].encode()
    mac = hmac.new(public_x, signing_input.encode(), hashlib.sha256).digest()
    for token in (f"{signing_input}.", f"{signing_input}.{b64(mac)}"):
        verification = verify_receipt(token)
        assert (verification.valid, verification.reason) == (False, "unsupported_algorithm")


@pytest.mark.parametrize(
    "extra",
    [
        {"jku": "https://evil.example/jwks.json"},
        {"x5u": "https://evil.example/cert.pem"},
        {"jwk": {"kty": "OKP", "crv": "Ed25519", "x": "AAAA"}},
        {"crit": ["b64"], "b64": False},
    ],
)
def test_a_header_that_points_elsewhere_for_its_key_is_refused_even_when_signed(signing_key, extra):
    verification = verify_receipt(sign(header(**extra), claims(), signing_key))
    assert (verification.valid, verification.reason) == (False, "unsupported_header")


@pytest.mark.parametrize(
    "changes",
    [{"typ": "JWT"}, {"typ": None}, {"kid": None}, {"kid": 7}, {"kid": ""}],
)
def test_a_header_without_our_type_or_a_key_id_is_malformed(signing_key, changes):
    forged = header(**changes)
    forged = {name: value for name, value in forged.items() if value is not None}
    assert verify_receipt(sign(forged, claims(), signing_key)).reason == "malformed"


def test_a_receipt_of_another_issuer_is_invalid(signing_key, settings):
    assert verify_receipt(sign(header(), claims(iss="https://elsewhere.example"), signing_key)).reason == (
        "wrong_issuer"
    )
    token = petition_receipt()
    settings.RECEIPT_ISSUER = "https://new-portal.example.kw"
    assert verify_receipt(token).reason == "wrong_issuer"


@pytest.mark.parametrize(
    "changes",
    [{"sub": None}, {"iat": "yesterday"}, {"iat": True}, {"exp": "soon"}, {"kind": 3}, {"ref": None}],
)
def test_signed_claims_of_the_wrong_shape_are_malformed(signing_key, changes):
    assert verify_receipt(sign(header(), claims(**changes), signing_key)).reason == "malformed"


def test_base64_that_is_not_canonical_base64url_is_malformed():
    encoded_header, encoded_payload, encoded_signature = petition_receipt().split(".")
    padded = encoded_signature + "=" * (-len(encoded_signature) % 4)
    standard_alphabet = encoded_header.replace("-", "+").replace("_", "/")
    assert verify_receipt(f"{encoded_header}.{encoded_payload}.{padded}").reason == "malformed"
    if standard_alphabet != encoded_header:
        assert verify_receipt(f"{standard_alphabet}.{encoded_payload}.{encoded_signature}").reason == "malformed"
    assert verify_receipt(f"{encoded_header}.{encoded_payload}.{encoded_signature[:-1]}").reason == "malformed"


@pytest.mark.parametrize(
    "token",
    [
        None,
        "",
        "   ",
        "a",
        "a.b",
        "..",
        "a.b.c.d",
        "not a receipt at all",
        "é.é.é",
        "\x00.\x00.\x00",
        "x" * 100_000,
        "." * 10_000,
        12345,
        b"eyJ.eyJ.sig",
        ["a", "b", "c"],
        b64(b"[" * 5000) + ".e30.",
        b64(b'"just a string"') + ".e30.",
        b64(b"\xff\xfe") + ".e30.",
    ],
)
def test_garbage_is_malformed_and_never_raises(token):
    verification = verify_receipt(token)
    assert (verification.valid, verification.reason, verification.claims) == (False, "malformed", None)
    assert verification.message


def test_a_huge_token_of_receipt_shape_is_malformed():
    token = petition_receipt()
    encoded_header, encoded_payload, encoded_signature = token.split(".")
    assert verify_receipt(f"{encoded_header}.{encoded_payload}{'A' * 10_000}.{encoded_signature}").reason == (
        "malformed"
    )


# --- What may be in a receipt ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["choice", "choices", "option", "options", "vote", "Choice", "VOTE"])
def test_a_ballot_receipt_never_carries_the_choice(name):
    subject = pseudonymous_subject(7, "poll:3")
    with pytest.raises(ValueError, match="never says what was chosen"):
        issue_receipt("ballot.cast", subject, "POLL-3", **{name: "yes"})


def test_a_choice_hidden_deeper_in_the_claims_is_refused_too():
    subject = pseudonymous_subject(7, "poll:3")
    with pytest.raises(ValueError, match="never says what was chosen"):
        issue_receipt("ballot.cast", subject, "POLL-3", ballot={"question": 1, "choice": "no"})
    with pytest.raises(ValueError, match="never says what was chosen"):
        issue_receipt("ballot.cast", subject, "POLL-3", answers=[{"option": 2}])


def test_a_ballot_receipt_says_only_that_a_ballot_was_cast():
    token = issue_receipt("ballot.cast", pseudonymous_subject(7, "poll:3"), "POLL-3")
    verification = verify_receipt(token)
    assert verification.valid and verification.kind == "ballot.cast"
    assert set(verification.claims) == {"iss", "kind", "sub", "ref", "iat", "jti"}


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown receipt kind"):
        issue_receipt("petition.signd", pseudonymous_subject(7, "petition:12"), "PET-12")


@pytest.mark.parametrize("subject", ["citizen@example.kw", "289010112345", "", 7, "A" * 21, "A" * 23])
def test_a_subject_that_is_not_a_pseudonym_is_refused(subject):
    with pytest.raises(ValueError, match="pseudonymous_subject"):
        issue_receipt("petition.signed", subject, "PET-12")


@pytest.mark.parametrize("name", ["iss", "sub", "exp", "iat", "jti", "ref", "nbf", "aud"])
def test_registered_claims_cannot_be_overridden(name):
    with pytest.raises(ValueError, match="set by issue_receipt"):
        petition_receipt(**{name: "x"})


def test_claims_must_be_json_values_and_the_receipt_must_stay_short():
    with pytest.raises(ValueError, match="JSON values"):
        petition_receipt(when=datetime.now())
    with pytest.raises(ValueError, match="longer than"):
        petition_receipt(note="x" * receipts.MAX_RECEIPT_LENGTH)
    with pytest.raises(ValueError, match="expires_in must be positive"):
        petition_receipt(expires_in=timedelta(seconds=0))
    with pytest.raises(ValueError, match="reference"):
        issue_receipt("petition.signed", pseudonymous_subject(7, "petition:12"), "")


def test_pseudonymous_subjects_are_stable_per_context_and_unlinkable_across_contexts(settings):
    subject = pseudonymous_subject(7, "petition:12")
    assert subject == pseudonymous_subject(7, "petition:12") == pseudonymous_subject("7", "petition:12")
    assert len(subject) == receipts.SUBJECT_LENGTH
    others = {
        pseudonymous_subject(7, "petition:13"),
        pseudonymous_subject(8, "petition:12"),
        pseudonymous_subject(7, "poll:12"),
    }
    assert subject not in others and len(others) == 3
    # The user id and the context cannot slide into each other.
    assert pseudonymous_subject(7, "1:petition") != pseudonymous_subject(71, ":petition")
    assert pseudonymous_subject("7|1", "x") != pseudonymous_subject("7", "1|x")
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    assert pseudonymous_subject(7, "petition:12") != subject


# --- Keys and rotation ----------------------------------------------------------------------------------


def test_generated_key_is_kept_private_and_named_by_its_thumbprint(generated_keys):
    petition_receipt()
    key_file = generated_keys / receipts.ACTIVE_KEY_FILENAME
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert generated_keys.stat().st_mode & 0o077 == 0
    (only_key,) = public_jwks()["keys"]
    public = Ed25519PublicKey.from_public_bytes(unb64(only_key["x"]))
    assert only_key["kid"] == receipts.thumbprint(public) == receipts.active_key_id()
    # Keys survive a restart: the next process reads the same key instead of making a new one.
    receipts.reset_key_cache()
    assert receipts.active_key_id() == only_key["kid"]


def test_key_ids_are_rfc_7638_thumbprints():
    # The example key of RFC 8037, appendix A.3.
    public = Ed25519PublicKey.from_public_bytes(unb64("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"))
    assert receipts.thumbprint(public) == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


def test_after_rotation_old_receipts_still_verify_and_new_ones_carry_the_new_key(generated_keys, capsys):
    old_token = petition_receipt()
    old_kid = receipts.active_key_id()

    call_command("receipt_keys", "rotate")
    new_kid = capsys.readouterr().out.strip()

    assert new_kid and new_kid != old_kid
    assert receipts.active_key_id() == new_kid
    new_token = petition_receipt()
    assert json.loads(unb64(new_token.split(".")[0]))["kid"] == new_kid
    assert verify_receipt(new_token).key_id == new_kid
    old = verify_receipt(old_token)
    assert (old.valid, old.key_id) == (True, old_kid)
    assert [key["kid"] for key in public_jwks()["keys"]] == [new_kid, old_kid]
    assert (generated_keys / receipts.ACTIVE_KEY_FILENAME).stat().st_mode & 0o777 == 0o600

    call_command("receipt_keys", "rotate")
    assert verify_receipt(old_token).valid and verify_receipt(new_token).valid
    assert len(public_jwks()["keys"]) == 3


def test_a_key_changed_on_disk_by_another_process_is_noticed_without_a_restart(generated_keys):
    petition_receipt()
    first = receipts.active_key_id()
    replacement = Ed25519PrivateKey.generate()
    staged = generated_keys / "staged.pem"
    staged.write_bytes(receipts.private_key_pem(replacement))
    os.replace(staged, generated_keys / receipts.ACTIVE_KEY_FILENAME)
    assert receipts.active_key_id() == receipts.thumbprint(replacement.public_key()) != first


def test_configured_key_rotation_keeps_old_receipts_verifying(settings, tmp_path, signing_key, capsys):
    old_token = petition_receipt()
    assert verify_receipt(old_token).key_id == "portal-2026-01"
    retired_file = tmp_path / "retired.jwks.json"

    call_command("receipt_keys", "generate", "--out", str(tmp_path / "next.pem"))
    new_kid = capsys.readouterr().out.strip()
    call_command("receipt_keys", "retire", "--into", str(retired_file))
    settings.RECEIPT_RETIRED_KEYS_FILE = str(retired_file)
    settings.RECEIPT_SIGNING_KEY_FILE = str(tmp_path / "next.pem")
    settings.RECEIPT_SIGNING_KEY_ID = new_kid

    assert (tmp_path / "next.pem").stat().st_mode & 0o777 == 0o600
    assert verify_receipt(old_token).valid and verify_receipt(old_token).key_id == "portal-2026-01"
    assert verify_receipt(petition_receipt()).key_id == new_kid
    assert [key["kid"] for key in public_jwks()["keys"]] == [new_kid, "portal-2026-01"]


def test_a_configured_key_is_not_rotated_by_the_command(signing_key):
    with pytest.raises(CommandError, match="docs/receipts.md"):
        call_command("receipt_keys", "rotate")


def test_generate_never_overwrites_a_key(tmp_path):
    existing = tmp_path / "key.pem"
    existing.write_text("precious")
    with pytest.raises(CommandError, match="exists"):
        call_command("receipt_keys", "generate", "--out", str(existing))
    assert existing.read_text() == "precious"


def test_a_key_may_come_from_the_environment_as_pem_text(settings):
    key = Ed25519PrivateKey.generate()
    settings.RECEIPT_SIGNING_KEY = receipts.private_key_pem(key).decode()
    assert receipts.active_key_id() == receipts.thumbprint(key.public_key())
    assert verify_receipt(petition_receipt()).valid


def test_a_retired_keys_file_with_a_private_key_in_it_is_refused(settings, tmp_path):
    leaked = dict(public_jwks()["keys"][0], kid="old", d="c2VjcmV0")
    retired_file = tmp_path / "retired.jwks.json"
    retired_file.write_text(json.dumps({"keys": [leaked]}))
    settings.RECEIPT_RETIRED_KEYS_FILE = str(retired_file)
    with pytest.raises(ImproperlyConfigured, match="public"):
        public_jwks()


def test_a_configured_key_that_is_not_ed25519_is_refused(settings, tmp_path):
    bad = tmp_path / "bad.pem"
    bad.write_text("-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n")
    settings.RECEIPT_SIGNING_KEY_FILE = str(bad)
    with pytest.raises(ImproperlyConfigured):
        petition_receipt()


def test_show_prints_the_published_key_set(capsys):
    call_command("receipt_keys", "show")
    assert json.loads(capsys.readouterr().out) == public_jwks()


def test_a_receipt_verifies_offline_with_only_the_published_keys():
    """The recipe of docs/receipts.md: nothing of the portal but its JWKS."""
    token = petition_receipt()
    jwks = Client().get("/.well-known/jwks.json").json()

    encoded_header, encoded_payload, encoded_signature = token.split(".")
    token_header = json.loads(unb64(encoded_header))
    assert token_header["alg"] == "EdDSA"
    key = next(key for key in jwks["keys"] if key["kid"] == token_header["kid"])
    public_key = Ed25519PublicKey.from_public_bytes(unb64(key["x"]))
    public_key.verify(unb64(encoded_signature), f"{encoded_header}.{encoded_payload}".encode())
    assert json.loads(unb64(encoded_payload))["ref"] == "PET-12"
    with pytest.raises(InvalidSignature):
        public_key.verify(unb64(encoded_signature), f"{encoded_header}.{encoded_payload}x".encode())


# --- Web: JWKS, API and the public page -----------------------------------------------------------------


def test_jwks_endpoint_publishes_every_verifying_key_to_anyone(client):
    old_kid = receipts.active_key_id()
    receipts.rotate_generated_key()
    response = client.get("/.well-known/jwks.json")

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "public" in response["Cache-Control"] and "max-age=300" in response["Cache-Control"]
    keys = response.json()["keys"]
    assert [key["kid"] for key in keys] == [receipts.active_key_id(), old_kid]
    for key in keys:
        assert set(key) == {"kty", "crv", "x", "kid", "use", "alg"}
        assert (key["kty"], key["crv"], key["use"], key["alg"]) == ("OKP", "Ed25519", "sig", "EdDSA")
        assert len(unb64(key["x"])) == 32
    assert client.post("/.well-known/jwks.json").status_code == 405


def test_api_verifies_a_receipt_without_a_session_or_csrf_token():
    token = petition_receipt(expires_in=timedelta(days=30))
    client = Client(enforce_csrf_checks=True)
    response = client.post("/api/v1/receipts/verify", {"receipt": token}, content_type="application/json")

    assert response.status_code == 200
    data = response.json()
    claims = verify_receipt(token).claims
    assert data["valid"] is True and data["reason"] == "ok" and data["message"]
    assert data["kind"] == "petition.signed"
    assert data["subject"] == pseudonymous_subject(7, "petition:12")
    assert data["reference"] == "PET-12"
    assert data["key_id"] == receipts.active_key_id()
    assert datetime.fromisoformat(data["issued_at"]).timestamp() == claims["iat"]
    assert datetime.fromisoformat(data["expires_at"]).timestamp() == claims["exp"]
    assert data["claims"] == claims
    assert response["Access-Control-Allow-Origin"] == "*"


def test_api_answers_an_altered_receipt_with_the_reason(client):
    token = petition_receipt()
    encoded_header, encoded_payload, encoded_signature = token.split(".")
    payload = json.loads(unb64(encoded_payload))
    payload["ref"] = "PET-13"
    altered = f"{encoded_header}.{b64(json.dumps(payload).encode())}.{encoded_signature}"

    response = client.post(
        "/api/v1/receipts/verify", {"receipt": altered}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 200
    assert response.json() == {
        "valid": False,
        "reason": "bad_signature",
        "message": "The signature does not match: the receipt was changed or forged.",
    }


def test_api_accepts_the_receipt_in_the_query_string(client):
    token = petition_receipt()
    assert client.get("/api/v1/receipts/verify", {"receipt": token}).json()["valid"] is True
    assert client.get("/api/v1/receipts/verify", {"receipt": token[:-2]}).json()["reason"] == "malformed"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "receipt_required"),
        ({"receipt": ""}, "receipt_required"),
        ({"receipt": 12}, "receipt_required"),
        ({"receipt": ["a.b.c"]}, "receipt_required"),
        ({"token": "a.b.c"}, "receipt_required"),
        (["a.b.c"], "receipt_required"),
        ({"receipt": "x" * (receipts.MAX_RECEIPT_LENGTH + 1)}, "receipt_too_long"),
    ],
)
def test_api_refuses_a_request_without_a_usable_receipt(client, body, code):
    response = client.post("/api/v1/receipts/verify", body, content_type="application/json")
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == code and data["detail"]


def test_api_without_a_receipt_in_the_query_string_is_a_400(client):
    response = client.get("/api/v1/receipts/verify")
    assert response.status_code == 400 and response.json()["code"] == "receipt_required"


def test_api_is_described_in_the_openapi_schema(client):
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/receipts/verify"]
    assert {"get", "post"} <= set(operation)
    assert "VerifyReceiptRequest" in schema["components"]["schemas"]
    result = schema["components"]["schemas"]["VerifyReceiptResult"]
    assert {"valid", "reason", "message", "kind", "issued_at", "subject", "reference", "key_id"} <= set(
        result["properties"]
    )
    assert "400" in operation["post"]["responses"]


def _local_moment(timestamp):
    moment = timezone.localtime(datetime.fromtimestamp(timestamp, tz=UTC))
    return f"{formats.date_format(moment, 'DATE_FORMAT')} {formats.time_format(moment, 'TIME_FORMAT')}"


@pytest.mark.parametrize(
    ("language", "direction"),
    [("ar", "rtl"), ("en", "ltr")],
)
@pytest.mark.django_db  # the page wears the site's theme, a site setting
def test_verify_page_shows_what_a_valid_receipt_says_with_a_qr_code(client, language, direction):
    token = petition_receipt()
    response = client.get(f"/{language}/receipts/verify/", {"receipt": token})

    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}" dir="{direction}">' in html
    with translation.override(language):
        assert str(receipts.RECEIPT_KINDS["petition.signed"]) in html
        assert _local_moment(verify_receipt(token).claims["iat"]) in html
    assert "PET-12" in html and receipts.active_key_id() in html
    assert response["X-Robots-Tag"] == "noindex"
    # The QR code is exactly the one of this page's address with this receipt.
    url = f"http://testserver/{language}/receipts/verify/?receipt={token}"
    expected_svg = segno.make(url, error="m", micro=False).svg_inline(scale=3, border=4, svgclass="receipt-qr-code")
    assert expected_svg in html
    assert '<figure class="receipt-qr">' in html and 'role="img" aria-label="' in html and "<figcaption>" in html


@pytest.mark.django_db  # the page wears the site's theme, a site setting
def test_verify_page_in_english_says_valid():
    response = Client().get("/en/receipts/verify/", {"receipt": petition_receipt()})
    html = response.content.decode()
    assert "This receipt is valid" in html and "not valid" not in html
    assert "A petition was signed" in html


@pytest.mark.django_db  # the page wears the site's theme, a site setting
def test_verify_page_shows_garbage_as_invalid_without_a_qr_code(client):
    response = client.get("/en/receipts/verify/", {"receipt": os.urandom(4_000).hex()})
    assert response.status_code == 200
    html = response.content.decode()
    assert "This receipt is not valid" in html
    assert "This is not a receipt, or it was copied incompletely." in html
    assert "<svg" not in html


@pytest.mark.django_db  # the page wears the site's theme, a site setting
def test_verify_page_says_why_an_altered_receipt_is_invalid(client):
    token = petition_receipt()
    altered = token[:40] + ("A" if token[40] != "A" else "B") + token[41:]
    html = client.get("/en/receipts/verify/", {"receipt": altered}).content.decode()
    assert "This receipt is not valid" in html
    assert "PET-12" not in html and "<svg" not in html


@pytest.mark.django_db  # the page wears the site's theme, a site setting
def test_verify_page_form_is_labelled_and_left_to_right(client):
    response = client.get("/ar/receipts/verify/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert '<form method="get" action="/ar/receipts/verify/"' in html
    assert '<label for="id_receipt">' in html
    assert 'dir="ltr"' in html.split("<textarea", 1)[1].split(">", 1)[0]
    assert 'aria-describedby="id_receipt_helptext"' in html and 'id="id_receipt_helptext"' in html
    assert '<button type="submit"' in html
    assert "receipt-result" not in html and "<script" not in html


@pytest.mark.django_db  # the page wears the site's theme, a site setting
def test_verify_page_shows_a_missing_receipt_next_to_the_field(client):
    html = client.get("/en/receipts/verify/", {"receipt": "   "}).content.decode()
    assert 'id="id_receipt_error"' in html and "Paste a receipt to verify it." in html
    textarea = html.split("<textarea", 1)[1].split(">", 1)[0]
    assert 'aria-invalid="true"' in textarea and "id_receipt_error" in textarea
    assert "receipt-result" not in html
