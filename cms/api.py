"""The content API (Wagtail API v2) for the catalogue: pages, images, documents."""

from django.db.models import Prefetch
from rest_framework.filters import BaseFilterBackend
from wagtail.api.v2.utils import BadRequestError
from wagtail.api.v2.views import PagesAPIViewSet
from wagtail.models import Page

from core import pagecache

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


class CataloguePagesAPIViewSet(PagesAPIViewSet):
    filter_backends = [CatalogueFilter, *PagesAPIViewSet.filter_backends]
    known_query_parameters = PagesAPIViewSet.known_query_parameters.union(["authority_code", "life_event"])

    def dispatch(self, request, *args, **kwargs):
        # The same pages for every anonymous client: cacheable, purged on publish (cms/cache.py).
        pagecache.public(request)
        return super().dispatch(request, *args, **kwargs)

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
            related = Prefetch("related_links", queryset=ServiceRelation.objects.select_related("service"))
            queryset = queryset.select_related("authority").prefetch_related("life_events", related)
        return queryset
