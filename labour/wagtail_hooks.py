"""Staff screens of the labour app: the datasets (names, the illustrative flag), the record of accepted
imports, the code lists (read only: they change through labour.codes and `load_labour_codes`), the
establishments (read only: they come from the register), and the policy tables staff edit — national-labour
quotas per activity and the quota bands."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import Code, Dataset, Establishment, IndicatorImport, NationalLabourQuota, QuotaBand


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
    list_display = ["name_ar", "name_en", "min_percent_of_quota"]
    copy_view_enabled = False


class LabourViewSetGroup(SnippetViewSetGroup):
    items = (
        DatasetViewSet,
        IndicatorImportViewSet,
        CodeViewSet,
        EstablishmentViewSet,
        NationalLabourQuotaViewSet,
        QuotaBandViewSet,
    )
    menu_icon = "table"
    menu_label = _("Labour market")
    menu_name = "labour"


register_snippet(LabourViewSetGroup)
