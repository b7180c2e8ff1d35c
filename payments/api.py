"""`/api/v1/payments/` and `/api/v1/bills/`: authorities' systems create payments and push bills with an API
key of their own (payments.api_keys). Thin: serializers check shapes, services decide. The payment's
shape follows GOV.UK Pay's: `state`, `next_url` for the payer, `Idempotency-Key` on creation."""

import hashlib
import json

from django.conf import settings
from django.urls import path, reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import ERROR
from core.errors import InvalidInput

from . import selectors, services
from .api_keys import ApiKeyAuthentication, HasScope
from .models import ApiKey, Bill, Payment, PaymentState, Refund

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="The same key and body within 24 hours returns the original (200); another body is a 409.",
)


def validated(serializer):
    """The serializer's data, or a 400 naming the first bad field (a PortalError, answered as every error)."""
    if serializer.is_valid():
        return serializer.validated_data
    field, message = _first_error(serializer.errors)
    raise InvalidInput(f"{field}: {message}", field=field)


def _first_error(errors, field=""):
    if isinstance(errors, dict):
        key, value = next(iter(errors.items()))
        return _first_error(value, f"{field}.{key}" if field else str(key))
    if isinstance(errors, list):
        for index, value in enumerate(errors):
            if isinstance(value, dict | list):
                if value:
                    return _first_error(value, f"{field}[{index}]")
            elif value:
                return field, str(value)
    return field, str(errors)


def request_hash(request):
    body = json.dumps(request.data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


class AuthorityApi(APIView):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasScope]
    required_scope = ApiKey.Scope.PAYMENTS

    @property
    def api_key(self):
        return self.request.auth


class Pagination(LimitOffsetPagination):
    default_limit = 20
    max_limit = 100


# --- Payments -------------------------------------------------------------------------------------------


class LineItemSerializer(serializers.Serializer):
    label_ar = serializers.CharField(max_length=255)
    label_en = serializers.CharField(max_length=255)
    amount = serializers.IntegerField(min_value=1, max_value=settings.PAYMENTS_MAX_AMOUNT_FILS, help_text="fils")


class PaymentCreateSerializer(serializers.Serializer):
    amount = serializers.IntegerField(
        min_value=1, max_value=settings.PAYMENTS_MAX_AMOUNT_FILS, help_text="In fils (1 KWD = 1,000 fils)."
    )
    currency = serializers.ChoiceField(choices=["KWD"], default="KWD", help_text="KWD only.")
    description_ar = serializers.CharField(max_length=255)
    description_en = serializers.CharField(max_length=255)
    return_url = serializers.URLField(max_length=500, required=False, allow_blank=True)
    metadata = serializers.DictField(required=False, help_text="At most 15 keys.")
    line_items = LineItemSerializer(many=True, required=False, max_length=50)


class LineItemOutSerializer(serializers.Serializer):
    label_ar = serializers.CharField()
    label_en = serializers.CharField()
    amount = serializers.IntegerField(source="amount_fils")
    authority = serializers.CharField(source="authority.code")
    bill_number = serializers.SerializerMethodField()

    def get_bill_number(self, item) -> str | None:
        return item.bill.number if item.bill_id else None


class RefundSummarySerializer(serializers.Serializer):
    amount_available = serializers.IntegerField()
    amount_refunded = serializers.IntegerField()


class PaymentSerializer(serializers.ModelSerializer):
    amount = serializers.IntegerField(source="amount_fils")
    refund_summary = serializers.SerializerMethodField()
    authority = serializers.SerializerMethodField()
    line_items = LineItemOutSerializer(many=True, read_only=True)
    next_url = serializers.SerializerMethodField(help_text="Send the payer here to pay (null once finished).")
    finished = serializers.BooleanField(source="is_final")

    class Meta:
        model = Payment
        fields = [
            "reference",
            "state",
            "finished",
            "amount",
            "currency",
            "description_ar",
            "description_en",
            "authority",
            "return_url",
            "metadata",
            "line_items",
            "gateway",
            "created_at",
            "finished_at",
            "next_url",
            "refund_summary",
        ]

    @extend_schema_field(RefundSummarySerializer)
    def get_refund_summary(self, payment):
        available = services.amount_available(payment)
        refunded = sum(refund.amount_fils for refund in payment.refunds.all() if refund.state == Refund.State.SUCCESS)
        return {"amount_available": available, "amount_refunded": refunded}

    def get_authority(self, payment) -> str | None:
        return payment.authority.code if payment.authority_id else None

    def to_representation(self, payment):
        data = super().to_representation(payment)
        # Another app's payment returns to a path on the portal: written as a whole address here.
        request = self.context.get("request")
        if data["return_url"].startswith("/") and request is not None:
            data["return_url"] = request.build_absolute_uri(data["return_url"])
        return data

    def get_next_url(self, payment) -> str | None:
        if payment.is_final:
            return None
        request = self.context.get("request")
        url = reverse("payments:pay", args=[payment.reference])
        return request.build_absolute_uri(url) if request else url


