"""`/api/v1/polls/`: the polls, casting or replacing a ballot, the voter's own ballot and the results (JSON
and CSV). Thin views over selectors (reads) and services (writes). Every refusal is `{"detail", "code"}` in
the request's language. No endpoint says who chose what: a ballot is shown back only to its own voter."""

from django.urls import path, reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import generics, permissions, serializers, status
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from core import exports, pagecache
from core.api import CSV, ERROR, FileAnswersMixin
from core.errors import NotFound

from ..selectors import polls as selectors
from ..services import polls as services
from .common import Pagination

TAGS = ["polls"]
METHODS = {"single": "plurality", "multiple": "approval", "ranked": "instant-runoff"}


def live_poll(pk):
    page = selectors.live_poll(pk)
    if page is None:
        raise NotFound(_("There is no such poll."), code="not_found")
    return page


# --- Serializers -------------------------------------------------------------------------------------


class OptionSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="Stable across translations; name options by it when voting.")
    label = serializers.CharField()


class PollSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="This page's id (one per language).")
    poll = serializers.SerializerMethodField(help_text="The original page's id: ballots and results belong to it.")
    locale = serializers.CharField(source="locale.language_code")
    title = serializers.CharField()
    summary = serializers.CharField()
    authority = serializers.CharField(source="authority.code")
    authority_name = serializers.CharField(source="authority.name")
    kind = serializers.SerializerMethodField(help_text="single, multiple or ranked.")
    min_choices = serializers.SerializerMethodField(help_text="The fewest options a ballot names (or ranks).")
    max_choices = serializers.SerializerMethodField(help_text="The most options a ballot names (or ranks).")
    opens_at = serializers.SerializerMethodField()
    closes_at = serializers.SerializerMethodField()
    phase = serializers.SerializerMethodField(help_text="forthcoming, open or closed.")
    results_shown = serializers.SerializerMethodField(help_text="live or after_close.")
    results_available = serializers.SerializerMethodField()
    binding = serializers.SerializerMethodField(help_text="A binding poll needs `binding_poll_vote` (L2).")
    assurance_action = serializers.SerializerMethodField(help_text="The action whose assurance level voting needs.")
    options = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    def original(self, page):
        return selectors.original_of(page)

    def get_poll(self, page) -> int:
        return self.original(page).pk

    def get_kind(self, page) -> str:
        return self.original(page).kind

    def get_min_choices(self, page) -> int:
        return services.choice_bounds(page)[0]

    def get_max_choices(self, page) -> int:
        return services.choice_bounds(page)[1]

    def get_opens_at(self, page) -> str:
        return serializers.DateTimeField().to_representation(self.original(page).opens_at)

    def get_closes_at(self, page) -> str:
        return serializers.DateTimeField().to_representation(self.original(page).closes_at)

    def get_phase(self, page) -> str:
        return str(self.original(page).phase)

    def get_results_shown(self, page) -> str:
        return self.original(page).results_shown

    def get_results_available(self, page) -> bool:
        return services.results_available(page)

    def get_binding(self, page) -> bool:
        return self.original(page).binding

    def get_assurance_action(self, page) -> str:
        return str(services.action_for(page))

    def get_options(self, page) -> list[dict]:
        return [{"key": key, "label": label} for key, label in selectors.options_of(page)]

    def get_url(self, page) -> str:
        return page.get_full_url(self.context.get("request")) or ""


class BallotChoiceSerializer(serializers.Serializer):
    option = serializers.CharField(max_length=50, help_text="An option's key.")
    rank = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=1000, help_text="Ranked polls only: 1 = first."
    )


class BallotRequestSerializer(serializers.Serializer):
    choices = BallotChoiceSerializer(many=True, max_length=200)


class CastSerializer(serializers.Serializer):
    receipt = serializers.CharField(help_text="A signed receipt (compact JWS) that a ballot was cast; no choice in it.")
    verify_url = serializers.CharField()
    replaced = serializers.BooleanField(help_text="True when this ballot replaced one cast before.")


OWN_BALLOT = inline_serializer(
    "OwnBallot",
    {
        "poll": serializers.IntegerField(),
        "cast_on": serializers.DateField(),
        "choices": inline_serializer(
            "OwnBallotChoice",
            {
                "option": serializers.CharField(),
                "label": serializers.CharField(),
                "rank": serializers.IntegerField(allow_null=True, help_text="Ranked polls: 1 = first; else null."),
            },
            many=True,
        ),
    },
)

