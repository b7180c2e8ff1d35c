from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import Authority, LifeEvent


class AuthorityViewSet(SnippetViewSet):
    model = Authority
    icon = "group"
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
