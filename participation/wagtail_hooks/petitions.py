"""Admin: the moderation queue for petitions (bulk approve / reject / hide), signatures with bulk
invalidation, per-authority settings and the moderation log. Every decision goes through services.py, so
it is logged in ModerationRecord."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import register_permission_policy
from wagtail.snippets.bulk_actions.snippet_bulk_action import SnippetBulkAction
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import EditView, SnippetViewSet, SnippetViewSetGroup

from core.permissions import LimitedPermissionPolicy

from ..models import ModerationRecord, Petition, PetitionSettings, PetitionSignature
from ..services import petitions as services

# Citizens create petitions and signatures; staff moderate them but never add or delete them here.
register_permission_policy(Petition, LimitedPermissionPolicy(Petition, denied={"add", "delete"}))
register_permission_policy(PetitionSignature, LimitedPermissionPolicy(PetitionSignature, denied={"add", "delete"}))
register_permission_policy(ModerationRecord, LimitedPermissionPolicy(ModerationRecord, allowed={"view"}))


class GovernmentResponseForm(WagtailAdminModelForm):
    def clean_government_response(self):
        text = self.cleaned_data.get("government_response", "")
        if not text.strip():
            raise forms.ValidationError(_("Write the government response."))
        return text


class PetitionEditView(EditView):
    """Editing a petition in the admin means publishing the government response, through the service."""

    def save_instance(self):
        return services.publish_government_response(
            self.request.user, self.object, self.form.cleaned_data["government_response"]
        )


class PetitionViewSet(SnippetViewSet):
    model = Petition
    icon = "doc-full"
    menu_label = _("Petitions")
    url_prefix = "participation/petitions"
    list_display = ["title", "authority", "state", "created_at", "closes_at"]
    list_filter = {"state": ["exact"], "authority": ["exact"], "created_at": ["gte", "lte"]}
    search_fields = ["title"]
    ordering = ["-created_at"]
    edit_view_class = PetitionEditView
    edit_handler = ObjectList([FieldPanel("government_response")], base_form_class=GovernmentResponseForm)
    copy_view_enabled = False
    inspect_view_enabled = True


class PetitionSignatureViewSet(SnippetViewSet):
    model = PetitionSignature
    icon = "tick"
    menu_label = _("Signatures")
    url_prefix = "participation/signatures"
    list_display = ["petition", "governorate", "created_at", "invalidated_at"]
    list_filter = {
        "petition": ["exact"],
        "governorate": ["exact"],
        "invalidated_at": ["isnull"],
        "created_at": ["gte", "lte"],
    }
    ordering = ["-created_at"]
    edit_handler = ObjectList([])
    copy_view_enabled = False
    inspect_view_enabled = True


class ModerationRecordViewSet(SnippetViewSet):
    model = ModerationRecord
    icon = "history"
    menu_label = _("Moderation log")
    url_prefix = "participation/moderation-log"
    list_display = ["created_at", "kind", "petition", "staff", "reason"]
    list_filter = {"kind": ["exact"], "created_at": ["gte", "lte"]}
    ordering = ["-created_at"]
    list_export = ["created_at", "kind", "petition", "staff", "reason", "detail"]
    edit_handler = ObjectList([])
    copy_view_enabled = False


class PetitionViewSetGroup(SnippetViewSetGroup):
    items = (PetitionViewSet, PetitionSignatureViewSet, ModerationRecordViewSet)
    menu_icon = "group"
    menu_label = _("Petitions")
    menu_name = "petitions"


register_snippet(PetitionViewSetGroup)


class PetitionSettingsViewSet(ModelViewSet):
    model = PetitionSettings
    url_prefix = "participation/settings"
    icon = "cog"
    menu_label = _("Petition settings")
    form_fields = ["authority", "sponsors_needed", "response_threshold", "debate_threshold", "open_for_days"]
    list_display = ["authority", "sponsors_needed", "response_threshold", "debate_threshold", "open_for_days"]
    add_to_settings_menu = True
    copy_view_enabled = False
    inspect_view_enabled = False


@hooks.register("register_admin_viewset")
def register_petition_settings():
    return PetitionSettingsViewSet("petition_settings")


# --- Bulk actions ------------------------------------------------------------------------------------


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=300)


class ModeratePetitionsBulkAction(SnippetBulkAction):
    models = [Petition]
    decision = None
    template_name = "participation/admin/confirm_bulk_moderation.html"

    def check_perm(self, petition):
        return self.permission_policy.user_has_permission_for_instance(self.request.user, "change", petition)

    def get_execution_context(self):
        reason = self.cleaned_form.cleaned_data.get("reason", "") if self.cleaned_form else ""
        return {"user": self.request.user, "decision": self.decision, "reason": reason}

    @classmethod
    def execute_action(cls, petitions, user=None, decision=None, reason="", **kwargs):
        done = skipped = 0
        for petition in petitions:
            try:
                services.moderate_petition(user, petition, decision, reason)
            except services.ParticipationError:
                skipped += 1
            else:
                done += 1
        return done, skipped

    def get_success_message(self, done, skipped):
        message = ngettext("%(count)d petition moderated.", "%(count)d petitions moderated.", done) % {"count": done}
        if skipped:
            message += " " + ngettext(
                "%(count)d petition was skipped: its state does not allow this.",
                "%(count)d petitions were skipped: their state does not allow this.",
                skipped,
            ) % {"count": skipped}
        return message


class ApprovePetitionsBulkAction(ModeratePetitionsBulkAction):
    display_name = _("Approve")
    action_type = "approve"
    aria_label = _("Approve the selected petitions and open them for signing")
    decision = "approve"
    action_priority = 10


class RejectPetitionsBulkAction(ModeratePetitionsBulkAction):
    display_name = _("Reject")
    action_type = "reject"
    aria_label = _("Reject the selected petitions with a reason")
    decision = "reject"
    form_class = ReasonForm
    action_priority = 20


class HidePetitionsBulkAction(ModeratePetitionsBulkAction):
    display_name = _("Hide")
    action_type = "hide"
    aria_label = _("Hide the selected petitions")
    decision = "hide"
    action_priority = 30
    classes = {"serious"}


class InvalidateSignaturesBulkAction(SnippetBulkAction):
    models = [PetitionSignature]
    display_name = _("Invalidate")
    action_type = "invalidate"
    aria_label = _("Invalidate the selected signatures")
    template_name = "participation/admin/confirm_bulk_moderation.html"
    form_class = ReasonForm
    classes = {"serious"}

    def check_perm(self, signature):
        return self.permission_policy.user_has_permission_for_instance(self.request.user, "change", signature)

    def get_execution_context(self):
        return {"user": self.request.user, "reason": self.cleaned_form.cleaned_data["reason"]}

    @classmethod
    def execute_action(cls, signatures, user=None, reason="", **kwargs):
        return services.invalidate_signatures(user, [signature.pk for signature in signatures], reason), 0

    def get_success_message(self, done, skipped):
        return ngettext("%(count)d signature invalidated.", "%(count)d signatures invalidated.", done) % {"count": done}


for action in (
    ApprovePetitionsBulkAction,
    RejectPetitionsBulkAction,
    HidePetitionsBulkAction,
    InvalidateSignaturesBulkAction,
):
    hooks.register("register_bulk_action", action)
