"""The catalogue's entry of the main menu (core.menu): the national catalogue's index page."""

from django.utils.translation import gettext_lazy as _

from core.menu import MenuItem, page_url, register


def _catalogue():
    from .models import ServiceIndexPage

    return ServiceIndexPage.objects.filter(authority__isnull=True)


register(MenuItem("services", _("Services"), page_url(_catalogue), order=10))
