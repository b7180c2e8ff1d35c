"""`/api/v1/consultations/`: public consultations, their questions and paragraphs, the caller's own
response (GET/PUT) and the published outcome (JSON and CSV). Thin views over selectors and services; every
refusal is `{"detail", "code"}` in the request's language.

A consultation is named by any of its pages (one per language); responses belong to the original page, and
the questions and paragraphs come worded as on the page asked for."""

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core import exports, pagecache
from core.api import CSV, ERROR
from core.errors import NotFound

from ..models import Phase
from ..selectors import consultations as selectors
from ..services.common import InvalidInput, ParticipationError
from ..services.consultations import respond_to_consultation
from .common import Pagination

TAGS = ["consultations"]


def public_consultation(pk):
    page = selectors.public_consultation(pk)
    if page is None:
        raise NotFound(_("There is no such consultation."), code="not_found")
    return page


class ConsultationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    original_id = serializers.SerializerMethodField(help_text="The page that responses and comments belong to.")
    language = serializers.CharField(source="locale.language_code")
    title = serializers.CharField()
    url = serializers.SerializerMethodField()
    authority = serializers.CharField(source="authority.code")
    authority_name = serializers.CharField(source="authority.name")
    summary = serializers.CharField()
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    phase = serializers.ChoiceField(choices=Phase.choices)
    outcome_published_at = serializers.SerializerMethodField()

    def get_original_id(self, page) -> int:
        return page.original().pk

    def get_url(self, page) -> str:
        return page.get_url() or ""

    def get_outcome_published_at(self, page) -> str | None:
        if page.phase != Phase.OUTCOME:
            return None
        return serializers.DateTimeField().to_representation(page.outcome_published_at)


class ConsultationChoiceSerializer(serializers.Serializer):
    value = serializers.CharField(help_text="What to send as the answer (the original page's wording).")
    label = serializers.CharField(help_text="What to show, in this page's language.")


class ConsultationQuestionSerializer(serializers.Serializer):
    key = serializers.CharField()
    text = serializers.CharField()
    help_text = serializers.CharField()
    kind = serializers.ChoiceField(choices=["text", "single", "multiple", "scale"])
    required = serializers.BooleanField()
    scale_max = serializers.IntegerField(help_text="Scale questions: answers run from 1 to this number.")
    choices = serializers.SerializerMethodField()

    def get_choices(self, question) -> ConsultationChoiceSerializer(many=True):
        return [{"value": value, "label": label} for value, label in question.choices]


class ConsultationParagraphSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="Stable block id: the anchor on the page and a comment's `paragraph`.")
    type = serializers.ChoiceField(choices=["heading", "paragraph"])
    text = serializers.CharField(help_text="Plain text for a heading, HTML for a paragraph.")


class ConsultationDocumentSerializer(serializers.Serializer):
    title = serializers.CharField()
    url = serializers.CharField()
    is_outcome = serializers.BooleanField()


def _documents(page, outcome=None):
    items = page.documents.select_related("document").order_by("sort_order")
    if outcome is not None:
        items = items.filter(is_outcome=outcome)
    return [
        {"title": item.title or item.document.title, "url": item.document.url, "is_outcome": item.is_outcome}
        for item in items
    ]


class ConsultationDetailSerializer(ConsultationSerializer):
    paragraphs = serializers.SerializerMethodField()
    questions = serializers.SerializerMethodField()
    documents = serializers.SerializerMethodField()

    def get_paragraphs(self, page) -> ConsultationParagraphSerializer(many=True):
        return [
            {
                "id": block.id,
                "type": block.block_type,
                "text": str(block.value.source if block.block_type == "paragraph" else block.value),
            }
            for block in page.body
        ]

    def get_questions(self, page) -> ConsultationQuestionSerializer(many=True):
        return ConsultationQuestionSerializer(selectors.questions(page), many=True).data

    def get_documents(self, page) -> ConsultationDocumentSerializer(many=True):
        draft = _documents(page, outcome=False)
        return draft + (_documents(page, outcome=True) if page.phase == Phase.OUTCOME else [])


class ConsultationListView(generics.ListAPIView):
    serializer_class = ConsultationSerializer
    permission_classes = [permissions.AllowAny]
    pagination_class = Pagination

    def get_queryset(self):
        # `?locale=`, as everywhere else; `?language=` is its deprecated alias, still read (docs/api.md).
        name = "locale" if "locale" in self.request.query_params else "language"
        language = self.request.query_params.get(name) or None
        if language not in (None, "ar", "en"):
            raise InvalidInput(_("Choose the locale ar or en."), field=name)
        pages = selectors.public_consultations(language)
        phase = self.request.query_params.get("phase") or None
        if phase is None:
            return pages
        if phase not in Phase.values:
            raise InvalidInput(_("Choose the phase forthcoming, open, closed or outcome."), field="phase")
        return [page for page in pages if page.phase == phase]

    @extend_schema(
        summary="List consultations",
        parameters=[
            OpenApiParameter("locale", str, enum=["ar", "en"], description="Only the pages in this language."),
            OpenApiParameter(
                "language", str, enum=["ar", "en"], deprecated=True, description="The former name of `locale`."
            ),
            OpenApiParameter("phase", str, enum=Phase.values),
        ],
        responses={200: ConsultationSerializer(many=True), 400: ERROR},
        tags=TAGS,
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ConsultationDetailView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        summary="A consultation, with its paragraphs and questions",
        responses={200: ConsultationDetailSerializer, 404: ERROR},
        tags=TAGS,
    )
    def get(self, request, pk):
        return Response(ConsultationDetailSerializer(public_consultation(pk)).data)


