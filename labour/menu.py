"""Labour's entry of the main menu (core.menu): the labour-market dashboard, where the site has one."""

from django.utils.translation import gettext_lazy as _

from core.menu import ACCOUNT, MenuItem, named_url, page_url, register


def _dashboards():
    from .models import LabourDashboardPage

    return LabourDashboardPage.objects.all()


register(MenuItem("labour", _("Labour market"), page_url(_dashboards), order=35))
register(
    MenuItem(
        "my-establishments",
        _("My establishments"),
        named_url("labour:my_establishments"),
        order=30,
        description=_("The establishments you sign for: their standing, workforce and labour-needs requests."),
    ),
    menu=ACCOUNT,
)