TALLY = {
    "key": serializers.CharField(),
    "label": serializers.CharField(),
    "votes": serializers.IntegerField(),
    "percent": serializers.FloatField(),
    "outcome": serializers.CharField(),
}
RESULTS = inline_serializer(
    "PollResults",
    {
        "id": serializers.IntegerField(),
        "poll": serializers.IntegerField(),
        "kind": serializers.CharField(),
        "method": serializers.CharField(help_text="plurality, approval or instant-runoff."),
        "ballots": serializers.IntegerField(),
        "final": serializers.BooleanField(),
        "counted_at": serializers.DateTimeField(),
        "winners": serializers.ListField(child=serializers.CharField()),
        "options": inline_serializer("PollTally", TALLY, many=True),
        "rounds": inline_serializer(
            "PollRound",
            {
                "round": serializers.IntegerField(),
                "continuing_ballots": serializers.IntegerField(),
                "exhausted_ballots": serializers.IntegerField(),
                "eliminated": serializers.ListField(child=serializers.CharField()),
                "elected": serializers.ListField(child=serializers.CharField()),
                "tallies": inline_serializer("PollRoundTally", TALLY, many=True),
            },
            many=True,
        ),
    },
)


def tally_data(tally):
    return {
        "key": tally.key,
        "label": tally.label,
        "votes": tally.votes,
        "percent": tally.percent,
        "outcome": tally.outcome,
    }


def results_data(page, results):
    return {
        "id": page.pk,
        "poll": results.poll_id,
        "kind": results.kind,
        "method": METHODS[results.kind],
        "ballots": results.ballots,
        "final": results.final,
        "counted_at": serializers.DateTimeField().to_representation(results.counted_at),
        "winners": results.winners,
        "options": [tally_data(tally) for tally in results.options],
        "rounds": [
            {
                "round": found.number,
                "continuing_ballots": found.continuing_ballots,
                "exhausted_ballots": found.exhausted_ballots,
                "eliminated": found.eliminated,
                "elected": found.elected,
                "tallies": [tally_data(tally) for tally in found.tallies],
            }
            for found in results.rounds
        ],
    }


