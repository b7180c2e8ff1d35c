"""Filters of the admin's templates."""

from django import template
from django.utils.translation import gettext

register = template.Library()


@register.filter
def shown_value(value):
    """A value as staff read it in their language: none is a dash, a yes-or-no is «نعم» / «لا» (Yes / No), never
    Python's None, True or False."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    return value
