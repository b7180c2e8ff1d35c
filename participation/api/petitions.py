"""`/api/v1/petitions/`: thin views over selectors (reads) and services (writes). Every refusal is
`{"detail", "code"}` in the request's language."""

from django.http import JsonResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import generics, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from cms.models import Authority
from core import exports, pagecache
from core.api import CSV, ERROR, validated
from core.errors import NotFound
from identity.models import Action
from identity.policy import require

from ..models import Governorate, Petition
from ..selectors import petitions as selectors
from ..services import petitions as services
from .common import Pagination


def public_petition(pk):
    petition = selectors.public_petitions().filter(pk=pk).first()
    if petition is None:
        raise NotFound(_("There is no such petition."), code="not_found")
    return petition


class ThresholdSerializer(serializers.Serializer):
    signatures = serializers.IntegerField()
    progress_percent = serializers.IntegerField()
    reached_at = serializers.DateTimeField(allow_null=True)


class PetitionSerializer(serializers.ModelSerializer):
    authority = serializers.CharField(source="authority.code", read_only=True)
    authority_name = serializers.CharField(read_only=True, help_text="The authority's name in the active language.")
    signature_count = serializers.SerializerMethodField(
        help_text="Valid signatures, counted at most PETITION_COUNT_LAG_SECONDS (5 s) ago."
    )
    thresholds = serializers.SerializerMethodField()

    class Meta:
        model = Petition
        fields = [
            "id",
            "title",
            "body",
            "authority",
            "authority_name",
            "state",
            "opened_at",
            "closes_at",
            "signature_count",
            "thresholds",
            "government_response",
            "responded_at",
        ]

    def get_signature_count(self, petition) -> int:
        return selectors.signature_count(petition.pk)

    @extend_schema_field(
        inline_serializer("PetitionThresholds", {"response": ThresholdSerializer(), "debate": ThresholdSerializer()})
    )
    def get_thresholds(self, petition):
        count = selectors.signature_count(petition.pk)
        return {
            "response": {
                "signatures": petition.response_threshold,
                "progress_percent": selectors.progress(count, petition.response_threshold),
                "reached_at": petition.response_threshold_reached_at,
            },
            "debate": {
                "signatures": petition.debate_threshold,
                "progress_percent": selectors.progress(count, petition.debate_threshold),
                "reached_at": petition.debate_threshold_reached_at,
            },
        }


class NewPetitionSerializer(serializers.Serializer):
    authority = serializers.CharField(max_length=20, help_text="The authority's code, e.g. MSAL.")
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=20_000, help_text="HTML; sanitised (p, br, strong, em, lists, links).")


class CreatedPetitionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    state = serializers.CharField()
    sponsor_token = serializers.CharField(help_text="Share /api/v1/petitions/sponsor/{token}/ with sponsors.")
    sponsors_needed = serializers.IntegerField()


class SignatureRequestSerializer(serializers.Serializer):
    governorate = serializers.ChoiceField(choices=Governorate.choices)
    keep_informed = serializers.BooleanField(default=False)


class SignedSerializer(serializers.Serializer):
    receipt = serializers.CharField(help_text="A signed receipt (compact JWS); verify at /api/v1/receipts/verify.")
    verify_url = serializers.CharField()


class PetitionListCreateView(generics.ListAPIView):
    """Public petitions, and starting a new one."""

    serializer_class = PetitionSerializer
    permission_classes = [permissions.AllowAny]
    pagination_class = Pagination

    def get_queryset(self):
        state = self.request.query_params.get("state")
        if state not in (None, "", *Petition.PUBLIC_STATES):
            raise services.InvalidPetition(_("Choose the state open or closed."), field="state")
        return selectors.search_petitions(
            authority_code=self.request.query_params.get("authority"),
            state=state or None,
            query=(self.request.query_params.get("q") or "").strip()[:100] or None,
        )

    @extend_schema(
        summary="List petitions",
        parameters=[
            OpenApiParameter("authority", str, description="An authority code, e.g. MSAL."),
            OpenApiParameter("state", str, enum=["open", "closed"], description="Open ones by default."),
            OpenApiParameter("q", str, description="Words in the title or text."),
        ],
        responses={200: PetitionSerializer(many=True), 400: ERROR},
        tags=["petitions"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Start a petition",
        description="Needs the assurance level of `petition_create` (L2). The petition then collects sponsors.",
        request=NewPetitionSerializer,
        responses={201: CreatedPetitionSerializer, 400: ERROR, 403: ERROR},
        tags=["petitions"],
    )
    def post(self, request):
        require(request.user, Action.PETITION_CREATE)
        data = validated(NewPetitionSerializer(data=request.data), services.InvalidPetition)
        authority = Authority.objects.filter(code=data["authority"]).first()
        if authority is None:
            raise services.InvalidPetition(_("There is no authority with that code."), field="authority")
        petition = services.create_petition(request.user, authority, data["title"], data["body"])
        return Response(
            CreatedPetitionSerializer(petition).data,
            status=status.HTTP_201_CREATED,
        )


class PetitionDetailView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(summary="A petition", responses={200: PetitionSerializer, 404: ERROR}, tags=["petitions"])
    def get(self, request, pk):
        return Response(PetitionSerializer(public_petition(pk)).data)


class PetitionSignaturesView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        summary="Sign a petition",
        description=(
            "Needs the assurance level of `petition_sign` (L2). One signature per person. Rate-limited per "
            "user and per address (429 with Retry-After). Returns a signed receipt that records the "
            "signing under a pseudonym, without the governorate."
        ),
        request=SignatureRequestSerializer,
        responses={201: SignedSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR, 429: ERROR},
        tags=["petitions"],
    )
    def post(self, request, pk):
        # The hottest write of the portal: the service reads the petition and the citizen's level once each
        # (not found → 404, assurance → 403), so this view does not read them first.
        serializer = SignatureRequestSerializer(data=request.data)
        if not serializer.is_valid():
            field, messages = next(iter(serializer.errors.items()))
            if field == "governorate":
                raise services.InvalidGovernorate(field=field)
            raise services.InvalidPetition(messages[0], field=field)
        signed = services.sign_petition(
            request.user,
            pk,
            serializer.validated_data["governorate"],
            serializer.validated_data["keep_informed"],
            request,
        )
        return Response(
            {"receipt": signed.receipt, "verify_url": reverse("api-receipt-verify")},
            status=status.HTTP_201_CREATED,
        )


