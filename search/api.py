"""`/api/v1/search/` and `/api/v1/search/suggest/`: one search over everything the apps register.

Every parameter is checked: an unknown one is a 400 `unknown_filter`, a malformed one a 400 `invalid`;
the query text itself is never refused (a long one is cut, see search.query), so any text a citizen types
gets results or an empty list."""

import copy
from datetime import datetime, time, timedelta
from functools import cache

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import ERROR
from core.errors import InvalidInput

from . import selectors
from .query import FACETS, MAX_QUERY_LENGTH, ORDERS, SearchQuery

MAX_PAGE_SIZE = 50
SUGGESTIONS = 10


class UnknownFilter(InvalidInput):
    code = "unknown_filter"

    def default_message(self):
        return _("Unknown filter.")


class InvalidSearchParameter(InvalidInput):
    def __init__(self, message="", *, field=None, errors=None):
        # Every refused parameter with its first message (an ErrorDetail: its `code` says why), so that the search
        # page can show each one next to its own field. The API answers with the first one alone.
        self.errors = errors or {}
        super().__init__(message, field=field)

    def default_message(self):
        return _("Invalid search parameter.")


def _language_codes():
    return [code for code, _name in settings.LANGUAGES]


class DayField(serializers.DateField):
    """A day, `YYYY-MM-DD`; empty means no limit, as an empty date field of the search page's form sends it."""

    def validate_empty_values(self, data):
        if isinstance(data, str) and not data.strip():
            return (True, None)
        return super().validate_empty_values(data)


class QueryParameters(serializers.Serializer):
    """A serializer of query parameters whose fields are built once per class. DRF deep-copies a serializer's
    declared fields for each instance (rebuilding each field, its validators and a list's child: half the
    parameters' cost); these fields keep nothing of a validation, so each instance gets shallow copies instead,
    which it binds as its own, sharing what the fields only read (a list's child, validators, messages)."""

    def get_fields(self):
        built = type(self).__dict__.get("_built_fields")
        if built is None:
            built = super().get_fields()
            type(self)._built_fields = built
        return {name: copy.copy(field) for name, field in built.items()}


class SearchParameters(QueryParameters):
    q = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, default="")
    kind = serializers.ListField(child=serializers.CharField(max_length=40), required=False, default=list)
    authority = serializers.ListField(child=serializers.CharField(max_length=40), required=False, default=list)
    locale = serializers.ChoiceField(choices=(), required=False, allow_blank=True, default="")
    status = serializers.ListField(child=serializers.CharField(max_length=40), required=False, default=list)
    life_event = serializers.ListField(child=serializers.CharField(max_length=60), required=False, default=list)
    date_from = DayField(required=False, default=None)
    date_to = DayField(required=False, default=None)
    order = serializers.ChoiceField(choices=ORDERS, required=False, default="relevance")
    page = serializers.IntegerField(min_value=1, max_value=10_000, required=False, default=1)
    page_size = serializers.IntegerField(min_value=1, max_value=MAX_PAGE_SIZE, required=False, default=20)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["locale"].choices = _language_codes()

    def validate(self, data):
        if data["date_from"] and data["date_to"] and data["date_from"] > data["date_to"]:
            raise serializers.ValidationError(
                {"date_to": _("Must be the same day as date_from or later.")}, code="date_range"
            )
        return data


class SuggestParameters(QueryParameters):
    q = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, default="")
    locale = serializers.ChoiceField(choices=(), required=False, allow_blank=True, default="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["locale"].choices = _language_codes()


def parameters_from(serializer_class, request):
    """The validated parameters of `request.query_params` (the API's request, or the search page's query string),
    or `UnknownFilter` / `InvalidSearchParameter`."""
    known = _parameter_names(serializer_class)
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        raise UnknownFilter(
            _("Unknown filter: %(unknown)s. The filters are: %(known)s.")
            % {"unknown": ", ".join(unknown), "known": ", ".join(sorted(known))}
        )
    parameters = serializer_class(data=request.query_params)
    if not parameters.is_valid():
        errors = {name: _first_message(messages) for name, messages in parameters.errors.items()}
        name, message = next(iter(errors.items()))
        raise InvalidSearchParameter(f"{name}: {message}", field=name, errors=errors)
    return parameters.validated_data


@cache
def _parameter_names(serializer_class):
    # Its fields are deep-copied for each instance: named once, not on every request.
    return frozenset(serializer_class().fields)


def _first_message(messages):
    # A list field's errors are by position: {0: [message]}.
    return messages[0] if isinstance(messages, list) else next(iter(messages.values()))[0]


def split_values(values):
    """Repeated parameters and comma-separated values alike: `?kind=a&kind=b` or `?kind=a,b`."""
    return tuple(dict.fromkeys(part.strip() for value in values for part in value.split(",") if part.strip()))


def _day_start(day):
    return timezone.make_aware(datetime.combine(day, time.min)) if day else None


def _day_end(day):
    return (
        timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min)) - timedelta(microseconds=1)
        if day
        else None
    )


def search_query_from(parameters):
    return SearchQuery(
        text=parameters["q"],
        kinds=split_values(parameters["kind"]),
        authorities=split_values(parameters["authority"]),
        locale=parameters["locale"] or None,
        statuses=split_values(parameters["status"]),
        life_events=split_values(parameters["life_event"]),
        date_from=_day_start(parameters["date_from"]),
        date_to=_day_end(parameters["date_to"]),
        order=parameters["order"],
        page=parameters["page"],
        page_size=parameters["page_size"],
    )


