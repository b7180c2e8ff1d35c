"""Staff screens of the labour app: the datasets (names, the illustrative flag), the record of accepted
imports, the code lists (read only: they change through labour.codes and `load_labour_codes`), the
establishments (read only: they come from the register), and the policy tables staff edit — national-labour
quotas per activity and the quota bands."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.views.generic import InspectView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from core.errors import InvalidInput
from core.exports import csv_response, xlsx_response
from identity.national_id import civil_id_hash

from . import selectors, services
from .errors import EstablishmentNotFound, NotInspector
from .forms import DecisionForm, SignalFilterForm
from .models import (
    ActivityNorm,
    Code,
    Dataset,
    Establishment,
    EstablishmentSignatory,
    IndicatorImport,
    NationalLabourQuota,
    NeedsRequest,
    NeedsRequestFee,
    QuotaBand,
    WageImport,
    arabic,
)

MENU_HOOK = "register_labour_menu_item"


class DatasetViewSet(SnippetViewSet):
    model = Dataset
    icon = "folder-open-inverse"
    menu_label = _("Datasets")
    url_prefix = "labour/datasets"
    list_display = ["code", "name_ar", "name_en", "illustrative"]
    edit_handler = ObjectList([FieldPanel("name_ar"), FieldPanel("name_en"), FieldPanel("illustrative")])
    copy_view_enabled = False


class IndicatorImportViewSet(SnippetViewSet):
    model = IndicatorImport
    icon = "download"
    menu_label = _("Imports")
    url_prefix = "labour/imports"
    list_display = ["imported_at", "file_name", "file_format", "dataset", "rows", "created", "updated", "unchanged"]
    list_filter = {"dataset": ["exact"], "imported_at": ["gte", "lte"]}
    ordering = ["-imported_at"]
    edit_handler = ObjectList([])
    copy_view_enabled = False
    inspect_view_enabled = True


class CodeViewSet(SnippetViewSet):
    model = Code
    icon = "list-ul"
    menu_label = _("Code lists")
    url_prefix = "labour/codes"
    list_display = ["dimension", "code", "label_ar", "label_en", "parent"]
    list_filter = {"dimension": ["exact"]}
    search_fields = ["code", "label_ar", "label_en"]
    edit_handler = ObjectList([])
    copy_view_enabled = False


class EstablishmentInspectView(InspectView):
    """An establishment's register entry, then where it stands: the same table as the signatory's page."""

    template_name = "labour/admin/establishment_inspect.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(establishment=self.object, standing=selectors.standing(self.object), bands=selectors.bands())
        return context


class EstablishmentViewSet(SnippetViewSet):
    """Read only: establishments come from the authority's register (`import_establishments`)."""

    model = Establishment
    icon = "home"
    menu_label = _("Establishments")
    url_prefix = "labour/establishments"
    list_display = [
        "licence_number",
        "name_ar",
        "name_en",
        "activity",
        "isic_division",
        "governorate",
        "licensed_capacity",
    ]
    list_filter = {"activity": ["exact"], "governorate": ["exact"]}
    search_fields = ["licence_number", "name_ar", "name_en"]
    edit_handler = ObjectList([])
    copy_view_enabled = False
    inspect_view_enabled = True
    inspect_view_class = EstablishmentInspectView


