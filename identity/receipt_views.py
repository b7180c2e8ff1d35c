"""The public side of receipts: the keys that verify them, and a page where anyone can check one."""

import json
from urllib.parse import urlencode

import segno
from django import forms
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from core.pagecache import cache_public

from .receipts import public_jwks, verify_receipt

JWKS_MAX_AGE = 300


@require_safe
@cache_public
def jwks(request):
    """The JSON Web Key Set of every key that verifies receipts: cacheable, and open to any origin, since
    anyone may verify a receipt."""
    response = JsonResponse(public_jwks())
    response["Cache-Control"] = f"public, max-age={JWKS_MAX_AGE}"
    response["Access-Control-Allow-Origin"] = "*"
    return response


class ReceiptForm(forms.Form):
    receipt = forms.CharField(
        label=_("Receipt"),
        help_text=_("Paste the receipt exactly as you received it, or scan its QR code."),
        error_messages={"required": _("Paste a receipt to verify it.")},
        widget=forms.Textarea(
            attrs={"dir": "ltr", "rows": 6, "cols": 40, "spellcheck": "false", "autocomplete": "off"}
        ),
    )


@require_safe
def verify_receipt_page(request):
    """Verify a receipt given in the query string (the form submits by GET, so a printed receipt's QR code
    can point straight at its result)."""
    form = ReceiptForm(request.GET if "receipt" in request.GET else None)
    verification = qr_svg = None
    details = []
    if form.is_bound and form.is_valid():
        token = form.cleaned_data["receipt"]
        verification = verify_receipt(token)
        if verification.valid:
            qr_svg = _qr_svg(request, token)
            details = [
                (name, value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
                for name, value in verification.other_claims.items()
            ]
    response = render(
        request,
        "identity/receipt_verify.html",
        {"form": form, "verification": verification, "details": details, "qr_svg": qr_svg},
    )
    if form.is_bound:
        # A result page names a pseudonymous subject; it is for the holder and whoever they show it to.
        response["X-Robots-Tag"] = "noindex"
    return response


def _qr_svg(request, token):
    """The QR code of this page's address with the receipt, for printing alongside it."""
    url = request.build_absolute_uri(reverse("receipt_verify") + "?" + urlencode({"receipt": token}))
    try:
        qr = segno.make(url, error="m", micro=False)
    except segno.DataOverflowError:
        return None
    return qr.svg_inline(scale=3, border=4, svgclass="receipt-qr-code")
