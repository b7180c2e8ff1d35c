"""The content API (Wagtail API v2) for the catalogue: pages, images, documents."""

from django.conf import settings
from django.db.models import F, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import get_language
from rest_framework.filters import BaseFilterBackend
from wagtail.api.v2.filters import LocaleFilter
from wagtail.api.v2.serializers import PageSerializer
from wagtail.api.v2.utils import BadRequestError, parse_fields_parameter
from wagtail.api.v2.views import PagesAPIViewSet
from wagtail.api.validators import SiteFilterValidator
from wagtail.models import Locale, Page

from core import pagecache

from . import cache
from .api_fields import RELATED_SERVICE_COLUMNS, PageHtmlUrlField
from .cache import remember_site
from .models import HomePage, ServiceIndexPage, ServicePage, ServiceRelation


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


# The page models whose items in the API depend only on what is published — their own columns and child rows, the
# live pages and the snippets (Authority, LifeEvent) they show — and on the request's host, scheme and language:
# every publish, unpublish, move, slug change, view restriction and snippet change forgets the kept items
# (cms/cache.py). A model showing counts or times that change without a publish must not be here.
KEPT_MODELS = frozenset({Page, HomePage, ServiceIndexPage, ServicePage})


class KeptLocaleFilter(LocaleFilter):
    """Wagtail's `?locale=` filter with the locales kept until a purge (cms.cache.locale_ids) instead of asked for
    on every request: the same filter on the locale's id, the same 404 for a language with no locale."""

    def filter_queryset(self, request, queryset, view):
        if "locale" not in request.GET:
            return queryset
        locale_id = cache.locale_ids().get(request.GET["locale"])
        if locale_id is None:
            raise Http404(f"No {Locale._meta.object_name} matches the given query.")
        filtered = queryset.filter(locale_id=locale_id)
        child_of = getattr(queryset, "_filtered_by_child_of", None)
        if child_of:
            filtered._filtered_by_child_of = child_of
        return filtered


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
    filter_backends = [
        CatalogueFilter,
        *(KeptLocaleFilter if backend is LocaleFilter else backend for backend in PagesAPIViewSet.filter_backends),
    ]
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
            if pagecache.anonymous(self.request):  # no session, no credentials: no user
                self._base_queryset = self._anonymous_base_queryset()
            else:
                self._base_queryset = super().get_base_queryset()
        return self._base_queryset.all()

    def _anonymous_base_queryset(self):
        """Wagtail's `get_public_pages_queryset` for a request that no view restriction accepts (no session, no
        user: every password, login or group restriction refuses it), with the restricted paths kept until a
        purge (cms.cache.public) instead of reading every restriction and its page on each request."""
        try:
            site = SiteFilterValidator(site=self.request.GET.get("site"), request=self.request).site_obj
        except ValueError as error:
            raise BadRequestError(str(error)) from error
        if site is None:
            return Page.objects.none()
        # Wagtail's descendant_of(root, inclusive=True) for the site's root and each of its translations; a path
        # starting with the root's implies the depth Wagtail also asks for.
        roots = cache.site_root_paths(site) if getattr(settings, "WAGTAIL_I18N_ENABLED", False) else []
        below = Q(path__startswith=site.root_page.path)
        for path in roots:
            below |= Q(path__startswith=path)
        return cache.public(Page.objects.live()).filter(below)

    def listing_view(self, request):
        """Wagtail's listing, with the items of the page models in KEPT_MODELS kept in the fragment cache until
        the next purge (docs/decisions.md, "The content API's listing keeps its items"): the filtered, ordered,
        paginated query reads only the pages' ids and live revisions, and each page's item is a fragment keyed by
        those, the fields asked for and everything else an item depends on (the scheme and host: the site of
        `detail_url` and `html_url`; the language of rich text's page links; `rich_text_format`). The items not
        kept in this process are read from the cache in one round trip (core.pagecache.fragments); those kept
        nowhere are built together, with one query and the same serializer as every other listing, and stored in
        one round trip. Each item is kept on its own, so listings that share pages (another offset, limit or
        filter) share their items."""
        queryset = self.get_queryset()
        self.check_query_parameters(queryset)
        queryset = self.filter_queryset(queryset)
        if not (isinstance(queryset, QuerySet) and queryset.model in KEPT_MODELS):
            page = self.paginate_queryset(queryset)
            return self.get_paginated_response(self.get_serializer(page, many=True).data)
        self.get_serializer_class()  # an unknown field is refused before anything is read from the cache
        rich_text_format = self.resolve_rich_text_format()
        rows = list(
            self.paginate_queryset(
                queryset.select_related(None).prefetch_related(None).values_list("pk", "live_revision_id")
            )
        )

        def build(indexes):
            wanted = [rows[index][0] for index in indexes]
            found = self.get_queryset().filter(pk__in=wanted).in_bulk()
            pages = [found[pk] for pk in wanted if pk in found]  # not one unpublished since
            built = dict(zip((page.pk for page in pages), self.get_serializer(pages, many=True).data, strict=True))
            return [built.get(pk) for pk in wanted]

        fields = _frozen(parse_fields_parameter(request.GET["fields"])) if "fields" in request.GET else ()
        parts = (
            request.scheme,
            request.get_host(),
            get_language(),
            queryset.model._meta.label,
            fields,
            rich_text_format,
        )
        items = pagecache.fragments("api-v2-item", [(*parts, pk, revision) for pk, revision in rows], build)
        return self.get_paginated_response([item for item in items if item is not None])

    def get_queryset(self):
        """Load what the serializers read, once per listing rather than once per page. Built once per request:
        Wagtail asks for it again for the serializer's model (and the kept listing for the pages it builds)."""
        if getattr(self, "_queryset", None) is None:
            self._queryset = self._build_queryset()
        return self._queryset.all()

    def _build_queryset(self):
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