class ConsultationResponseSerializer(serializers.Serializer):
    consultation = serializers.IntegerField(source="consultation_id", help_text="The original page's id.")
    answers = serializers.DictField(help_text="{question key: answer}")
    submitted = serializers.DateTimeField(source="created_at")
    changed = serializers.DateTimeField(source="updated_at")


class ConsultationAnswersSerializer(serializers.Serializer):
    answers = serializers.DictField(
        help_text=(
            "{question key: answer}: text for `text`, one choice `value` for `single`, a list of them for "
            "`multiple`, a whole number from 1 to `scale_max` for `scale`. Leave out unanswered optional questions."
        )
    )


class MyResponseView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        summary="My response to a consultation",
        responses={200: ConsultationResponseSerializer, 403: ERROR, 404: ERROR},
        tags=TAGS,
    )
    def get(self, request, pk):
        page = public_consultation(pk)
        if not request.user.is_authenticated:
            raise _NotSignedIn()
        response = selectors.response_of(request.user, page)
        if response is None:
            raise NotFound(_("You have not responded to this consultation."), code="no_response")
        return Response(ConsultationResponseSerializer(response).data)

    @extend_schema(
        summary="Give or change my response",
        description=(
            "Needs the assurance level of `consultation_respond` (L1). One response per person: a second PUT "
            "replaces the answers, while the consultation is open (409 otherwise). Each answer is checked "
            "against the question with the same key; a bad one is a 400 naming the question."
        ),
        request=ConsultationAnswersSerializer,
        responses={
            200: ConsultationResponseSerializer,
            201: ConsultationResponseSerializer,
            400: ERROR,
            403: ERROR,
            404: ERROR,
            409: ERROR,
        },
        tags=TAGS,
    )
    def put(self, request, pk):
        page = public_consultation(pk)
        answers = request.data.get("answers") if isinstance(request.data, dict) else None
        if not isinstance(answers, dict):
            raise InvalidInput(_('Send the answers as {"answers": {question key: answer}}.'), field="answers")
        saved = respond_to_consultation(request.user, page, answers, request)
        return Response(ConsultationResponseSerializer(saved.response).data, status=201 if saved.created else 200)


class _NotSignedIn(ParticipationError):
    code = "not_authenticated"
    status = 403

    def default_message(self):
        return _("Sign in to see your response.")


def published_outcome(pk):
    page = public_consultation(pk)
    if page.phase != Phase.OUTCOME:
        raise NotFound(_("The outcome of this consultation is not published yet."), code="no_outcome")
    return page


OUTCOME = inline_serializer(
    "ConsultationOutcome",
    {
        "consultation": serializers.IntegerField(),
        "title": serializers.CharField(),
        "authority": serializers.CharField(),
        "published_at": serializers.DateTimeField(),
        "summary": serializers.CharField(help_text="HTML"),
        "documents": ConsultationDocumentSerializer(many=True),
        "responses": serializers.IntegerField(),
        "questions": serializers.ListField(child=serializers.DictField()),
    },
)


class OutcomeView(APIView):
    """The published outcome as open data: the ministry's summary and documents, and how many chose what.
    Counts only; free-text answers and respondents are never in it."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(summary="The outcome of a consultation (JSON)", responses={200: OUTCOME, 404: ERROR}, tags=TAGS)
    def get(self, request, pk):
        page = published_outcome(pk)
        tally = selectors.tally(page)
        response = Response(
            {
                "consultation": page.original().pk,
                "title": page.title,
                "authority": page.authority.code,
                "published_at": serializers.DateTimeField().to_representation(page.outcome_published_at),
                "summary": page.outcome_summary,
                "documents": _documents(page, outcome=True),
                "responses": tally["responses"],
                "questions": tally["questions"],
            }
        )
        response["Access-Control-Allow-Origin"] = "*"
        return response


class OutcomeCsvView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        summary="The outcome of a consultation (CSV)",
        description=(
            "One row per question and answer offered: question key, question, kind, how many answered it, "
            "answer, count (free-text questions: one row, without answers). UTF-8 with BOM."
        ),
        responses={(200, "text/csv"): CSV, 404: ERROR},
        tags=TAGS,
    )
    def get(self, request, pk):
        page = published_outcome(pk)
        tally = selectors.tally(page)
        rows = []
        for question in tally["questions"]:
            first = [question["key"], question["text"], question["kind"], question["answered"]]
            rows += [[*first, row["label"], row["count"]] for row in question["counts"]] or [[*first, "", ""]]
        header = ["question", "question_text", "kind", "answered", "answer", "count"]
        response = exports.csv_response(f"consultation-{page.original().pk}-outcome.csv", header, rows)
        response["Access-Control-Allow-Origin"] = "*"
        return response


urlpatterns = [
    path("consultations/", pagecache.cache_public(ConsultationListView.as_view(), live=True), name="api-consultations"),
    path(
        "consultations/<int:pk>/",
        pagecache.cache_public(ConsultationDetailView.as_view(), live=True),
        name="api-consultation",
    ),
    path("consultations/<int:pk>/response/", MyResponseView.as_view(), name="api-consultation-response"),
    path("consultations/<int:pk>/outcome/", OutcomeView.as_view(), name="api-consultation-outcome"),
    path("consultations/<int:pk>/outcome.csv", OutcomeCsvView.as_view(), name="api-consultation-outcome-csv"),
]
