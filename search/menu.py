"""Search's entry of the main menu (core.menu)."""

from django.utils.translation import gettext_lazy as _

from core.menu import MenuItem, named_url, register

register(MenuItem("search", _("Search"), named_url("search_page"), order=40))
