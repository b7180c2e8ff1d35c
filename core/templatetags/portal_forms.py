from django import template

from core.forms import HONEYPOT_FIELD, HoneypotInput

register = template.Library()


@register.simple_tag
def honeypot(form):
    """The honeypot of `form` (a `core.forms.HoneypotMixin`)."""
    return form[HONEYPOT_FIELD].as_widget()


@register.simple_tag
def honeypot_input(*id_parts):
    """The honeypot of a form the template writes by hand: its input's id is `<id_parts…>-<name>`, joined by -."""
    return HoneypotInput().render(HONEYPOT_FIELD, "", attrs={"id": "-".join(map(str, (*id_parts, HONEYPOT_FIELD)))})
