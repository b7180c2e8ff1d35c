from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page, PageViewRestriction
from wagtail.search import index

from core import pagecache
from core.assurance import AssuranceLevel
from core.fields import ChoiceListField
from core.money import format_fils

from .. import api_fields
from ..blocks import RICH_TEXT_FEATURES, ChannelBlock, RequiredDocumentBlock, StepBlock
from ..forms import ServicePageForm

MAX_POPULAR_SERVICES = 8
SERVICE_ID_VALIDATOR = RegexValidator(r"^[A-Z0-9-]+$", _("Use capital Latin letters, digits and hyphens only."))


class CachedRestrictionsMixin:
    """Asks the database for the page's view restrictions only when some restriction (or an alias, whose
    original's restrictions apply) is above it: the list is kept in the cache until a restriction changes or a
    page is purged (cms/cache.py). Saves Wagtail's two queries on every page served."""

    def get_view_restrictions(self):
        from ..cache import restricted_paths

        if self.alias_of_id is None and not any(self.path.startswith(path) for path in restricted_paths()):
            return PageViewRestriction.objects.none()
        return super().get_view_restrictions()


def load_page(pk, content_type_id):
    """The page as its own class, with what its template reads (`route_select_related`), in one query; None if
    it is gone."""
    from django.contrib.contenttypes.models import ContentType

    model = ContentType.objects.get_for_id(content_type_id).model_class() or Page
    related = getattr(model, "route_select_related", ())
    return model.objects.select_related(*related).filter(pk=pk).first()


def kept_for_page(request, name, page, compute):
    """compute(), kept as the fragment `name` of this page's published state until the next purge
    (core.pagecache.fragment). Its URLs depend on the site the request came to (relative or absolute), so the host
    is part of the key. A preview (a draft's child rows, under the same revision id as the live page may have) is
    computed every time and never kept."""
    if getattr(request, "is_preview", False):
        return compute()
    return pagecache.fragment(name, (page.pk, page.latest_revision_id, request.get_host()), compute)


class HomePage(CachedRestrictionsMixin, Page):
    """The root of a language's pages. It routes a request for a page below it with one lookup of the page's
    url_path (2 queries) instead of Wagtail's walk down the tree (2 queries a level, docs/benchmarks.md)."""

    intro = models.TextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("intro"),
        InlinePanel(
            "popular_services",
            label=_("Popular services"),
            max_num=MAX_POPULAR_SERVICES,
            help_text=_("The services most people come for, in the order to show them on the home page."),
        ),
    ]
    subpage_types = ["cms.ServiceIndexPage", "participation.ParticipationIndexPage", "labour.LabourDashboardPage"]
    max_count_per_parent = 1
    api_fields = [
        APIField("intro"),
        APIField(
            "popular_services",
            serializer=api_fields.ServiceSummarySerializer(source="popular_service_pages", many=True),
        ),
    ]

    class Meta:
        verbose_name = _("home page")

    def route(self, request, path_components):
        if path_components:
            found = (
                Page.objects.filter(
                    path__startswith=self.path,
                    depth=self.depth + len(path_components),
                    url_path=self.url_path + "/".join(path_components) + "/",
                )
                .values_list("pk", "content_type_id")
                .first()
            )
            page = load_page(*found) if found is not None else None
            if page is not None:
                return page.route(request, [])
            # Not a page's own address: a routable page above may serve it (Wagtail's walk decides).
        return super().route(request, path_components)

    @property
    def popular_service_pages(self):
        from ..selectors import popular_services

        return popular_services(self)

    def get_context(self, request, *args, **kwargs):
        from .. import home
        from ..selectors import catalogue_sections, life_events_for_locale

        context = super().get_context(request, *args, **kwargs)

        def catalogue():
            # Links, not pages: each page's URL is worked out once here instead of by a `pageurl` per request.
            catalogue = self.get_children().live().type(ServiceIndexPage).first()
            return {
                "catalogue_url": catalogue.get_url(request) if catalogue is not None else None,
                "sections": [
                    {"url": section.get_url(request), "title": section.title}
                    for section in catalogue_sections(self.locale_id)
                ],
                "life_events": [
                    {"slug": event.slug, "name": event.name, "description": event.description}
                    for event in life_events_for_locale(self.locale_id)
                ],
                "popular_services": [
                    {"url": service.get_url(request), "title": service.title, "summary": service.summary}
                    for service in self.popular_service_pages
                ],
            }

        # The catalogue's part changes only when a page is published or a snippet saved, which purge it
        # (cms/cache.py).
        context.update(kept_for_page(request, "home-catalogue", self, catalogue))
        context["home_sections"] = home.sections_for(request, self)
        return context


