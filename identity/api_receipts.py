"""`/api/v1/receipts/verify`: anyone may ask whether a receipt is genuine. A receipt that does not verify is
an answer (200, `valid: false` and the reason), not an error; only a request without a receipt is a 400."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import ERROR
from core.errors import InvalidInput

from .receipts import MAX_RECEIPT_LENGTH, REASONS, verify_receipt


class VerifyReceiptRequestSerializer(serializers.Serializer):
    receipt = serializers.CharField(
        max_length=MAX_RECEIPT_LENGTH, help_text="The receipt: a compact JWS, header.payload.signature."
    )


class VerifyReceiptResultSerializer(serializers.Serializer):
    valid = serializers.BooleanField()
    reason = serializers.ChoiceField(choices=REASONS, help_text="A stable code; `ok` when valid.")
    message = serializers.CharField(help_text="The reason in words, in the request's language.")
    kind = serializers.CharField(required=False, help_text="What happened, e.g. `petition.signed`.")
    kind_label = serializers.CharField(required=False, help_text="What happened, in words.")
    issued_at = serializers.DateTimeField(required=False)
    expires_at = serializers.DateTimeField(required=False, allow_null=True)
    subject = serializers.CharField(required=False, help_text="A pseudonym of the person, per context.")
    reference = serializers.CharField(required=False, help_text="What the receipt is about.")
    key_id = serializers.CharField(required=False, help_text="The `kid` of the key that signed it.")
    claims = serializers.DictField(required=False, help_text="Every claim of the receipt, as signed.")


class VerifyReceiptView(APIView):
    """Verify a signed receipt."""

    # Public, and never tied to a session: no authentication means no CSRF check for a POST either.
    authentication_classes = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        operation_id="receipts_verify",
        summary="Verify a receipt",
        description=(
            "Whether a receipt is genuine, signed by one of the portal's published keys "
            "(/.well-known/jwks.json), unchanged and unexpired; and if so, what it records. "
            "A receipt that does not verify is a 200 with `valid: false` and a `reason`."
        ),
        request=VerifyReceiptRequestSerializer,
        responses={200: VerifyReceiptResultSerializer, 400: ERROR},
        examples=[
            OpenApiExample(
                "Forged receipt",
                value={"valid": False, "reason": "bad_signature", "message": "…"},
                response_only=True,
            )
        ],
        tags=["receipts"],
    )
    def post(self, request):
        body = request.data if isinstance(request.data, dict) else {}
        return self._verify(body.get("receipt"))

    @extend_schema(
        operation_id="receipts_verify_get",
        summary="Verify a receipt (query string)",
        description="The same as POST, with the receipt in the query string.",
        parameters=[OpenApiParameter("receipt", OpenApiTypes.STR, OpenApiParameter.QUERY, required=True)],
        responses={200: VerifyReceiptResultSerializer, 400: ERROR},
        tags=["receipts"],
    )
    def get(self, request):
        return self._verify(request.query_params.get("receipt"))

    def _verify(self, token):
        if not isinstance(token, str) or not token.strip():
            raise InvalidInput(
                _("Send the receipt as a string named “receipt”."), code="receipt_required", field="receipt"
            )
        if len(token) > MAX_RECEIPT_LENGTH:
            raise InvalidInput(
                _("A receipt is at most %(limit)d characters long.") % {"limit": MAX_RECEIPT_LENGTH},
                code="receipt_too_long",
                field="receipt",
            )
        verification = verify_receipt(token)
        data = {"valid": verification.valid, "reason": verification.reason, "message": verification.message}
        if verification.valid:
            data.update(
                kind=verification.kind,
                kind_label=str(verification.kind_label),
                issued_at=verification.issued_at.isoformat(),
                expires_at=verification.expires_at.isoformat() if verification.expires_at else None,
                subject=verification.subject,
                reference=verification.reference,
                key_id=verification.key_id,
                claims=verification.claims,
            )
        return Response(data)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # Anyone may verify, from any site; no credentials are involved.
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response["Access-Control-Allow-Headers"] = "Content-Type"
        response["Cache-Control"] = "no-store"
        return response