class SignatoryForm(WagtailAdminModelForm):
    """Staff type the signatory's civil ID; only its keyed hash is stored (and the number is never shown)."""

    civil_id = forms.CharField(
        label=_("Civil ID"),
        max_length=20,
        help_text=_(
            "12 digits. Only a keyed hash of it is kept; whoever signs in with this national ID acts for the establishment."
        ),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "dir": "ltr"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["civil_id"].required = False
            self.fields["civil_id"].help_text = _("Leave empty to keep the civil ID recorded.")

    def clean_civil_id(self):
        value = self.cleaned_data.get("civil_id", "").strip()
        if not value:
            return ""
        try:
            return civil_id_hash(value)
        except ValueError:
            raise forms.ValidationError(_("A civil ID number has 12 digits.")) from None

    def clean(self):
        cleaned = super().clean()
        civil_hash = cleaned.get("civil_id")
        establishment = cleaned.get("establishment")
        if civil_hash and establishment:
            taken = EstablishmentSignatory.objects.filter(establishment=establishment, civil_id_hash=civil_hash)
            if taken.exclude(pk=self.instance.pk).exists():
                self.add_error("civil_id", _("This person is already a signatory of this establishment."))
        return cleaned

    def save(self, commit=True):
        if self.cleaned_data.get("civil_id"):
            self.instance.civil_id_hash = self.cleaned_data["civil_id"]
        return super().save(commit=commit)


class SignatoryViewSet(SnippetViewSet):
    """Who may act for which establishment; staff record them (every change is in Wagtail's history)."""

    model = EstablishmentSignatory
    icon = "user"
    menu_label = _("Authorised signatories")
    url_prefix = "labour/signatories"
    list_display = ["establishment", "name", "granted_at"]
    list_filter = {"establishment": ["exact"]}
    search_fields = ["name"]
    edit_handler = ObjectList(
        [FieldPanel("establishment"), FieldPanel("name"), FieldPanel("civil_id")], base_form_class=SignatoryForm
    )
    copy_view_enabled = False


class NationalLabourQuotaViewSet(SnippetViewSet):
    model = NationalLabourQuota
    icon = "success"
    menu_label = _("National-labour quotas")
    url_prefix = "labour/quotas"
    list_display = ["name_ar", "name_en", "activity", "isic_division", "required_percent"]
    copy_view_enabled = False


class QuotaBandViewSet(SnippetViewSet):
    model = QuotaBand
    icon = "tag"
    menu_label = _("Quota bands")
    url_prefix = "labour/bands"
    list_display = ["name_ar", "name_en", "min_percent_of_quota", "meaning_en"]
    copy_view_enabled = False


class ActivityNormViewSet(SnippetViewSet):
    model = ActivityNorm
    icon = "resubmit"
    menu_label = _("Labour norms")
    url_prefix = "labour/norms"
    list_display = ["name_ar", "name_en", "activity", "isic_division", "workers_per_unit"]
    copy_view_enabled = False


class NeedsRequestFeeViewSet(SnippetViewSet):
    model = NeedsRequestFee
    icon = "form"
    menu_label = _("Labour-needs request fees")
    url_prefix = "labour/needs-fees"
    list_display = ["activity", "fee_fils"]
    copy_view_enabled = False


class WageImportViewSet(SnippetViewSet):
    model = WageImport
    icon = "download"
    menu_label = _("Wage-protection imports")
    url_prefix = "labour/wage-imports"
    list_display = ["imported_at", "file_name", "rows", "created", "updated", "unchanged"]
    ordering = ["-imported_at"]
    edit_handler = ObjectList([])
    copy_view_enabled = False
    inspect_view_enabled = True


class LabourViewSetGroup(SnippetViewSetGroup):
    items = (
        DatasetViewSet,
        IndicatorImportViewSet,
        CodeViewSet,
        EstablishmentViewSet,
        SignatoryViewSet,
        NationalLabourQuotaViewSet,
        QuotaBandViewSet,
        ActivityNormViewSet,
        NeedsRequestFeeViewSet,
        WageImportViewSet,
    )
    menu_icon = "table"
    menu_label = _("Labour market")
    menu_name = "labour"
    submenu_hook = MENU_HOOK


register_snippet(LabourViewSetGroup)


# --- Labour-needs requests: the staff queue and the decision ---------------------------------------------


class NeedsQueueView(WagtailAdminTemplateMixin, TemplateView):
    """The requests of the authorities the staff member reviews (labour.selectors.needs_queue), the oldest
    waiting first; filter by state."""

    template_name = "labour/admin/needs_queue.html"
    page_title = _("Labour-needs requests")
    header_icon = "clipboard-list"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        state = self.request.GET.get("state", NeedsRequest.State.SUBMITTED)
        if state not in NeedsRequest.State.values and state != "all":
            state = NeedsRequest.State.SUBMITTED
        context.update(
            needs_requests=selectors.needs_queue(self.request.user, None if state == "all" else state)[:500],
            state=state,
            states=[("all", _("All")), *NeedsRequest.State.choices],
        )
        return context


class NeedsReviewView(WagtailAdminTemplateMixin, TemplateView):
    """One request: the establishment's standing, the estimate the employer saw, and the decision form."""

    template_name = "labour/admin/needs_review.html"
    page_title = _("Labour-needs request")
    header_icon = "clipboard-list"

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("labour_needs_queue"), "label": _("Labour-needs requests")},
            {"url": "", "label": self.kwargs["reference"]},
        ]

    def dispatch(self, request, *args, **kwargs):
        self.needs_request = selectors.reviewable(request.user, kwargs["reference"])
        self.form = DecisionForm(request.POST or None)
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if self.form.is_valid():
            data = self.form.cleaned_data
            try:
                services.decide_needs_request(
                    request.user,
                    self.needs_request,
                    decision=data["decision"],
                    workers_approved=data["workers_approved"],
                    reason_ar=data["reason_ar"],
                    reason_en=data["reason_en"],
                    http_request=request,
                )
            except InvalidInput as refusal:
                self.form.add_error(refusal.field if refusal.field in self.form.fields else None, refusal.message)
            else:
                messages.success(request, _("The decision was recorded and the employer notified."))
                return redirect("labour_needs_queue")
        return self.get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        found = self.needs_request
        context.update(
            needs_request=found,
            establishment=found.establishment,
            standing=selectors.standing(found.establishment),
            estimate=found.estimate,
            reasons=selectors.explain(found.estimate),
            warnings=selectors.flag_messages(found.estimate),
            form=self.form,
        )
        return context