class PaymentListView(AuthorityApi):
    pagination_class = Pagination  # the schema documents the page object ({count, next, previous, results})

    @extend_schema(
        tags=["payments"],
        operation_id="payments_list",
        parameters=[OpenApiParameter("state", str, enum=PaymentState.values)],
        responses=PaymentSerializer(many=True),
    )
    def get(self, request):
        payments = selectors.payments_of(self.api_key.authority, state=request.query_params.get("state"))
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(payments, request, view=self)
        return paginator.get_paginated_response(PaymentSerializer(page, many=True, context={"request": request}).data)

    @extend_schema(
        tags=["payments"],
        operation_id="payments_create",
        parameters=[IDEMPOTENCY_HEADER],
        request=PaymentCreateSerializer,
        responses={201: PaymentSerializer, 200: PaymentSerializer, 409: ERROR},
    )
    def post(self, request):
        data = validated(PaymentCreateSerializer(data=request.data))
        authority = self.api_key.authority
        items = [
            {"label_ar": item["label_ar"], "label_en": item["label_en"], "amount_fils": item["amount"]}
            for item in data.get("line_items") or []
        ]

        def create():
            return services.create_payment(
                authority=authority,
                amount_fils=data["amount"],
                description_ar=data["description_ar"],
                description_en=data["description_en"],
                line_items=items or None,
                return_url=data.get("return_url", ""),
                metadata=data.get("metadata"),
                api_key=self.api_key,
            )

        payment, repeated = services.idempotent(
            self.api_key, request.headers.get("Idempotency-Key", ""), request_hash(request), create
        )
        if repeated:  # the original, as it is now
            payment = selectors.payment_of(authority, payment.reference)
        return Response(
            PaymentSerializer(payment, context={"request": request}).data,
            status=status.HTTP_200_OK if repeated else status.HTTP_201_CREATED,
        )


class PaymentDetailView(AuthorityApi):
    @extend_schema(tags=["payments"], operation_id="payments_retrieve", responses=PaymentSerializer)
    def get(self, request, reference):
        payment = selectors.payment_of(self.api_key.authority, reference)
        return Response(PaymentSerializer(payment, context={"request": request}).data)


# --- Refunds ------------------------------------------------------------------------------------------


class RefundCreateSerializer(serializers.Serializer):
    amount = serializers.IntegerField(min_value=1, max_value=settings.PAYMENTS_MAX_AMOUNT_FILS, help_text="fils")
    refund_amount_available = serializers.IntegerField(
        min_value=0, help_text="The payment's amount_available as you last read it; if it changed, 412."
    )
    reason = serializers.CharField(max_length=255, required=False, allow_blank=True)


class RefundSerializer(serializers.ModelSerializer):
    amount = serializers.IntegerField(source="amount_fils")
    payment = serializers.CharField(source="payment.reference")

    class Meta:
        model = Refund
        fields = ["reference", "payment", "amount", "state", "reason", "created_at", "finished_at"]


class RefundListView(AuthorityApi):
    required_scope = ApiKey.Scope.REFUNDS

    @extend_schema(tags=["payments"], operation_id="payments_refunds_list", responses=RefundSerializer(many=True))
    def get(self, request, reference):
        payment = selectors.payment_of(self.api_key.authority, reference)
        return Response(RefundSerializer(payment.refunds.select_related("payment"), many=True).data)

    @extend_schema(
        tags=["payments"],
        operation_id="payments_refunds_create",
        request=RefundCreateSerializer,
        responses={201: RefundSerializer, 412: ERROR},
    )
    def post(self, request, reference):
        data = validated(RefundCreateSerializer(data=request.data))
        payment = selectors.payment_of(self.api_key.authority, reference)
        refund = services.refund_payment(
            payment,
            amount_fils=data["amount"],
            expected_available=data["refund_amount_available"],
            reason=data.get("reason", ""),
            api_key=self.api_key,
        )
        return Response(RefundSerializer(refund).data, status=status.HTTP_201_CREATED)