class SignaturesByGovernorateView(APIView):
    """Open data: how many valid signatures came from each governorate. Counts only, never a person."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        summary="Signatures by governorate (open data)",
        responses={
            200: inline_serializer(
                "PetitionSignaturesByGovernorate",
                {
                    "petition": serializers.IntegerField(),
                    "total": serializers.IntegerField(),
                    "by_governorate": serializers.DictField(child=serializers.IntegerField()),
                },
            ),
            404: ERROR,
        },
        tags=["petitions"],
    )
    def get(self, request, pk):
        petition = public_petition(pk)
        total, by_governorate = selectors.signature_counts(petition.pk)
        response = Response({"petition": petition.pk, "total": total, "by_governorate": by_governorate})
        response["Access-Control-Allow-Origin"] = "*"
        return response


class PetitionExportView(APIView):
    """Open data: every public petition with its count in total and per governorate, as CSV or JSON."""

    permission_classes = [permissions.AllowAny]
    export_format = "json"

    @extend_schema(
        summary="All public petitions with their counts (open data, CSV or JSON)",
        description=(
            "`export.csv` (UTF-8 with a byte-order mark, one row per petition, a column per governorate) or "
            "`export.json`. Counts only, never a person; on the same ≤ 5 s lag as the shown count. "
            "Open and closed petitions unless `state` says which."
        ),
        parameters=[
            OpenApiParameter("authority", str, description="An authority code, e.g. MSAL."),
            OpenApiParameter("state", str, enum=["open", "closed"]),
        ],
        responses={
            200: inline_serializer(
                "PetitionExport",
                {
                    "generated_at": serializers.DateTimeField(),
                    "petitions": serializers.ListField(child=serializers.DictField()),
                },
            ),
            400: ERROR,
        },
        tags=["petitions"],
    )
    def get(self, request):
        state = request.query_params.get("state") or None
        if state not in (None, *Petition.PUBLIC_STATES):
            raise services.InvalidPetition(_("Choose the state open or closed."), field="state")
        rows = selectors.petition_export_rows(authority_code=request.query_params.get("authority") or None, state=state)
        generated_at = timezone.now().isoformat()
        if self.export_format == "csv":
            response = exports.csv_response(
                "petitions.csv",
                [*selectors.EXPORT_FIELDS, *Governorate.values],
                (
                    [row[name] for name in selectors.EXPORT_FIELDS]
                    + [row["by_governorate"][code] for code in Governorate.values]
                    for row in rows
                ),
            )
        else:
            response = JsonResponse(
                {"generated_at": generated_at, "petitions": list(rows)}, json_dumps_params={"ensure_ascii": False}
            )
            response["Content-Disposition"] = 'inline; filename="petitions.json"'
        response["Access-Control-Allow-Origin"] = "*"
        return response


@extend_schema_view(
    get=extend_schema(operation_id="petitions_export_csv", responses={(200, "text/csv"): CSV, 400: ERROR})
)
class PetitionCsvExportView(PetitionExportView):
    export_format = "csv"


@extend_schema_view(get=extend_schema(operation_id="petitions_export_json"))
class PetitionJsonExportView(PetitionExportView):
    export_format = "json"


class SponsorView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        summary="Sponsor a petition",
        description="With the token of the author's share link. The last sponsor needed sends it to moderation.",
        request=None,
        responses={
            201: inline_serializer(
                "PetitionSponsored", {"id": serializers.IntegerField(), "state": serializers.CharField()}
            ),
            403: ERROR,
            409: ERROR,
        },
        tags=["petitions"],
    )
    def post(self, request, token):
        require(request.user, Action.PETITION_SIGN)
        petition = services.sponsor_petition(request.user, token)
        return Response({"id": petition.pk, "state": petition.state}, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("petitions/", pagecache.cache_public(PetitionListCreateView.as_view(), live=True), name="api-petitions"),
    path("petitions/sponsor/<str:token>/", SponsorView.as_view(), name="api-petition-sponsor"),
    path("petitions/export.csv", PetitionCsvExportView.as_view(), name="api-petitions-export-csv"),
    path("petitions/export.json", PetitionJsonExportView.as_view(), name="api-petitions-export-json"),
    path("petitions/<int:pk>/", pagecache.cache_public(PetitionDetailView.as_view(), live=True), name="api-petition"),
    path("petitions/<int:pk>/signatures/", PetitionSignaturesView.as_view(), name="api-petition-sign"),
    path(
        "petitions/<int:pk>/signatures/by-governorate/",
        SignaturesByGovernorateView.as_view(),
        name="api-petition-by-governorate",
    ),
]
