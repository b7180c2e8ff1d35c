"""Admin: the moderation queue (reported and hidden comments, reported petitions), the comments listing,
the block lists, and bulk approve / hide / block author. Every decision goes through
services.moderation, so it is logged in ModerationRecord."""

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.db.models import Q
from django.urls import path, reverse
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import chooser as chooser_views
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.chooser import ChooserViewSet
from wagtail.permissions import register_permission_policy
from wagtail.snippets.bulk_actions.snippet_bulk_action import SnippetBulkAction
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import CreateView, SnippetViewSet, SnippetViewSetGroup

from core.permissions import LimitedPermissionPolicy

from ..models import BlockedEmailDomain, BlockedNetwork, BlockedParticipant, Comment, Petition
from ..selectors import comments as selectors
from ..services import moderation
from ..services.common import ParticipationError
from .petitions import ReasonForm

MENU_HOOK = "register_participation_moderation_menu_item"

# Citizens write comments; staff moderate them (approve, hide, block the author) but never write or
# delete them here. An official answer is written on the site, by the authority's staff.
register_permission_policy(Comment, LimitedPermissionPolicy(Comment, denied={"add", "delete"}))


class TextColumn(Column):
    """The first words of a comment's sanitised HTML, as text."""

    def get_value(self, instance):
        return Truncator(strip_tags(instance.body)).chars(80)


# --- Comments ----------------------------------------------------------------------------------------


class CommentViewSet(SnippetViewSet):
    model = Comment
    icon = "comment"
    menu_label = _("Comments")
    url_prefix = "participation/comments"
    list_display = [
        TextColumn("body", label=_("text")),
        "author",
        "state",
        "is_official",
        "created_at",
        "deleted_at",
    ]
    list_filter = {"state": ["exact"], "is_official": ["exact"], "created_at": ["gte", "lte"]}
    search_fields = ["body"]
    ordering = ["-created_at"]
    edit_handler = ObjectList([])
    copy_view_enabled = False
    inspect_view_enabled = True
    inspect_view_fields = [
        "body",
        "author",
        "consultation",
        "petition",
        "poll",
        "service",
        "paragraph",
        "parent",
        "depth",
        "stance",
        "is_official",
        "official_authority",
        "state",
        "hidden_reason",
        "hidden_at",
        "approved_at",
        "created_at",
        "edited_at",
        "deleted_at",
    ]


# --- Block lists -------------------------------------------------------------------------------------


class RecordsCreator(CreateView):
    def save_instance(self):
        instance = self.form.save(commit=False)
        instance.created_by = self.request.user
        instance.save()
        self.form.save_m2m()
        return instance


class BlockedNetworkViewSet(SnippetViewSet):
    """IP addresses and ranges. The block lists are cached for a few seconds; every change here forgets them."""

    model = BlockedNetwork
    icon = "warning"
    menu_label = _("Blocked IP ranges")
    url_prefix = "participation/blocked-networks"
    list_display = ["network", "reason", "created_by", "created_at"]
    search_fields = ["network", "reason"]
    panels = [FieldPanel("network"), FieldPanel("reason")]
    add_view_class = RecordsCreator
    copy_view_enabled = False


class BlockedEmailDomainViewSet(SnippetViewSet):
    model = BlockedEmailDomain
    icon = "mail"
    menu_label = _("Blocked e-mail domains")
    url_prefix = "participation/blocked-domains"
    list_display = ["domain", "reason", "created_by", "created_at"]
    search_fields = ["domain", "reason"]
    panels = [FieldPanel("domain"), FieldPanel("reason")]
    add_view_class = RecordsCreator
    copy_view_enabled = False


class ParticipantSearchForm(BaseFilterForm):
    """Find an account by part of its user name, e-mail address or name (the country has too many accounts for
    a drop-down list)."""

    q = forms.CharField(label=_("Search term"), required=False, max_length=150)

    def filter(self, objects):
        query = (self.cleaned_data.get("q") or "").strip()
        if query:
            objects = objects.filter(
                Q(username__icontains=query)
                | Q(email__icontains=query)
                | Q(first_name__icontains=query)
                | Q(last_name__icontains=query)
            )
            self.is_searching, self.search_query = True, query
        return objects


class ParticipantChooseView(chooser_views.ChooseView):
    filter_form_class = ParticipantSearchForm
    ordering = ["username"]


class ParticipantChooseResultsView(chooser_views.ChooseResultsView):
    filter_form_class = ParticipantSearchForm
    ordering = ["username"]


class ParticipantChooserViewSet(ChooserViewSet):
    model = settings.AUTH_USER_MODEL
    icon = "user"
    choose_one_text = _("Choose a participant")
    choose_another_text = _("Choose another participant")
    page_title = _("Choose a participant")
    per_page = 20
    choose_view_class = ParticipantChooseView
    choose_results_view_class = ParticipantChooseResultsView
    register_widget = False  # used where a participant is chosen (blocking), not for every link to an account


participant_chooser = ParticipantChooserViewSet("participant_chooser", url_prefix="participation/participant-chooser")


@hooks.register("register_admin_viewset")
def register_participant_chooser():
    return participant_chooser


class BlockedParticipantViewSet(SnippetViewSet):
    model = BlockedParticipant
    icon = "user"
    menu_label = _("Blocked participants")
    url_prefix = "participation/blocked-participants"
    list_display = ["user", "reason", "until", "created_by", "created_at"]
    list_filter = {"until": ["isnull", "gte"]}
    panels = [FieldPanel("user", widget=participant_chooser.widget_class), FieldPanel("reason"), FieldPanel("until")]
    add_view_class = RecordsCreator
    copy_view_enabled = False