# --- Bills ----------------------------------------------------------------------------------------------


class BillCreateSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=40)
    payer_civil_id = serializers.RegexField(
        r"^\d{12}$", required=False, allow_blank=True, help_text="12 digits; stored only as a keyed hash."
    )
    payer_account = serializers.CharField(max_length=40, required=False, allow_blank=True)
    amount_due = serializers.IntegerField(min_value=1, max_value=settings.PAYMENTS_MAX_AMOUNT_FILS, help_text="fils")
    due_date = serializers.DateField()
    expires_at = serializers.DateTimeField(required=False, allow_null=True)
    partial_allowed = serializers.BooleanField(default=False)
    description_ar = serializers.CharField(max_length=255)
    description_en = serializers.CharField(max_length=255)


class BillSerializer(serializers.ModelSerializer):
    amount_due = serializers.IntegerField(source="amount_due_fils")
    amount_paid = serializers.IntegerField(source="amount_paid_fils")
    authority = serializers.CharField(source="authority.code")

    class Meta:
        model = Bill
        fields = [
            "number",
            "authority",
            "state",
            "amount_due",
            "amount_paid",
            "due_date",
            "expires_at",
            "partial_allowed",
            "description_ar",
            "description_en",
            "payer_account",
            "created_at",
            "updated_at",
        ]


class BillListView(AuthorityApi):
    required_scope = ApiKey.Scope.BILLS
    pagination_class = Pagination

    @extend_schema(
        tags=["bills"],
        operation_id="bills_list",
        parameters=[OpenApiParameter("state", str, enum=Bill.State.values)],
        responses=BillSerializer(many=True),
    )
    def get(self, request):
        bills = selectors.bills_of(self.api_key.authority, state=request.query_params.get("state"))
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(bills, request, view=self)
        return paginator.get_paginated_response(BillSerializer(page, many=True).data)

    @extend_schema(
        tags=["bills"],
        operation_id="bills_create",
        parameters=[IDEMPOTENCY_HEADER],
        request=BillCreateSerializer,
        responses={201: BillSerializer, 200: BillSerializer, 409: ERROR},
    )
    def post(self, request):
        data = validated(BillCreateSerializer(data=request.data))

        def create():
            return services.push_bill(
                authority=self.api_key.authority,
                number=data["number"],
                amount_due_fils=data["amount_due"],
                due_date=data["due_date"],
                description_ar=data["description_ar"],
                description_en=data["description_en"],
                payer_civil_id=data.get("payer_civil_id", ""),
                payer_account=data.get("payer_account", ""),
                expires_at=data.get("expires_at"),
                partial_allowed=data["partial_allowed"],
            )

        bill, repeated = services.idempotent(
            self.api_key, request.headers.get("Idempotency-Key", ""), request_hash(request), create
        )
        return Response(BillSerializer(bill).data, status=status.HTTP_200_OK if repeated else status.HTTP_201_CREATED)


class BillDetailView(AuthorityApi):
    required_scope = ApiKey.Scope.BILLS

    @extend_schema(tags=["bills"], operation_id="bills_retrieve", responses=BillSerializer)
    def get(self, request, number):
        return Response(BillSerializer(selectors.bill_of(self.api_key.authority, number)).data)


class BillCancelView(AuthorityApi):
    required_scope = ApiKey.Scope.BILLS

    @extend_schema(
        tags=["bills"], operation_id="bills_cancel", request=None, responses={200: BillSerializer, 409: ERROR}
    )
    def post(self, request, number):
        bill = services.cancel_bill(selectors.bill_of(self.api_key.authority, number))
        return Response(BillSerializer(bill).data)


urlpatterns = [
    path("payments/", PaymentListView.as_view(), name="payments-list"),
    path("payments/<str:reference>/", PaymentDetailView.as_view(), name="payments-detail"),
    path("payments/<str:reference>/refunds/", RefundListView.as_view(), name="payments-refunds"),
    path("bills/", BillListView.as_view(), name="bills-list"),
    path("bills/<str:number>/", BillDetailView.as_view(), name="bills-detail"),
    path("bills/<str:number>/cancel/", BillCancelView.as_view(), name="bills-cancel"),
]
