"""The content API (Wagtail API v2) for the catalogue: pages, images, documents."""

from django.db.models import F, Prefetch
from rest_framework.filters import BaseFilterBackend
from wagtail.api.v2.serializers import PageSerializer
from wagtail.api.v2.utils import BadRequestError
from wagtail.api.v2.views import PagesAPIViewSet
from wagtail.models import Page

from core import pagecache

from .api_fields import RELATED_SERVICE_COLUMNS, PageHtmlUrlField
from .cache import remember_site
from .models import ServicePage, ServiceRelation


def _has_field(model, name):
    return any(field.name == name for field in model._meta.get_fields())


class CatalogueFilter(BaseFilterBackend):
    """`?authority_code=PAM` and `?life_event=employment` on page types that carry them."""

    def filter_queryset(self, request, queryset, view):
        for param, field, lookup in (
            ("authority_code", "authority", "authority__code"),
            ("life_event", "life_events", "life_events__slug"),
        ):
            value = request.GET.get(param)
            if value is None:
                continue
            if not _has_field(queryset.model, field):
                raise BadRequestError(
                    f"{param} can only be used with a page type that has it, e.g. type=cms.ServicePage"
                )
            queryset = queryset.filter(**{lookup: value})
        return queryset


SERIALIZER_CLASSES = 256
_serializer_classes = {}


def _frozen(fields_config):
    """`parse_fields_parameter`'s answer (lists of (name, negated, sub-fields)) as a key."""
    if not fields_config:
        return ()
    return tuple((name, negated, _frozen(sub_fields)) for name, negated, sub_fields in fields_config)


class CataloguePageSerializer(PageSerializer):
    html_url = PageHtmlUrlField(read_only=True)


class CataloguePagesAPIViewSet(PagesAPIViewSet):
    base_serializer_class = CataloguePageSerializer
    filter_backends = [CatalogueFilter, *PagesAPIViewSet.filter_backends]
    known_query_parameters = PagesAPIViewSet.known_query_parameters.union(["authority_code", "life_event"])

    def dispatch(self, request, *args, **kwargs):
        # The same pages for every anonymous client: cacheable, purged on publish (cms/cache.py).
        pagecache.public(request)
        remember_site(request)
        return super().dispatch(request, *args, **kwargs)

    def get_renderer_context(self):
        # Wagtail indents its JSON by 4 spaces for people reading it in a browser; indented, Python's json module
        # encodes in pure Python (its C encoder writes compact JSON only): 1.8 ms instead of 0.5 ms for a listing
        # of 20 services with every field. Compact JSON is the same data, and smaller; a client that wants it
        # indented asks with `Accept: application/json; indent=4`.
        context = super().get_renderer_context()
        context.pop("indent", None)
        return context

    @classmethod
    def _get_serializer_class(cls, router, model, fields_config, show_details=False, nested=False):
        """Wagtail builds the serializer class (and one for each related model) anew for every request; the class
        depends only on what is asked for, so it is built once per process for each distinct question (at most
        SERIALIZER_CLASSES of them: `fields` is the client's choice)."""
        key = (cls, router, model, _frozen(fields_config), show_details, nested)
        found = _serializer_classes.get(key)
        if found is None:
            found = super()._get_serializer_class(
                router, model, fields_config, show_details=show_details, nested=nested
            )
            if len(_serializer_classes) >= SERIALIZER_CLASSES:
                _serializer_classes.clear()
            _serializer_classes[key] = found
        return found

    def get_base_queryset(self):
        # Wagtail asks for it up to three times a request (the listing, the filters, the serializer's context),
        # each time reading the view restrictions and the site root's translations: once is enough.
        if getattr(self, "_base_queryset", None) is None:
            self._base_queryset = super().get_base_queryset()
        return self._base_queryset.all()

    def get_queryset(self):
        """Load what the serializers read, once per listing rather than once per page."""
        queryset = super().get_queryset()
        if issubclass(queryset.model, Page):
            queryset = queryset.select_related("locale")
        if issubclass(queryset.model, ServicePage):
            # Of a related service the API shows its id, service_id and title only, read with the relation
            # (api_fields.RelatedServiceSerializer): loading each related service as a page built a ServicePage
            # and decoded its three stream fields, for every related service of every item.
            related = Prefetch(
                "related_links",
                queryset=ServiceRelation.objects.only("id", "page", "sort_order", "service").annotate(
                    **{name: F(f"service__{field}") for name, field in RELATED_SERVICE_COLUMNS.items()}
                ),
            )
            queryset = queryset.select_related("authority").prefetch_related("life_events", related)
        return queryset
