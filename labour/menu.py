"""Labour's entry of the main menu (core.menu): the labour-market dashboard, where the site has one."""

from django.utils.translation import gettext_lazy as _

from core.menu import MenuItem, page_url, register


def _dashboards():
    from .models import LabourDashboardPage

    return LabourDashboardPage.objects.all()


register(MenuItem("labour", _("Labour market"), page_url(_dashboards), order=35))
