"""Staff screens of the labour app: the datasets (names, the illustrative flag), the record of accepted
imports, the code lists (read only: they change through labour.codes and `load_labour_codes`), the
establishments (read only: they come from the register), and the policy tables staff edit — national-labour
quotas per activity and the quota bands."""

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.views.generic import InspectView
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from identity.national_id import civil_id_hash

from . import selectors
from .models import (
    Code,
    Dataset,
    Establishment,
    EstablishmentSignatory,
    IndicatorImport,
    NationalLabourQuota,
    QuotaBand,
)


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


class LabourViewSetGroup(SnippetViewSetGroup):
    items = (
        DatasetViewSet,
        IndicatorImportViewSet,
        CodeViewSet,
        EstablishmentViewSet,
        SignatoryViewSet,
        NationalLabourQuotaViewSet,
        QuotaBandViewSet,
    )
    menu_icon = "table"
    menu_label = _("Labour market")
    menu_name = "labour"


register_snippet(LabourViewSetGroup)
