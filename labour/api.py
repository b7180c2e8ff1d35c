"""`/api/v1/labour/`: the labour cube as open data — code lists, series by any dimensions, and the
Kuwaitisation rate — in JSON, CSV or SDMX-CSV (`?format=csv`, `?format=sdmx-csv`, or the Accept header).
Thin views over labour.selectors; bad parameters are a 400 naming the parameter (portal.api_v1)."""

from django.urls import path, reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import permissions, serializers
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from core import api as core_api
from core.api import FileAnswersMixin, validated
from core.exports import csv_response
from payments.registry import pay_url

from . import codes as cl
from . import selectors, services
from .models import NeedsRequest

DATAFLOW = "KW_MSAL:LABOUR(1.0)"
SDMX_CSV_MEDIA_TYPE = "application/vnd.sdmx.data+csv"


class CsvRenderer(BaseRenderer):
    """Chosen by `?format=csv`; the view writes the file itself through core.exports."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        raise NotImplementedError  # the views answer CSV with a streamed response, never through here


class SdmxCsvRenderer(CsvRenderer):
    media_type = SDMX_CSV_MEDIA_TYPE
    format = "sdmx-csv"


def illustrative_notice():
    return _("Illustrative data, not official statistics.")


DIMENSION_PARAMETERS = [
    OpenApiParameter(
        name,
        str,
        description=f"Only these {name} codes (comma-separated; several are added up). See /api/v1/labour/codes/.",
    )
    for name in selectors.DIMENSION_NAMES
]
COMMON_PARAMETERS = [
    *DIMENSION_PARAMETERS,
    OpenApiParameter("period_from", str, description="First period: 2024, 2024-Q1 or 2024-03."),
    OpenApiParameter("period_to", str, description="Last period."),
    OpenApiParameter("frequency", str, enum=["A", "Q", "M"], description="Only annual, quarterly or monthly figures."),
    OpenApiParameter("format", str, enum=["json", "csv", "sdmx-csv"], description="The answer's format."),
]
ROW = inline_serializer(
    "LabourSeries",
    {
        "measure": serializers.CharField(),
        "measure_label": serializers.CharField(),
        "by": serializers.ListField(child=serializers.CharField()),
        "illustrative": serializers.BooleanField(help_text="True when any figure is illustrative, not official."),
        "notice": serializers.CharField(allow_null=True),
        "rows": serializers.ListField(child=serializers.DictField()),
        "labels": serializers.DictField(child=serializers.DictField(child=serializers.CharField())),
    },
)
FILE = OpenApiResponse(OpenApiTypes.STR, description="CSV or SDMX-CSV (UTF-8 with a byte-order mark)")
ERROR = inline_serializer("LabourError", {"detail": serializers.CharField(), "code": serializers.CharField()})
RESPONSES = {(200, "application/json"): ROW, (200, "text/csv"): FILE, (200, SDMX_CSV_MEDIA_TYPE): FILE, 400: ERROR}


class _CubeView(FileAnswersMixin, APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes = []
    renderer_classes = [JSONRenderer, CsvRenderer, SdmxCsvRenderer]

    def answer(self, request, series, value_columns):
        file_format = request.accepted_renderer.format
        if file_format == "csv":
            return self.csv(series, value_columns)
        if file_format == "sdmx-csv":
            return self.sdmx_csv(series, value_columns)
        return Response(self.json(series))

    def json(self, series):
        by = [dimension.lower() for dimension in series.query.by]
        labels = {name: {} for name in by}
        for position, name in enumerate(by, start=1):
            # Each code's label once (a label asks for the active language), not once a row.
            for code in {row[position] for row in series.rows}:
                labels[name][code] = series.codes[name.upper()][code].label
        measure = series.codes[cl.MEASURE][series.query.measure]
        return {
            "measure": measure.code,
            "measure_label": measure.label,
            "by": by,
            "illustrative": series.illustrative,
            "notice": illustrative_notice() if series.illustrative else None,
            "rows": [dict(zip(series.columns, row, strict=True)) for row in series.rows],
            "labels": labels,
        }

    def _file_name(self, series, extension):
        suffix = "-illustrative" if series.illustrative else ""
        return f"labour-{series.query.measure.lower()}{suffix}.{extension}"

    def csv(self, series, value_columns):
        by = [dimension.lower() for dimension in series.query.by]
        header = ["period"]
        for name in by:
            header += [name, f"{name}_label"]
        header += value_columns
        notice = illustrative_notice() if series.illustrative else None
        if notice:
            header.append("note")

        def rows():
            for row in series.rows:
                line = [row[0]]
                for index, name in enumerate(by, start=1):
                    line += [row[index], series.codes[name.upper()][row[index]].label]
                line += list(row[1 + len(by) :])
                if notice:
                    line.append(notice)
                yield line

        return csv_response(self._file_name(series, "csv"), header, rows())

    def sdmx_csv(self, series, value_columns):
        """SDMX-CSV 1.0: every dimension a column; one not broken down holds its total, or the filter's code
        (codes joined by `+` when a filter added several up)."""
        query = series.query
        fixed = {}
        for dimension in cl.BREAKDOWNS:
            codes = query.filters.get(dimension, [cl.TOTAL])
            fixed[dimension] = "+".join(codes)
        notice = illustrative_notice() if series.illustrative else ""
        value_index = 1 + len(query.by) + value_columns.index(self.sdmx_value)
        header = ["DATAFLOW", cl.MEASURE, *cl.BREAKDOWNS, "TIME_PERIOD", "OBS_VALUE", "OBS_COMMENT"]

        def rows():
            for row in series.rows:
                codes = dict(fixed)
                codes.update(zip(query.by, row[1 : 1 + len(query.by)], strict=True))
                value = row[value_index]
                yield [DATAFLOW, self.sdmx_measure(query), *(codes[d] for d in cl.BREAKDOWNS), row[0], value, notice]

        response = csv_response(self._file_name(series, "sdmx.csv"), header, rows())
        response["Content-Type"] = f"{SDMX_CSV_MEDIA_TYPE}; version=1.0.0; charset=utf-8"
        return response


class CodeListsView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes = []

    @extend_schema(
        tags=["labour"],
        summary="The labour cube's code lists",
        description="Every code each dimension may take (and the measures and observation statuses), with "
        "its Arabic and English label and, for a nationality group, its parent.",
        responses={
            200: inline_serializer(
                "LabourCodeLists",
                {
                    "dimensions": serializers.DictField(
                        child=serializers.ListField(
                            child=inline_serializer(
                                "LabourCode",
                                {
                                    "code": serializers.CharField(),
                                    "label_ar": serializers.CharField(),
                                    "label_en": serializers.CharField(),
                                    "parent": serializers.CharField(),
                                },
                            )
                        )
                    )
                },
            )
        },
    )
    def get(self, request):
        return Response(
            {
                "dimensions": {
                    dimension.lower(): [
                        {"code": c.code, "label_ar": c.label_ar, "label_en": c.label_en, "parent": c.parent}
                        for c in codes
                    ]
                    for dimension, codes in selectors.code_lists().items()
                }
            }
        )


class SeriesView(_CubeView):
    sdmx_value = "value"

    @staticmethod
    def sdmx_measure(query):
        return query.measure

    @extend_schema(
        tags=["labour"],
        summary="A measure by period and by up to three dimensions",
        description=(
            "Figures of one measure by period, broken down by the dimensions named in `by`. Every other "
            "dimension is aggregated over: its published total is read, or, when the dimension is filtered, "
            "the filter's codes are added up. `illustrative` is true when any figure comes from the "
            "illustrative dataset (then every file says so too)."
        ),
        parameters=[
            OpenApiParameter("measure", str, required=True, description="EMP, WP_ISS, WP_CAN, WP_TRF, JOBSEEK, EST"),
            OpenApiParameter(
                "by",
                str,
                description="Dimensions to break down by, comma-separated: " + ", ".join(selectors.DIMENSION_NAMES),
            ),
            *COMMON_PARAMETERS,
        ],
        responses=RESPONSES,
    )
    def get(self, request):
        query = selectors.parse_query(request.query_params)
        return self.answer(request, selectors.series(query), ["value"])


class KuwaitisationView(_CubeView):
    sdmx_value = "rate"

    @staticmethod
    def sdmx_measure(query):
        return "KWT_SHARE"

    @extend_schema(
        tags=["labour"],
        summary="The Kuwaitisation rate over time",
        description=(
            "The share of Kuwaitis among employed persons (percent, two decimals), by period and by the "
            "dimensions in `by` (sector, activity, occupation, sex, governorate), with the counts it is "
            "computed from. A cell whose total is missing or zero has no rate (null)."
        ),
        parameters=[
            OpenApiParameter(
                "by", str, description="Dimensions to break down by: " + ", ".join(selectors.KUWAITISATION_BY)
            ),
            *[parameter for parameter in COMMON_PARAMETERS if parameter.name != "nationality"],
        ],
        responses=RESPONSES,
    )
    def get(self, request):
        query = selectors.parse_query(
            request.query_params, by_allowed=selectors.KUWAITISATION_BY, measure_default="EMP"
        )
        query.filters.pop(cl.NATIONALITY, None)
        return self.answer(request, selectors.kuwaitisation(query), ["kuwaiti", "workers", "rate"])


# --- Labour-needs requests (employers' authorised signatories, signed in) --------------------------------


class NeedsRequestInput(serializers.Serializer):
    establishment = serializers.CharField(max_length=30, help_text="The establishment's licence number.")
    nationality = serializers.ChoiceField(
        choices=list(selectors.REQUEST_NATIONALITIES), help_text="KWT, or a non-Kuwaiti group: GCC, ARB, ASI, AFR, OTH."
    )
    occupation = serializers.CharField(max_length=2, help_text="ISCO-08 major group, 0-9.")
    workers = serializers.IntegerField(min_value=1, max_value=selectors.MAX_WORKERS_ASKED)
    justification = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


ESTIMATE = inline_serializer(
    "LabourNeedsEstimate",
    {
        "licensed_capacity": serializers.IntegerField(),
        "norm": serializers.CharField(help_text="Workers per unit of licensed capacity."),
        "need": serializers.IntegerField(help_text="Estimated real need: licensed capacity × norm, rounded up."),
        "workers": serializers.IntegerField(help_text="Workers employed now."),
        "room": serializers.IntegerField(help_text="need − workers, never below 0."),
        "quota_room": serializers.IntegerField(
            allow_null=True, help_text="Non-Kuwaiti workers it may add and still meet its quota; null: no limit."
        ),
        "requested": serializers.IntegerField(),
        "likely": serializers.IntegerField(help_text="Likely to be approved."),
        "flags": serializers.ListField(
            child=serializers.CharField(), help_text="over_estimate, quota_shortfall, over_capacity"
        ),
        "reasons": serializers.ListField(child=serializers.CharField(), help_text="Why, in the request's language."),
        "warnings": serializers.ListField(child=serializers.CharField(), help_text="The flags, in words."),
        "fee": serializers.IntegerField(
            required=False,
            help_text="The request's fee in fils (0: none), paid after submitting and before review. "
            "Given by the estimate only.",
        ),
    },
)

NEEDS_PAYMENT = inline_serializer(
    "LabourNeedsPayment",
    {
        "payment": serializers.CharField(help_text="The payment's reference (PAY-…)."),
        "state": serializers.CharField(help_text="The payment's state: created, started, submitted."),
        "amount": serializers.IntegerField(help_text="The fee, in fils."),
        "next_url": serializers.URLField(help_text="Send the payer's browser here to pay."),
    },
)


class NeedsRequestSerializer(serializers.ModelSerializer):
    establishment = serializers.CharField(source="establishment.licence_number")
    nationality = serializers.CharField(source="nationality.code")
    occupation = serializers.CharField(source="occupation.code")
    reason = serializers.CharField(read_only=True)
    estimate = serializers.SerializerMethodField()
    fee = serializers.IntegerField(
        source="fee_fils",
        read_only=True,
        help_text="In fils; 0: none. The request waits in awaiting_payment until paid.",
    )
    fee_refunded = serializers.IntegerField(
        source="fee_refunded_fils",
        read_only=True,
        help_text="In fils: what has been refunded of the fee's payment (payment_reference). Refunded in full "
        "before the decision, the request is awaiting_payment again.",
    )

    class Meta:
        model = NeedsRequest
        fields = [
            "reference",
            "establishment",
            "nationality",
            "occupation",
            "workers_requested",
            "justification",
            "state",
            "workers_likely",
            "workers_approved",
            "reason",
            "reason_ar",
            "reason_en",
            "created_at",
            "decided_at",
            "receipt",
            "estimate",
            "fee",
            "payment_reference",
            "paid_at",
            "fee_refunded",
            "fee_refunded_at",
        ]

    @extend_schema_field(ESTIMATE)
    def get_estimate(self, item):
        return _estimate_body(item.estimate)


def _estimate_body(numbers):
    keys = ("licensed_capacity", "norm", "need", "workers", "room", "quota_room", "requested", "likely", "flags")
    return {
        **{key: numbers[key] for key in keys},
        "reasons": [str(line) for line in selectors.explain(numbers)],
        "warnings": [str(line) for line in selectors.flag_messages(numbers)],
    }


def _checked(request):
    data = validated(NeedsRequestInput(data=request.data))
    return data, {
        "nationality": data["nationality"],
        "occupation": data["occupation"],
        "workers": data["workers"],
    }


class NeedsRequestsView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="My labour-needs requests",
        responses={200: NeedsRequestSerializer(many=True), 403: core_api.ERROR},
    )
    def get(self, request):
        return Response(NeedsRequestSerializer(selectors.needs_requests_of(request.user)[:200], many=True).data)

    @extend_schema(
        summary="Submit a labour-needs request for an establishment I am an authorised signatory of (L2)",
        request=NeedsRequestInput,
        responses={201: NeedsRequestSerializer, 400: core_api.ERROR, 403: core_api.ERROR, 404: core_api.ERROR},
    )
    def post(self, request):
        data, fields = _checked(request)
        created = services.submit_needs_request(
            request.user, data["establishment"], justification=data["justification"], **fields
        )
        return Response(NeedsRequestSerializer(created).data, status=201)


class NeedsEstimateView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="What a labour-needs request is likely to get, and why (nothing is submitted)",
        request=NeedsRequestInput,
        responses={200: ESTIMATE, 400: core_api.ERROR, 403: core_api.ERROR, 404: core_api.ERROR},
    )
    def post(self, request):
        data, fields = _checked(request)
        establishment, _nationality, _occupation, numbers = services.check_needs_request(
            request.user, data["establishment"], **fields
        )
        return Response({**_estimate_body(numbers), "fee": selectors.needs_fee(establishment)})


class NeedsRequestView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="One of my labour-needs requests", responses={200: NeedsRequestSerializer, 404: core_api.ERROR}
    )
    def get(self, request, reference):
        return Response(NeedsRequestSerializer(selectors.needs_request_of(request.user, reference)).data)


class NeedsPayView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="Pay the fee of one of my labour-needs requests: the payment to send the browser to",
        request=None,
        responses={200: NEEDS_PAYMENT, 403: core_api.ERROR, 404: core_api.ERROR, 409: core_api.ERROR},
    )
    def post(self, request, reference):
        back = reverse("labour:needs_request", args=[reference])
        payment = services.pay_needs_request(request.user, reference, return_url=back)
        return Response(
            {
                "payment": payment.reference,
                "state": payment.state,
                "amount": payment.amount_fils,
                "next_url": request.build_absolute_uri(pay_url(payment.reference)),
            }
        )


urlpatterns = [
    path("labour/codes/", CodeListsView.as_view(), name="api-labour-codes"),
    path("labour/series/", SeriesView.as_view(), name="api-labour-series"),
    path("labour/kuwaitisation/", KuwaitisationView.as_view(), name="api-labour-kuwaitisation"),
    path("labour/needs-requests/", NeedsRequestsView.as_view(), name="api-labour-needs-requests"),
    path("labour/needs-requests/estimate/", NeedsEstimateView.as_view(), name="api-labour-needs-estimate"),
    path("labour/needs-requests/<str:reference>/", NeedsRequestView.as_view(), name="api-labour-needs-request"),
    path("labour/needs-requests/<str:reference>/pay/", NeedsPayView.as_view(), name="api-labour-needs-pay"),
]
