"""Admin for polls: a results screen for staff, counts only. Ballots and their choices have no admin screen
and no export: the ballot is secret, to staff too. Editors change polls as pages; the page form keeps an
option that has votes (participation/forms/page_forms.py)."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets import Button

from ..models import PollPage
from ..selectors import polls as selectors
from ..services import polls as services


class PollResultsAdminView(WagtailAdminTemplateMixin, TemplateView):
    """How many ballots were cast and, once the results are public, the counts per option. Before that staff
    see the number of ballots only, so that the admin does not show early results that the public cannot."""

    template_name = "participation/admin/poll_results.html"
    header_icon = "table"

    def dispatch(self, request, page_id):
        self.page = get_object_or_404(PollPage, pk=page_id)
        if not self.page.permissions_for_user(request.user).can_edit():
            raise PermissionDenied
        return super().dispatch(request, page_id)

    def get_page_title(self):
        return _("Poll results")

    def get_page_subtitle(self):
        return self.page.title

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        available = services.results_available(self.page)
        context.update(
            {
                "page": self.page,
                "poll": selectors.original_of(self.page),
                "ballots": selectors.ballot_count(self.page),
                "results_available": available,
                "results": selectors.poll_results(self.page) if available else None,
                "edit_url": reverse("wagtailadmin_pages:edit", args=[self.page.pk]),
            }
        )
        return context


@hooks.register("register_admin_urls")
def register_poll_results_url():
    return [
        path(
            "participation/polls/<int:page_id>/results/",
            PollResultsAdminView.as_view(),
            name="participation_poll_results",
        )
    ]


def results_button(page, user, priority):
    if page.specific_class is not PollPage or not page.permissions_for_user(user).can_edit():
        return None
    return Button(
        _("Results"),
        url=reverse("participation_poll_results", args=[page.pk]),
        icon_name="table",
        priority=priority,
    )


@hooks.register("register_page_listing_more_buttons")
def poll_results_listing_button(page, user, next_url=None):
    button = results_button(page, user, priority=45)
    if button is not None:
        yield button


@hooks.register("register_page_header_buttons")
def poll_results_header_button(page, user, view_name, next_url=None):
    button = results_button(page, user, priority=66)
    if button is not None:
        yield button
