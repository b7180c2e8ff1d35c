"""What every form of the portal shares, written once: the honeypot, errors described for screen readers, and the
safe way back (`next`)."""

from django import forms
from django.conf import settings
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

# The field only bots fill in. One name for every form, allauth's sign-up form included.
HONEYPOT_FIELD = settings.ACCOUNT_SIGNUP_FORM_HONEYPOT_FIELD


def safe_next(request, fallback="/"):
    """Where to go back to: the request's `next` (posted, or in the query string) when it is an address on this
    site, `fallback` otherwise, so that no link to the portal can send a citizen to another site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


class DescribedErrorsMixin:
    """A field with errors points at them (aria-describedby, with its help text) and says it is invalid, so a
    screen reader reads the error when the field gets focus. The templates give the errors the id
    `<auto_id>_errors` and the help text `<auto_id>_helptext`."""

    def full_clean(self):
        super().full_clean()
        self._describe_errors()

    def add_error(self, field, error):
        # A view may add one after cleaning: the refusal of a service, shown next to its field.
        super().add_error(field, error)
        self._describe_errors()

    def _describe_errors(self):
        for name in self._errors or ():
            if name not in self.fields:
                continue
            ids = [f"{self[name].auto_id}_errors"]
            if self.fields[name].help_text:
                ids.append(f"{self[name].auto_id}_helptext")
            self.fields[name].widget.attrs.update({"aria-describedby": " ".join(ids), "aria-invalid": "true"})


class HoneypotInput(forms.TextInput):
    """The honeypot's markup, whole: a text input with its label in a block hidden from people by the `hidden`
    attribute (not CSS), out of the tab order, never autofilled. It counts as a hidden field, so a template that
    renders `form.hidden_fields` shows it, and `{% honeypot form %}` (core/templatetags/portal_forms.py) does."""

    template_name = "core/honeypot.html"
    is_hidden = True


class HoneypotMixin(DescribedErrorsMixin):
    """Adds the field only bots fill in; a form that comes back with it filled is refused with
    `honeypot_message`, as a whole (a non-field error)."""

    honeypot_message = _("Your request could not be accepted.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[HONEYPOT_FIELD] = forms.CharField(
            label=_("Leave this field empty"), required=False, widget=HoneypotInput
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get(HONEYPOT_FIELD):
            raise forms.ValidationError(self.honeypot_message, code="honeypot")
        return cleaned