class ResultsCSVRenderer(BaseRenderer):
    """Poll results as CSV (UTF-8 with a BOM, so spreadsheets read Arabic): one row per option and round of
    counting. A single or multiple choice poll has one round. A refusal is JSON (core.api.FileAnswersMixin)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        rounds = data["rounds"] or [{"round": 1, "continuing_ballots": data["ballots"], "tallies": data["options"]}]
        rows = [
            [
                found["round"],
                tally["key"],
                tally["label"],
                tally["votes"],
                tally["percent"],
                found["continuing_ballots"],
                tally["outcome"],
            ]
            for found in rounds
            for tally in found["tallies"]
        ]
        header = ["round", "option", "label", "votes", "percent", "ballots_counting", "outcome"]
        return exports.csv_text(header, rows).encode("utf-8")


# --- Views -------------------------------------------------------------------------------------------


class PollListView(generics.ListAPIView):
    serializer_class = PollSerializer
    permission_classes = [permissions.AllowAny]
    pagination_class = Pagination

    def get_queryset(self):
        language = self.request.query_params.get("locale") or None
        if language not in (None, "ar", "en"):
            raise services.InvalidBallot(_("Choose the locale ar or en."), field="locale")
        return selectors.live_polls(language)

    @extend_schema(
        summary="List polls",
        parameters=[
            OpenApiParameter("locale", str, enum=["ar", "en"], description="The request's language by default.")
        ],
        responses={200: PollSerializer(many=True), 400: ERROR},
        tags=TAGS,
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class PollDetailView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(summary="A poll", responses={200: PollSerializer, 404: ERROR}, tags=TAGS)
    def get(self, request, pk):
        return Response(PollSerializer(live_poll(pk), context={"request": request}).data)


class PollVotesView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        summary="Cast or replace your ballot",
        description=(
            "Needs the assurance level of `poll_vote` (L1), or of `binding_poll_vote` (L2) in a binding poll. "
            "One ballot per person: casting again while the poll is open replaces the ballot (200 instead of "
            "201). `choices` name options by key: exactly one in a single choice poll; between `min_choices` "
            "and `max_choices` otherwise; in a ranked poll each with a `rank`, numbered 1..n without gaps or "
            "repeats. Rate-limited (429 with Retry-After). Returns a signed receipt that a ballot was cast, "
            "without the choices."
        ),
        request=BallotRequestSerializer,
        responses={
            201: CastSerializer,
            200: CastSerializer,
            400: ERROR,
            403: ERROR,
            404: ERROR,
            409: ERROR,
            429: ERROR,
        },
        tags=TAGS,
    )
    def post(self, request, pk):
        page = live_poll(pk)
        serializer = BallotRequestSerializer(data=request.data)
        if not serializer.is_valid():
            raise services.InvalidBallot(
                _('Send your choices as "choices": a list of {"option": key} (with "rank" in a ranked poll).'),
                field="choices",
            )
        choices = [(choice["option"], choice.get("rank")) for choice in serializer.validated_data["choices"]]
        cast = services.cast_ballot(request.user, page, choices, request)
        return Response(
            {"receipt": cast.receipt, "verify_url": reverse("api-receipt-verify"), "replaced": cast.replaced},
            status=status.HTTP_200_OK if cast.replaced else status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="Your own ballot",
        description="Only the voter can see their ballot: it is found by a keyed hash of their account.",
        responses={200: OWN_BALLOT, 403: ERROR, 404: ERROR},
        tags=TAGS,
    )
    def get(self, request, pk):
        page = live_poll(pk)
        if not request.user.is_authenticated:
            return Response(
                {"detail": _("Sign in to see your ballot."), "code": "not_authenticated"},
                status=status.HTTP_403_FORBIDDEN,
            )
        own = selectors.own_ballot(request.user, page)
        if own is None:
            raise NotFound(_("You have not voted in this poll."), code="no_ballot")
        return Response(
            {
                "poll": selectors.original_of(page).pk,
                "cast_on": own.cast_on,
                "choices": [{"option": key, "label": label, "rank": rank} for key, label, rank in own.choices],
            }
        )


class PollResultsView(FileAnswersMixin, APIView):
    permission_classes = [permissions.AllowAny]
    renderer_classes = [JSONRenderer, ResultsCSVRenderer]

    @extend_schema(
        summary="The results of a poll (JSON or CSV)",
        description=(
            "Counts only, never a ballot. Shown from the opening when the results are live, else after the "
            "closing (403 `results_not_available` before). `?format=csv` (or `results.csv`) gives CSV: one "
            "row per option and round of counting (ranked polls: instant-runoff rounds)."
        ),
        parameters=[OpenApiParameter("format", str, enum=["json", "csv"])],
        responses={
            (200, "application/json"): RESULTS,
            (200, "text/csv"): CSV,
            403: ERROR,
            404: ERROR,
        },
        tags=TAGS,
    )
    def get(self, request, pk, format=None):
        page = live_poll(pk)
        services.check_results_available(page)
        response = Response(results_data(page, selectors.poll_results(page)))
        if request.accepted_renderer.format == "csv":
            response["Content-Disposition"] = (
                f'attachment; filename="poll-{selectors.original_of(page).pk}-results.csv"'
            )
        response["Access-Control-Allow-Origin"] = "*"
        return response


@extend_schema_view(
    get=extend_schema(
        operation_id="polls_results_csv",
        parameters=[OpenApiParameter("format", exclude=True)],
        responses={(200, "text/csv"): CSV, 403: ERROR, 404: ERROR},
    )
)
class PollResultsCsvView(PollResultsView):
    """`results.csv`: always CSV (the path's suffix chooses the format)."""


urlpatterns = [
    path("polls/", pagecache.cache_public(PollListView.as_view(), live=True), name="api-polls"),
    path("polls/<int:pk>/", pagecache.cache_public(PollDetailView.as_view(), live=True), name="api-poll"),
    path("polls/<int:pk>/votes/", PollVotesView.as_view(), name="api-poll-votes"),
    path("polls/<int:pk>/results/", PollResultsView.as_view(), name="api-poll-results"),
    path("polls/<int:pk>/results.csv", PollResultsCsvView.as_view(), {"format": "csv"}, name="api-poll-results-csv"),
]