class ServiceIndexPage(CachedRestrictionsMixin, Page):
    """The catalogue (دليل الخدمات), or one authority's section of it. Each authority's services live under
    its own section, so that page permissions can give a ministry's editors its own services only."""

    intro = models.TextField(_("introduction"), blank=True)
    authority = models.ForeignKey(
        "cms.Authority",
        verbose_name=_("authority"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sections",
        help_text=_("Set for one authority's section of the catalogue; leave empty for the whole catalogue."),
    )

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("authority")]
    parent_page_types = ["cms.HomePage", "cms.ServiceIndexPage"]
    subpage_types = ["cms.ServiceIndexPage", "cms.ServicePage"]
    api_fields = [APIField("intro"), APIField("authority", serializer=api_fields.AuthoritySerializer())]

    class Meta:
        verbose_name = _("service catalogue section")

    def get_context(self, request, *args, **kwargs):
        from ..selectors import catalogue_services, life_events_for_locale

        context = super().get_context(request, *args, **kwargs)
        life_event = request.GET.get("life_event") or None
        context["services"] = catalogue_services(self, life_event=life_event)
        context["life_events"] = life_events_for_locale(self.locale)
        context["selected_life_event"] = life_event
        context["sections"] = self.get_children().live().type(ServiceIndexPage).specific()
        return context