@hooks.register("register_admin_urls")
def register_needs_urls():
    return [
        path("labour/needs/", NeedsQueueView.as_view(), name="labour_needs_queue"),
        path("labour/needs/<str:reference>/", NeedsReviewView.as_view(), name="labour_needs_review"),
    ]


@hooks.register(MENU_HOOK)
def register_needs_menu_item():
    return MenuItem(_("Labour-needs requests"), reverse("labour_needs_queue"), icon_name="clipboard-list", order=0)


@hooks.register("register_log_actions")
def register_needs_log_actions(actions):
    """Every step of a request is in Wagtail's log (Reports → Site history), with who did it."""
    actions.register_action(
        "labour.needs_request.submitted", _("Submit labour-needs request"), _("Labour-needs request submitted")
    )
    actions.register_action(
        "labour.needs_request.payment", _("Pay labour-needs request fee"), _("Payment of the fee started")
    )
    actions.register_action("labour.needs_request.paid", _("Fee paid"), _("Labour-needs request fee paid"))
    actions.register_action(
        "labour.needs_request.fee_refunded", _("Fee refunded"), _("Labour-needs request fee refunded")
    )
    actions.register_action(
        "labour.needs_request.approved", _("Approve labour-needs request"), _("Labour-needs request approved")
    )
    actions.register_action(
        "labour.needs_request.partly_approved",
        _("Approve part of labour-needs request"),
        _("Labour-needs request approved in part"),
    )
    actions.register_action(
        "labour.needs_request.rejected", _("Reject labour-needs request"), _("Labour-needs request rejected")
    )


# --- Marginal-labour signals: the inspectors' report ------------------------------------------------------


class InspectorMixin:
    def dispatch(self, request, *args, **kwargs):
        if not selectors.may_inspect(request.user):
            raise NotInspector()
        return super().dispatch(request, *args, **kwargs)


