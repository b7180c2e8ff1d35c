from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.action_menu import SubmitForModerationMenuItem
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views import chooser as chooser_views
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from core import pagecache

from .models import Authority, LifeEvent
from .selectors import ministry_codes


class OwnMinistries:
    """The authority chooser offers a ministry's editors only the authorities they work for, as the page forms do
    (participation.forms.ParticipationPageForm): choosing another would only be refused when they save. The
    portal's approvers and superusers are offered every authority."""

    def get_object_list(self):
        objects = super().get_object_list()
        codes = ministry_codes(self.request.user)
        return objects if not codes else objects.filter(code__in=codes)


class AuthorityChooseView(OwnMinistries, chooser_views.ChooseView):
    pass


class AuthorityChooseResultsView(OwnMinistries, chooser_views.ChooseResultsView):
    pass


class AuthorityChooserViewSet(chooser_views.SnippetChooserViewSet):
    choose_view_class = AuthorityChooseView
    choose_results_view_class = AuthorityChooseResultsView


class AuthorityViewSet(SnippetViewSet):
    model = Authority
    icon = "group"
    chooser_viewset_class = AuthorityChooserViewSet
    menu_label = _("Authorities")
    list_display = ["name", "code", "kind", "parent", "locale"]
    list_filter = ["kind", "locale"]
    search_fields = ["name", "code"]
    ordering = ["code"]


class LifeEventViewSet(SnippetViewSet):
    model = LifeEvent
    icon = "tag"
    menu_label = _("Life events")
    list_display = ["name", "slug", "order", "locale"]
    list_filter = ["locale"]
    search_fields = ["name", "slug"]
    ordering = ["order"]


class CatalogueViewSetGroup(SnippetViewSetGroup):
    items = (AuthorityViewSet, LifeEventViewSet)
    menu_icon = "list-ul"
    menu_label = _("Service catalogue")
    menu_name = "catalogue"


register_snippet(CatalogueViewSetGroup)


# The workflow and its task are named in the database, once, in English ("Ministry review", "Portal approval",
# cms.services); Wagtail writes the names into the submit button as they are («تقديم إلى Ministry review»).
# The button says them in the admin's language.
class SubmitInTheAdminsLanguage(SubmitForModerationMenuItem):
    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        page = context.get("page")
        workflow_state = page.current_workflow_state if page else None
        if workflow_state and workflow_state.status == workflow_state.STATUS_NEEDS_CHANGES:
            name = workflow_state.current_task_state.task.name
            context["label"] = gettext("Resubmit to %(task_name)s") % {"task_name": gettext(name)}
        else:
            workflow_page = page if page and page.pk else context["parent_page"]
            workflow = workflow_page.get_workflow()
            if workflow:
                context["label"] = gettext("Submit to %(workflow_name)s") % {"workflow_name": gettext(workflow.name)}
        return context


@hooks.register("construct_page_action_menu")
def translate_workflow_names(menu_items, request, context):
    for position, item in enumerate(menu_items):
        if type(item) is SubmitForModerationMenuItem:
            replacement = SubmitInTheAdminsLanguage(order=item.order)
            menu_items[position] = replacement


@hooks.register("before_serve_page")
def serve_from_page_cache(page, request, serve_args, serve_kwargs):
    """Every page's answer to an anonymous visitor is public: core.pagecache keeps it unless it turns out
    personal (a form's CSRF token, a cookie set), and cms/cache.py purges it on publish."""
    pagecache.public(request)