class ServicePage(CachedRestrictionsMixin, Page):
    """One government service, with the fields of GOV.UK start pages and the EU CPSV-AP service model."""

    class Audience(models.TextChoices):
        CITIZENS = "citizens", _("Citizens")
        RESIDENTS = "residents", _("Residents")
        BUSINESSES = "businesses", _("Businesses")
        VISITORS = "visitors", _("Visitors")

    class Status(models.TextChoices):
        AVAILABLE = "available", _("Available")
        SUSPENDED = "suspended", _("Suspended")

    service_id = models.CharField(
        _("service identifier"),
        max_length=40,
        validators=[SERVICE_ID_VALIDATOR],
        db_index=True,
        help_text=_("Stable identifier, the same in every language, e.g. PAM-WP-001."),
    )
    summary = models.TextField(_("summary"), max_length=400)
    audience = ChoiceListField(_("audience"), item_choices=Audience.choices)
    eligibility = RichTextField(_("eligibility"), features=RICH_TEXT_FEATURES, blank=True)
    steps = StreamField([("step", StepBlock())], blank=True, verbose_name=_("steps"))
    documents = StreamField([("document", RequiredDocumentBlock())], blank=True, verbose_name=_("required documents"))
    fee_fils = models.PositiveIntegerField(_("fee (fils)"), default=0, help_text=_("1 KWD = 1,000 fils; 0 = free."))
    fee_note = models.CharField(_("fee note"), max_length=255, blank=True)
    processing_days = models.PositiveSmallIntegerField(
        _("processing time (working days)"), null=True, blank=True, help_text=_("0 = the same day; empty = varies.")
    )
    minutes_to_complete = models.PositiveSmallIntegerField(_("minutes to complete"), null=True, blank=True)
    channels = StreamField([("channel", ChannelBlock())], blank=True, verbose_name=_("service channels"))
    start_url = models.URLField(_("start URL"), blank=True)
    start_button_text = models.CharField(_("start button text"), max_length=60, blank=True)
    other_ways_to_apply = RichTextField(_("other ways to apply"), features=RICH_TEXT_FEATURES, blank=True)
    min_assurance = models.CharField(
        _("minimum assurance level"), max_length=2, choices=AssuranceLevel.choices, default=AssuranceLevel.L1
    )
    legal_basis = RichTextField(_("legal basis"), features=RICH_TEXT_FEATURES, blank=True)
    output = models.TextField(_("what you get"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.AVAILABLE)
    downtime_message = models.TextField(_("downtime message"), blank=True)
    authority = models.ForeignKey(
        "cms.Authority", verbose_name=_("authority"), on_delete=models.PROTECT, related_name="services"
    )
    life_events = ParentalManyToManyField(
        "cms.LifeEvent", verbose_name=_("life events"), blank=True, related_name="services"
    )

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldRowPanel([FieldPanel("service_id"), FieldPanel("authority")]),
        FieldPanel("audience"),
        FieldPanel("life_events", widget=forms.CheckboxSelectMultiple),
        FieldPanel("eligibility"),
        FieldPanel("steps"),
        FieldPanel("documents"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("fee_fils"), FieldPanel("fee_note")]),
                FieldRowPanel([FieldPanel("processing_days"), FieldPanel("minutes_to_complete")]),
            ],
            heading=_("Fees and time"),
        ),
        FieldPanel("channels"),
        MultiFieldPanel(
            [
                FieldPanel("start_url"),
                FieldPanel("start_button_text"),
                FieldPanel("min_assurance"),
                FieldPanel("other_ways_to_apply"),
            ],
            heading=_("Starting the service"),
        ),
        FieldPanel("output"),
        FieldPanel("legal_basis"),
        MultiFieldPanel([FieldPanel("status"), FieldPanel("downtime_message")], heading=_("Status")),
        InlinePanel("related_links", label=_("Related services")),
    ]
    parent_page_types = ["cms.ServiceIndexPage"]
    subpage_types = []
    base_form_class = ServicePageForm
    route_select_related = ("authority",)

    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("eligibility"),
        index.SearchField("output"),
        index.AutocompleteField("title"),
        index.FilterField("service_id"),
        index.FilterField("status"),
        index.FilterField("authority"),
        index.RelatedFields("authority", [index.SearchField("name")]),
    ]

    api_fields = [
        APIField("service_id"),
        APIField("summary"),
        APIField("audience"),
        APIField("eligibility", serializer=api_fields.RichTextSerializer()),
        APIField("steps", serializer=api_fields.StreamSerializer()),
        APIField("documents", serializer=api_fields.StreamSerializer()),
        APIField("fee_fils"),
        APIField("fee", serializer=api_fields.FeeSerializer(source="fee_fils")),
        APIField("fee_note"),
        APIField("processing_days"),
        APIField("minutes_to_complete"),
        APIField("channels", serializer=api_fields.StreamSerializer()),
        APIField("start_url"),
        APIField("start_button_label"),
        APIField("other_ways_to_apply", serializer=api_fields.RichTextSerializer()),
        APIField("min_assurance"),
        APIField("legal_basis", serializer=api_fields.RichTextSerializer()),
        APIField("output"),
        APIField("status"),
        APIField("downtime_message"),
        APIField("authority", serializer=api_fields.AuthoritySerializer()),
        APIField("life_events", serializer=api_fields.LifeEventSerializer(many=True)),
        APIField("related_services", serializer=api_fields.RelatedServiceSerializer(source="related_links", many=True)),
    ]

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)

        def links():
            # Links, not pages: each URL is worked out once here instead of by a `pageurl` per request. One
            # query for every related service, however many (docs/benchmarks.md).
            parent = self.get_parent()
            return {
                "page_url": self.url,  # the pay-fee link's way back (payments_tags.pay_fee_button)
                "parent_link": {"url": parent.get_url(request), "title": parent.title},
                "related": [
                    {"url": link.service.get_url(request), "title": link.service.title}
                    for link in self.related_links.select_related("service")
                ],
            }

        # The links change only when this page, its parent or a related service is published, moved or
        # unpublished, which purge them (cms/cache.py).
        context.update(kept_for_page(request, "service-links", self, links))
        return context

    @property
    def is_available(self):
        return self.status == self.Status.AVAILABLE

    @property
    def fee_display(self):
        return format_fils(self.fee_fils)

    @property
    def start_button_label(self):
        return self.start_button_text or str(_("Start now"))

    @property
    def processing_time_display(self):
        if self.processing_days is None:
            return str(_("Varies"))
        if self.processing_days == 0:
            return str(_("The same day"))
        return ngettext("%(days)d working day", "%(days)d working days", self.processing_days) % {
            "days": self.processing_days
        }

    @property
    def assurance(self):
        return AssuranceLevel(self.min_assurance)

    def clean(self):
        super().clean()
        errors = {}
        if self.status == self.Status.SUSPENDED and not self.downtime_message.strip():
            errors["downtime_message"] = _("Say why the service is suspended and until when.")
        if self.service_id and self.locale_id:
            clash = (
                ServicePage.objects.filter(service_id=self.service_id, locale_id=self.locale_id)
                .exclude(translation_key=self.translation_key)
                .exists()
            )
            if clash:
                errors["service_id"] = _("Another service already uses this identifier.")
        parent = self.get_parent() if self.pk else None
        section_authority = getattr(parent.specific, "authority_id", None) if parent else None
        if section_authority and self.authority_id and section_authority != self.authority_id:
            errors["authority"] = _("A service must belong to the authority of its catalogue section.")
        if errors:
            raise ValidationError(errors)


class ServiceRelation(Orderable):
    page = ParentalKey(ServicePage, on_delete=models.CASCADE, related_name="related_links")
    service = models.ForeignKey(ServicePage, verbose_name=_("service"), on_delete=models.CASCADE, related_name="+")

    panels = [FieldPanel("service")]

    class Meta(Orderable.Meta):
        verbose_name = _("related service")


class HomePopularService(Orderable):
    """A service the home page lists under "Popular services", chosen by the editors. The home page shows the
    chosen service's translation in its own language, so either language's page may be chosen."""

    page = ParentalKey(HomePage, on_delete=models.CASCADE, related_name="popular_services")
    service = models.ForeignKey(ServicePage, verbose_name=_("service"), on_delete=models.CASCADE, related_name="+")

    panels = [FieldPanel("service")]

    class Meta(Orderable.Meta):
        verbose_name = _("popular service")
        verbose_name_plural = _("popular services")
