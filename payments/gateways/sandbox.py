"""The sandbox: a hosted payment page served by the portal itself, where whoever tests chooses what the
"bank" answers — paid, declined, cancelled, or no answer at all (a time-out: the payment stays unfinished
until it expires). It is the default gateway on the embedded default and in the tests.

Each choice on the page is a form that posts a signed result (django.core.signing, salted) to the callback,
as a real gateway posts its own; a result whose signature does not match — a changed amount, another
payment's reference — is refused and logged.
"""

import secrets

from django.core import signing
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ..errors import InvalidPayment
from . import CallbackRefused, Gateway, GatewayResult, Outcome, Redirect

SALT = "payments.sandbox.result"
MAX_AGE_SECONDS = 2 * 60 * 60
CHOICES = (Outcome.SUCCESS, Outcome.FAILED, Outcome.CANCELLED)


class SandboxGateway(Gateway):
    name = "sandbox"

    def start(self, payment, request):
        return Redirect(reverse("payments:sandbox_page", args=[payment.reference]))

    def signed_result(self, payment, outcome, language=None):
        """The token one button of the sandbox page posts: what the sandbox "bank" says happened."""
        return signing.dumps(
            {
                "reference": payment.reference,
                "outcome": outcome,
                "amount_fils": payment.amount_fils,
                "currency": payment.currency,
                "transaction_id": "SBX" + secrets.token_hex(8) if outcome == Outcome.SUCCESS else "",
                "language": language or get_language() or "ar",
            },
            salt=SALT,
        )

    def parse_callback(self, request):
        raw = request.POST.get("result", "")
        if not raw or len(raw) > 2000:
            raise CallbackRefused("missing or over-long result", raw=raw[:2000])
        try:
            data = signing.loads(raw, salt=SALT, max_age=MAX_AGE_SECONDS)
        except signing.SignatureExpired:
            raise CallbackRefused("the result has expired", raw=raw) from None
        except signing.BadSignature:
            raise CallbackRefused("bad signature: the result was changed or forged", raw=raw) from None
        if not isinstance(data, dict) or data.get("outcome") not in CHOICES:
            raise CallbackRefused("unknown outcome", raw=raw)
        return GatewayResult(
            reference=str(data.get("reference", "")),
            outcome=data["outcome"],
            amount_fils=data.get("amount_fils"),
            currency=data.get("currency"),
            transaction_id=str(data.get("transaction_id") or ""),
            raw=raw,
            decoded=data,
            reason="" if data["outcome"] == Outcome.SUCCESS else f"sandbox: {data['outcome']}",
        )

    def refund(self, payment, refund):
        """The sandbox's bank gives the money back at once."""
        return GatewayResult(
            reference=payment.reference,
            outcome=Outcome.SUCCESS,
            amount_fils=refund.amount_fils,
            transaction_id="SBXR" + secrets.token_hex(6),
            decoded={"refund": refund.reference, "amount_fils": refund.amount_fils},
            raw=f"sandbox refund {refund.reference} {refund.amount_fils}",
        )

    def callback_response(self, payment, request):
        return redirect(payment_page_url(payment, request))

    def refused_response(self, refused, request):
        raise InvalidPayment(_("The payment page's answer could not be read or was changed. Nothing was paid."))


def payment_page_url(payment, request=None):
    return reverse("payments:payment_detail", args=[payment.reference])
