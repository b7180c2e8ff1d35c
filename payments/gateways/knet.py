"""KNET, Kuwait's national debit network: the hosted-page protocol a Kuwaiti merchant speaks.

1. The payer's browser goes to KNET's payment page with `param=paymentInit`, the merchant's `tranportalId`,
   and `trandata`: the request fields `id`, `password`, `action` (1, purchase), `amt` (three decimals),
   `currencycode` (414), `langid` (`AR` or `USA`), `trackid` (unique: the payment's reference),
   `responseURL`, `errorURL` and `udf1`–`udf5`, as a query string encrypted with AES-128-CBC, PKCS#5
   padding, the terminal's resource key as both key and IV, written in hex.
2. KNET POSTs the result back to `responseURL`, encrypted the same way (`trandata`: `paymentid`, `result`,
   `auth`, `ref`, `tranid`, `trackid`, `amt`, `udf1`–`udf5`, …), or plain `Error`/`ErrorText` fields to
   `errorURL`. The portal stores it as received and decrypted, and answers `REDIRECT=<receipt URL>`,
   where KNET sends the payer's browser.
3. A `CAPTURED` result is not believed on its own word: the portal asks KNET server to server (`action` 8,
   inquiry by track id) and credits the payment only if the answer is `CAPTURED`, for the payment's own
   amount and track id.

Configured from the environment (docs/payments.md): KNET_TRANPORTAL_ID, KNET_TRANPORTAL_PASSWORD,
KNET_RESOURCE_KEY, KNET_PAYMENT_URL, KNET_INQUIRY_URL, PAYMENTS_PUBLIC_URL.
"""

import binascii
import logging
import re
import urllib.error
import urllib.parse
import urllib.request

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.utils import translation

from ..errors import GatewayUnavailable
from ..models import CURRENCY_NUMERIC
from . import CallbackRefused, Gateway, GatewayResult, Outcome, Redirect

logger = logging.getLogger(__name__)

# KNET's result codes and what they mean for the payment. Anything else is a failure.
RESULTS = {
    "CAPTURED": Outcome.SUCCESS,
    "CANCELED": Outcome.CANCELLED,
    "CANCELLED": Outcome.CANCELLED,
    "NOT CAPTURED": Outcome.FAILED,
    "DENIED BY RISK": Outcome.FAILED,
    "HOST TIMEOUT": Outcome.PENDING,  # KNET does not know yet: the inquiry (or the expiry's) decides
}
MAX_TRANDATA = 8000
_TAG = re.compile(r"<(\w+)>([^<]*)</\1>")


# --- The cipher -----------------------------------------------------------------------------------------


def _cipher(resource_key):
    key = resource_key.encode("ascii") if isinstance(resource_key, str) else resource_key
    if len(key) != 16:
        raise ValueError("a KNET resource key is 16 characters (AES-128)")
    return Cipher(algorithms.AES(key), modes.CBC(key))


def encrypt(text, resource_key):
    """`text` → AES-128-CBC with key = IV = the resource key, PKCS#5 padding, upper-case hex."""
    padder = padding.PKCS7(128).padder()
    data = padder.update(text.encode("utf-8")) + padder.finalize()
    encryptor = _cipher(resource_key).encryptor()
    return binascii.hexlify(encryptor.update(data) + encryptor.finalize()).decode("ascii").upper()


def decrypt(hex_text, resource_key):
    """The reverse of `encrypt`; ValueError for anything that is not such a ciphertext."""
    try:
        data = binascii.unhexlify(hex_text.strip())
    except (binascii.Error, ValueError):
        raise ValueError("not hex") from None
    if not data or len(data) % 16:
        raise ValueError("not a whole number of AES blocks")
    decryptor = _cipher(resource_key).decryptor()
    padded = decryptor.update(data) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        plain = unpadder.update(padded) + unpadder.finalize()
        return plain.decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        raise ValueError("bad padding or not text: wrong key, or not KNET's") from None


def format_amount(fils):
    return f"{fils // 1000}.{fils % 1000:03d}"


def parse_amount(text):
    """`12.500` → 12500 fils; None for anything else."""
    match = re.fullmatch(r"(\d{1,9})(?:\.(\d{1,3}))?", (text or "").strip())
    if match is None:
        return None
    return int(match.group(1)) * 1000 + int((match.group(2) or "0").ljust(3, "0"))


def encode_fields(fields):
    """KNET's field string: `name=value&…` in the given order, values as they are (KNET does not decode)."""
    return "&".join(f"{name}={value}" for name, value in fields.items())