class SignalsView(InspectorMixin, WagtailAdminTemplateMixin, TemplateView):
    """Establishments showing signs of marginal labour, the most workers concerned first; filterable, exported
    as CSV or XLSX through core.exports; each signal links to its evidence."""

    template_name = "labour/admin/signals.html"
    page_title = _("Marginal-labour signals")
    header_icon = "warning"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def filters(self):
        form = SignalFilterForm(self.request.GET or None)
        data = form.cleaned_data if form.is_valid() else {}
        return form, {
            "months": data.get("months") or 3,
            "kinds": [data["kind"]] if data.get("kind") else selectors.SIGNAL_KINDS,
            "governorate": data.get("governorate") or None,
            "activity": data.get("activity") or None,
        }

    def get(self, request, *args, **kwargs):
        self.form, self.chosen = self.filters()
        self.signals = selectors.marginal_signals(**self.chosen)
        export = request.GET.get("export")
        if export in ("csv", "xlsx"):
            return self.export(export)
        return super().get(request, *args, **kwargs)

    def evidence_url(self, signal):
        if signal.kind in ("over_capacity", "over_need", "over_approved"):
            return reverse("wagtailsnippets_labour_establishment:inspect", args=[signal.establishment.pk])
        url = reverse("labour_signal_evidence", args=[signal.establishment.licence_number, signal.kind])
        return f"{url}?months={self.chosen['months']}"

    def rows(self):
        for rank, signal in enumerate(self.signals, start=1):
            establishment = signal.establishment
            yield [
                rank,
                establishment.licence_number,
                str(establishment).removeprefix(f"{establishment.licence_number} "),
                establishment.governorate.label,
                establishment.activity.label,
                str(signal.label),
                signal.workers,
                str(signal.detail),
                self.request.build_absolute_uri(self.evidence_url(signal)),
            ]

    def export(self, file_format):
        header = [
            str(_("Rank")),
            str(_("Licence number")),
            str(_("Establishment")),
            str(_("Governorate")),
            str(_("Economic activity")),
            str(_("Signal")),
            str(_("Workers concerned")),
            str(_("Detail")),
            str(_("Evidence")),
        ]
        name = "marginal-labour-signals"
        if file_format == "csv":
            return csv_response(f"{name}.csv", header, self.rows())
        return xlsx_response(
            f"{name}.xlsx", header, self.rows(), right_to_left=arabic(), title=str(_("Marginal-labour signals"))
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("export", None)
        context.update(
            form=self.form,
            signals=[(signal, self.evidence_url(signal)) for signal in self.signals],
            window=selectors.wage_window(self.chosen["months"]),
            query=query.urlencode(),
        )
        return context


class SignalEvidenceView(InspectorMixin, WagtailAdminTemplateMixin, TemplateView):
    """The wage records behind an `unpaid` or `absent` signal: each worker (by the keyed hash of their civil ID)
    and their months."""

    template_name = "labour/admin/signal_evidence.html"
    page_title = _("Evidence")
    header_icon = "doc-full"

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("labour_signals"), "label": _("Marginal-labour signals")},
            {"url": "", "label": self.kwargs["licence_number"]},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        kind = self.kwargs["kind"]
        if kind not in ("unpaid", "absent"):
            raise EstablishmentNotFound()
        establishment = Establishment.objects.filter(licence_number=self.kwargs["licence_number"]).first()
        if establishment is None:
            raise EstablishmentNotFound()
        try:
            months = min(max(int(self.request.GET.get("months", 3)), 1), selectors.MAX_SIGNAL_MONTHS)
        except ValueError:
            months = 3
        context.update(
            establishment=establishment,
            kind_label=selectors.signal_labels()[kind],
            evidence=selectors.signal_evidence(establishment, kind, months),
            window=selectors.wage_window(months),
        )
        return context


@hooks.register("register_admin_urls")
def register_signal_urls():
    return [
        path("labour/signals/", SignalsView.as_view(), name="labour_signals"),
        path(
            "labour/signals/<str:licence_number>/<str:kind>/",
            SignalEvidenceView.as_view(),
            name="labour_signal_evidence",
        ),
    ]


@hooks.register(MENU_HOOK)
def register_signals_menu_item():
    return MenuItem(_("Marginal-labour signals"), reverse("labour_signals"), icon_name="warning", order=1)
