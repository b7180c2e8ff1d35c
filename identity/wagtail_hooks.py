from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.permissions import register_permission_policy

from core.permissions import LimitedPermissionPolicy

from .models import ActionPolicy, SecurityEvent

# The audit log is read, filtered and exported; never added to, changed or deleted from the admin.
register_permission_policy(SecurityEvent, LimitedPermissionPolicy(SecurityEvent, allowed={"view"}))


class ActionPolicyViewSet(ModelViewSet):
    model = ActionPolicy
    url_prefix = "identity/policy"
    icon = "lock"
    menu_label = _("Assurance policy")
    form_fields = ["min_level"]
    list_display = ["action", "min_level", "updated_at"]
    copy_view_enabled = False
    inspect_view_enabled = False


class SecurityEventViewSet(ModelViewSet):
    model = SecurityEvent
    url_prefix = "identity/security-log"
    icon = "warning"
    menu_label = _("Security log")
    list_display = ["created_at", "kind", "user", "ip_address"]
    list_filter = {"kind": ["exact"], "created_at": ["gte", "lte"], "ip_address": ["exact"]}
    search_fields = ["user__email", "user__username", "ip_address"]
    list_export = ["created_at", "kind", "user", "ip_address", "user_agent", "detail"]
    ordering = ["-created_at"]
    form_fields = []
    copy_view_enabled = False


class IdentityViewSetGroup(ModelViewSetGroup):
    items = (ActionPolicyViewSet, SecurityEventViewSet)
    menu_icon = "key"
    menu_label = _("Identity")
    menu_name = "identity"


@hooks.register("register_admin_viewset")
def register_identity_viewsets():
    return IdentityViewSetGroup()