class SearchHitSerializer(serializers.Serializer):
    kind = serializers.CharField(
        help_text="What it is: `service`, `consultation`, `poll`, `petition`, `dashboard` (a labour-market dashboard)."
    )
    id = serializers.CharField(help_text="Its id within its kind (for a service, the page id).")
    title = serializers.CharField()
    url = serializers.CharField(help_text="Where it is on the portal.")
    summary = serializers.CharField()
    highlight = serializers.CharField(
        help_text="HTML: a fragment of the text around the matching words, each in <mark>; empty when none."
    )
    locale = serializers.CharField()
    authority = serializers.CharField(help_text="The code of the authority, e.g. `PAM`; empty when none.")
    date = serializers.DateTimeField(allow_null=True)


class FacetValueSerializer(serializers.Serializer):
    value = serializers.CharField()
    count = serializers.IntegerField()


class SearchResponseSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    corrected = serializers.CharField(
        help_text="Empty, or — when the words as typed matched nothing — the corrected words that were searched "
        'instead ("did you mean"): the results are for them.'
    )
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    results = SearchHitSerializer(many=True)
    facets = inline_serializer("SearchFacets", {facet: FacetValueSerializer(many=True) for facet in FACETS})


class SuggestionSerializer(serializers.Serializer):
    kind = serializers.CharField()
    id = serializers.CharField()
    title = serializers.CharField()
    url = serializers.CharField()


_MANY = "Repeat the parameter, or separate values with commas, for any of several."
SEARCH_PARAMETERS = [
    OpenApiParameter(
        "q",
        OpenApiTypes.STR,
        description=f"Free text, Arabic or English. Cut at {MAX_QUERY_LENGTH} characters. "
        "Without it, everything that matches the filters, newest first.",
    ),
    OpenApiParameter(
        "kind",
        OpenApiTypes.STR,
        description=f"What to search: `service`, `consultation`, `poll`, `petition`, `dashboard`. {_MANY}",
    ),
    OpenApiParameter("authority", OpenApiTypes.STR, description=f"An authority's code, e.g. `PAM`. {_MANY}"),
    OpenApiParameter("locale", OpenApiTypes.STR, enum=["ar", "en"], description="Only results in this language."),
    OpenApiParameter("status", OpenApiTypes.STR, description=f"e.g. `available`, `suspended`. {_MANY}"),
    OpenApiParameter("life_event", OpenApiTypes.STR, description=f"A life event's slug. {_MANY}"),
    OpenApiParameter("date_from", OpenApiTypes.DATE, description="Dated on or after this day."),
    OpenApiParameter(
        "date_to", OpenApiTypes.DATE, description="Dated on or before this day; the same day as `date_from` or later."
    ),
    OpenApiParameter("order", OpenApiTypes.STR, enum=list(ORDERS), description="`relevance` (default) or `date`."),
    OpenApiParameter("page", OpenApiTypes.INT, description="From 1."),
    OpenApiParameter("page_size", OpenApiTypes.INT, description=f"1 to {MAX_PAGE_SIZE}; 20 by default."),
]


class PublicSearchView(APIView):
    authentication_classes = []
    permission_classes = [permissions.AllowAny]


class SearchView(PublicSearchView):
    @extend_schema(
        operation_id="search",
        summary="Search everything",
        description=(
            "Services (and, as they arrive, consultations, petitions, polls and comments) in one search, "
            "with filters, facets counted on the filtered results, relevance or date order, and highlights. "
            "Arabic is normalised (hamza forms, ة/ه, ى/ي, diacritics, tatweel, Arabic-Indic digits) on both "
            "sides. An unknown parameter is a 400 with code `unknown_filter`."
        ),
        parameters=SEARCH_PARAMETERS,
        responses={200: SearchResponseSerializer, 400: ERROR, 503: ERROR},
        tags=["search"],
    )
    def get(self, request):
        query = search_query_from(parameters_from(SearchParameters, request))
        results = selectors.search(query)
        return Response(
            {
                "count": results.count,
                "corrected": results.corrected,
                "page": results.page,
                "page_size": results.page_size,
                "results": [
                    {
                        "kind": hit.kind,
                        "id": hit.id,
                        "title": hit.title,
                        "url": hit.url,
                        "summary": hit.summary,
                        "highlight": hit.highlight,
                        "locale": hit.locale,
                        "authority": hit.authority,
                        "date": hit.date.isoformat() if hit.date else None,
                    }
                    for hit in results.hits
                ],
                "facets": {
                    facet: [{"value": value.value, "count": value.count} for value in results.facets.get(facet, [])]
                    for facet in FACETS
                },
            }
        )


class SuggestView(PublicSearchView):
    @extend_schema(
        operation_id="search_suggest",
        summary="Suggestions as you type",
        description=(
            f"Up to {SUGGESTIONS} titles in which every word typed begins a word (the last one may be "
            "unfinished), titles that begin with the first word first."
        ),
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, description="What has been typed so far."),
            OpenApiParameter("locale", OpenApiTypes.STR, enum=["ar", "en"]),
        ],
        responses={200: SuggestionSerializer(many=True), 400: ERROR, 503: ERROR},
        tags=["search"],
    )
    def get(self, request):
        parameters = parameters_from(SuggestParameters, request)
        suggestions = selectors.suggest(parameters["q"], locale=parameters["locale"] or None, limit=SUGGESTIONS)
        return Response(
            [{"kind": item.kind, "id": item.id, "title": item.title, "url": item.url} for item in suggestions]
        )
