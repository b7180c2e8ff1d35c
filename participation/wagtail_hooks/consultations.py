"""Admin: a "Responses" screen per consultation (how many answered, counts per question) with the exports
of every response as CSV and XLSX. Respondents appear under a pseudonym, never by name or e-mail address.

Who may see them: staff who may edit the consultation page, or who hold the
`participation.view_consultationresponse` permission (given to a group in Settings → Groups)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets import Button

from cms.selectors import ministry_codes
from core import exports

from ..models import ConsultationPage
from ..selectors import consultations as selectors


def may_see_responses(user, page):
    """Staff who may view responses, whoever may edit the page, and the editors of the ministry that runs it."""
    if user.has_perm("participation.view_consultationresponse") or page.permissions_for_user(user).can_edit():
        return True
    codes = ministry_codes(user)
    return codes is None or page.authority.code in codes


def _consultation_for(request, page_id):
    page = get_object_or_404(ConsultationPage, pk=page_id)
    if not may_see_responses(request.user, page):
        raise PermissionDenied
    return page


class ConsultationResponsesView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "participation/consultations/admin_responses.html"
    header_icon = "list-ul"
    _show_breadcrumbs = True

    def dispatch(self, request, page_id):
        self.consultation = _consultation_for(request, page_id)
        return super().dispatch(request, page_id)

    def get_page_title(self):
        return _("Responses: %(title)s") % {"title": self.consultation.title}

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("wagtailadmin_pages:edit", args=[self.consultation.pk]), "label": self.consultation.title},
            {"url": "", "label": _("Responses")},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = self.consultation
        context.update(
            {
                "consultation": page,
                "original": page.original(),
                "tally": selectors.tally(page),
                "csv_url": reverse("participation_consultation_export", args=[page.pk, "csv"]),
                "xlsx_url": reverse("participation_consultation_export", args=[page.pk, "xlsx"]),
            }
        )
        return context


def export_responses(request, page_id, file_format):
    if file_format not in ("csv", "xlsx"):
        raise Http404
    page = _consultation_for(request, page_id)
    rows = iter(selectors.export_rows(page))
    header = next(rows)  # the first row names the columns; the others stream
    name = f"consultation-{page.original().pk}-responses"
    if file_format == "xlsx":
        arabic = page.original().locale.language_code == "ar"
        return exports.xlsx_response(f"{name}.xlsx", header, rows, right_to_left=arabic, title="responses")
    return exports.csv_response(f"{name}.csv", header, rows)


@hooks.register("register_admin_urls")
def register_consultation_urls():
    return [
        path(
            "participation/consultations/<int:page_id>/responses/",
            ConsultationResponsesView.as_view(),
            name="participation_consultation_responses",
        ),
        path(
            "participation/consultations/<int:page_id>/responses.<str:file_format>",
            export_responses,
            name="participation_consultation_export",
        ),
    ]


def _responses_button(page, user, priority):
    # The listing hands over plain Page rows: the authority is the specific page's. (An AttributeError here would
    # be swallowed by the template, which then hides the button without a word.)
    page = page.specific_deferred
    if isinstance(page, ConsultationPage) and may_see_responses(user, page):
        return Button(
            _("Responses"),
            url=reverse("participation_consultation_responses", args=[page.pk]),
            icon_name="list-ul",
            priority=priority,
        )
    return None


@hooks.register("register_page_listing_more_buttons")
def consultation_listing_button(page, user, next_url=None):
    button = _responses_button(page, user, 55)
    if button:
        yield button


@hooks.register("register_page_header_buttons")
def consultation_header_button(page, user, view_name, next_url=None):
    button = _responses_button(page, user, 67)
    if button:
        yield button