def decode_fields(text):
    fields = {}
    for part in text.split("&"):
        name, _sep, value = part.partition("=")
        if name:
            fields[name.strip()] = value.strip()
    return fields


# --- The gateway ----------------------------------------------------------------------------------------


class KnetGateway(Gateway):
    name = "knet"
    confirm_asks_gateway = True

    def __init__(self):
        self.tranportal_id = settings.KNET_TRANPORTAL_ID
        self.password = settings.KNET_TRANPORTAL_PASSWORD
        self.resource_key = settings.KNET_RESOURCE_KEY
        self.payment_url = settings.KNET_PAYMENT_URL
        self.inquiry_url = settings.KNET_INQUIRY_URL
        self.timeout = settings.KNET_TIMEOUT_SECONDS

    def _require_configuration(self):
        if not (self.tranportal_id and self.password and len(self.resource_key) == 16 and self.payment_url):
            logger.error(
                "payments: KNET is chosen but KNET_* settings are missing or the resource key is not 16 characters"
            )
            raise GatewayUnavailable()

    def _absolute(self, path, request=None):
        base = settings.PAYMENTS_PUBLIC_URL.rstrip("/")
        if base:
            return base + path
        return request.build_absolute_uri(path) if request is not None else path

    def request_fields(self, payment, request=None, language=None):
        callback = self._absolute(reverse("payments_gateway:gateway_callback", args=[self.name]), request)
        language = (language or translation.get_language() or "ar")[:2]
        return {
            "id": self.tranportal_id,
            "password": self.password,
            "action": "1",
            "langid": "USA" if language == "en" else "AR",
            "currencycode": CURRENCY_NUMERIC,
            "amt": format_amount(payment.amount_fils),
            "trackid": payment.reference,
            "responseURL": callback,
            "errorURL": callback,
            "udf1": payment.reference,
            "udf2": (payment.authority.code if payment.authority_id else "MULTI"),
            "udf3": language,
            "udf4": "",
            "udf5": "",
        }

    def start(self, payment, request):
        self._require_configuration()
        fields = self.request_fields(payment, request)
        trandata = encrypt(encode_fields(fields), self.resource_key)
        query = urllib.parse.urlencode(
            {
                "param": "paymentInit",
                "trandata": trandata,
                "tranportalId": self.tranportal_id,
                "responseURL": fields["responseURL"],
                "errorURL": fields["errorURL"],
            }
        )
        shown = {name: value for name, value in fields.items() if name != "password"}
        return Redirect(f"{self.payment_url}?{query}", sent=(trandata, {"request": shown}))

    def parse_callback(self, request):
        posted = {name: value[:500] for name, value in request.POST.items()}
        raw = urllib.parse.urlencode(posted)[:20_000]
        trandata = posted.get("trandata", "")
        if not trandata:
            if posted.get("Error") or posted.get("ErrorText"):
                # KNET could not process the payment at all: no money moved.
                return GatewayResult(
                    reference=posted.get("trackid", ""),
                    outcome=Outcome.ERROR,
                    raw=raw,
                    decoded={"error": posted},
                    reason=f"KNET error {posted.get('Error', '')}: {posted.get('ErrorText', '')}"[:255],
                )
            raise CallbackRefused("no trandata and no error", raw=raw, reference=posted.get("trackid", ""))
        if len(trandata) > MAX_TRANDATA:
            raise CallbackRefused("trandata too long", raw=raw[:2000], reference=posted.get("trackid", "")[:20])
        try:
            fields = decode_fields(decrypt(trandata, self.resource_key))
        except ValueError as error:
            raise CallbackRefused(
                f"trandata cannot be decrypted: {error}", raw=raw, reference=posted.get("trackid", "")[:20]
            ) from None
        result_code = fields.get("result", "").upper()
        outcome = RESULTS.get(result_code, Outcome.FAILED)
        return GatewayResult(
            reference=fields.get("trackid", ""),
            outcome=outcome,
            amount_fils=parse_amount(fields.get("amt")),
            currency="KWD",
            transaction_id=fields.get("tranid", ""),
            raw=raw,
            decoded={"result": fields, "language": fields.get("udf3") or "ar"},
            reason="" if outcome == Outcome.SUCCESS else f"KNET: {result_code or 'no result'}",
        )

    def confirm(self, payment, result):
        """A CAPTURED callback is believed only when the inquiry says CAPTURED for the same track id and
        amount. An inquiry that cannot be made or read settles nothing: the payment stays submitted, and the
        expiry asks again."""
        answer = self.inquire(payment)
        if (
            answer.outcome == Outcome.SUCCESS
            and result.transaction_id
            and answer.transaction_id != result.transaction_id
        ):
            return GatewayResult(
                reference=payment.reference,
                outcome=Outcome.ERROR,
                raw=answer.raw,
                decoded=answer.decoded,
                reason="the inquiry names another transaction than the callback",
            )
        return answer

    def inquire(self, payment):
        """KNET's action 8: what happened to the payment with this track id, asked server to server."""
        self._require_configuration()
        fields = {
            "id": self.tranportal_id,
            "password": self.password,
            "action": "8",
            "amt": format_amount(payment.amount_fils),
            "currencycode": CURRENCY_NUMERIC,
            "trackid": payment.reference,
            "transid": payment.reference,
            "udf5": "TrackID",
        }
        shown, text, error = self._ask(fields)
        if text is None:
            return GatewayResult(
                reference=payment.reference,
                outcome=Outcome.PENDING,
                raw="",
                decoded={"inquiry": shown, "error": error},
                reason="the KNET inquiry did not answer",
            )
        answer = {name.lower(): value.strip() for name, value in _TAG.findall(text)}
        decoded = {"inquiry": shown, "answer": answer}
        result_code = answer.get("result", "").upper()
        if not result_code:
            return GatewayResult(
                reference=payment.reference,
                outcome=Outcome.PENDING,
                raw=text,
                decoded=decoded,
                reason="the KNET inquiry's answer could not be read",
            )
        outcome = RESULTS.get(result_code, Outcome.FAILED)
        if outcome == Outcome.SUCCESS and answer.get("trackid") != payment.reference:
            outcome, reason = Outcome.ERROR, "the inquiry's track id is not the payment's"
        else:
            reason = "" if outcome == Outcome.SUCCESS else f"KNET inquiry: {result_code}"
        return GatewayResult(
            reference=payment.reference,
            outcome=outcome,
            amount_fils=parse_amount(answer.get("amt")),
            currency="KWD",
            transaction_id=answer.get("tranid", ""),
            raw=text,
            decoded=decoded,
            reason=reason,
        )

    def refund(self, payment, refund):
        """KNET's action 2 (credit) for the payment's transaction, server to server."""
        self._require_configuration()
        fields = {
            "id": self.tranportal_id,
            "password": self.password,
            "action": "2",
            "amt": format_amount(refund.amount_fils),
            "currencycode": CURRENCY_NUMERIC,
            "trackid": refund.reference,
            "transid": payment.gateway_transaction,
            "udf1": payment.reference,
        }
        shown, text, error = self._ask(fields)
        answer = {name.lower(): value.strip() for name, value in _TAG.findall(text or "")}
        accepted = answer.get("result", "").upper() in ("CAPTURED", "APPROVED")
        return GatewayResult(
            reference=payment.reference,
            outcome=Outcome.SUCCESS if accepted else Outcome.ERROR,
            amount_fils=parse_amount(answer.get("amt")),
            transaction_id=answer.get("tranid", ""),
            raw=text or "",
            decoded={"refund_request": shown, "answer": answer, "error": error or ""},
            reason="" if accepted else f"KNET refund: {answer.get('result') or error or 'no answer'}",
        )

    def _ask(self, fields):
        """POST encrypted `fields` to KNET's server address: (fields without the password, answer text or
        None, the error when there is no answer)."""
        shown = {name: value for name, value in fields.items() if name != "password"}
        body = urllib.parse.urlencode(
            {"trandata": encrypt(encode_fields(fields), self.resource_key), "tranportalId": self.tranportal_id}
        ).encode("ascii")
        try:
            with urllib.request.urlopen(  # noqa: S310 — the URL is the operator's KNET_INQUIRY_URL
                urllib.request.Request(self.inquiry_url, data=body, method="POST"), timeout=self.timeout
            ) as response:
                return shown, response.read(20_000).decode("utf-8", "replace"), ""
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            return shown, None, str(error)[:200]

    def callback_response(self, payment, request):
        """KNET reads `REDIRECT=<url>` and sends the payer's browser there: the payment's page."""
        url = self._absolute(reverse("payments:payment_detail", args=[payment.reference]), request)
        return HttpResponse(f"REDIRECT={url}", content_type="text/plain")

    def refused_response(self, refused, request):
        url = self._absolute(reverse("payments:gateway_problem"), request)
        return HttpResponse(f"REDIRECT={url}", content_type="text/plain")