class ModerationViewSetGroup(SnippetViewSetGroup):
    items = (CommentViewSet, BlockedNetworkViewSet, BlockedEmailDomainViewSet, BlockedParticipantViewSet)
    menu_icon = "warning"
    menu_label = _("Moderation")
    menu_name = "moderation"
    submenu_hook = MENU_HOOK


register_snippet(ModerationViewSetGroup)


# --- The queue ---------------------------------------------------------------------------------------


class ModerationQueueView(WagtailAdminTemplateMixin, TemplateView):
    """Reported (and hidden) comments and reported petitions, the newest report first, with the reasons and
    counts; the checkboxes and buttons lead to the bulk actions below (confirmation, then the decision)."""

    template_name = "participation/comments/admin_queue.html"
    page_title = _("Moderation queue")
    header_icon = "warning"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["comments"] = selectors.with_flag_reasons(selectors.comment_queue()[:200], "comment")
        context["petitions"] = selectors.with_flag_reasons(selectors.petition_queue()[:200], "petition")
        context["next"] = self.request.path
        context["comment_actions"] = [
            (action.action_type, action.display_name) for action in (ApproveComments, HideComments, BlockCommentAuthors)
        ]
        context["petition_actions"] = [
            (action.action_type, action.display_name) for action in (KeepPetitions, HidePetitions, BlockPetitionAuthors)
        ]
        return context


queue_view = permission_required("participation.change_comment", raise_exception=True)(ModerationQueueView.as_view())


@hooks.register("register_admin_urls")
def register_queue_url():
    return [path("participation/moderation/", queue_view, name="participation_moderation_queue")]


@hooks.register(MENU_HOOK)
def register_queue_menu_item():
    return MenuItem(_("Moderation queue"), reverse("participation_moderation_queue"), icon_name="warning", order=0)


# --- Bulk actions ------------------------------------------------------------------------------------


class ModerationBulkAction(SnippetBulkAction):
    template_name = "participation/admin/confirm_bulk_moderation.html"
    decide = None  # (staff, item, reason) -> None

    def check_perm(self, item):
        return self.permission_policy.user_has_permission_for_instance(self.request.user, "change", item)

    def get_execution_context(self):
        reason = self.cleaned_form.cleaned_data.get("reason", "") if self.cleaned_form else ""
        return {"user": self.request.user, "reason": reason}

    @classmethod
    def execute_action(cls, items, user=None, reason="", **kwargs):
        done = skipped = 0
        for item in items:
            try:
                cls.decide(user, item, reason)
            except ParticipationError:
                skipped += 1
            else:
                done += 1
        return done, skipped

    def get_success_message(self, done, skipped):
        message = ngettext("%(count)d item moderated.", "%(count)d items moderated.", done) % {"count": done}
        if skipped:
            message += " " + ngettext("%(count)d item was skipped.", "%(count)d items were skipped.", skipped) % {
                "count": skipped
            }
        return message


class ApproveComments(ModerationBulkAction):
    models = [Comment]
    display_name = _("Approve")
    action_type = "approve"
    aria_label = _("Keep the selected comments visible and dismiss their reports")
    action_priority = 10

    @staticmethod
    def decide(staff, comment, reason):
        moderation.approve_comment(staff, comment)


class HideComments(ModerationBulkAction):
    models = [Comment]
    display_name = _("Hide")
    action_type = "hide"
    aria_label = _("Hide the selected comments; their authors see the reason")
    form_class = ReasonForm
    action_priority = 20
    classes = {"serious"}

    @staticmethod
    def decide(staff, comment, reason):
        moderation.hide_comment(staff, comment, reason)


class BlockCommentAuthors(ModerationBulkAction):
    models = [Comment]
    display_name = _("Block author")
    action_type = "block-author"
    aria_label = _("Block the authors of the selected comments and hide the comments")
    form_class = ReasonForm
    action_priority = 30
    classes = {"serious"}

    @staticmethod
    def decide(staff, comment, reason):
        moderation.block_author(staff, comment=comment, reason=reason)


class KeepPetitions(ModerationBulkAction):
    models = [Petition]
    display_name = _("Keep")
    action_type = "keep"
    aria_label = _("Keep the selected petitions and dismiss their reports")
    action_priority = 40

    @staticmethod
    def decide(staff, petition, reason):
        moderation.keep_petition(staff, petition)


class HidePetitions(ModerationBulkAction):
    models = [Petition]
    display_name = _("Hide (reported)")
    action_type = "hide-reported"
    aria_label = _("Hide the selected reported petitions with a reason")
    form_class = ReasonForm
    action_priority = 50
    classes = {"serious"}

    @staticmethod
    def decide(staff, petition, reason):
        moderation.hide_petition(staff, petition, reason)


class BlockPetitionAuthors(ModerationBulkAction):
    models = [Petition]
    display_name = _("Block author")
    action_type = "block-author"
    aria_label = _("Block the authors of the selected petitions and hide the petitions")
    form_class = ReasonForm
    action_priority = 60
    classes = {"serious"}

    @staticmethod
    def decide(staff, petition, reason):
        moderation.block_author(staff, petition=petition, reason=reason)


for action in (ApproveComments, HideComments, BlockCommentAuthors, KeepPetitions, HidePetitions, BlockPetitionAuthors):
    hooks.register("register_bulk_action", action)
