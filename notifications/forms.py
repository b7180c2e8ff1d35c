from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from core.forms import HoneypotMixin

from . import registry
from .models import EmailFrequency


class PreferencesForm(HoneypotMixin, forms.Form):
    """E-mail frequency, automatic follows, and two checkboxes (portal, e-mail) per kind of notification."""

    email_frequency = forms.ChoiceField(
        label=_("E-mails"),
        choices=EmailFrequency.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose how often to receive e-mails."),
            "invalid_choice": _("Choose how often to receive e-mails."),
        },
    )
    auto_follow = forms.BooleanField(
        label=_("Follow what I create, sign (when I ask to be kept informed), answer or comment on"), required=False
    )
    honeypot_message = _("Your preferences could not be saved.")

    def __init__(self, *args, channels=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind_rows = []
        channels = channels or {}
        for kind in registry.kinds():
            in_app, email = channels.get(kind.key, (kind.in_app, kind.email))
            app_name, email_name = f"in_app__{kind.key}", f"email__{kind.key}"
            self.fields[app_name] = forms.BooleanField(
                label=_("In the portal"),
                required=False,
                initial=in_app,
                widget=forms.CheckboxInput(
                    attrs={"aria-label": format_lazy("{} — {}", kind.label, _("In the portal"))}
                ),
            )
            self.fields[email_name] = forms.BooleanField(
                label=_("By e-mail"),
                required=False,
                initial=email,
                widget=forms.CheckboxInput(attrs={"aria-label": format_lazy("{} — {}", kind.label, _("By e-mail"))}),
            )
            self.kind_rows.append((kind, self[app_name], self[email_name]))

    def channels(self):
        return {
            kind.key: (self.cleaned_data[f"in_app__{kind.key}"], self.cleaned_data[f"email__{kind.key}"])
            for kind, _app, _email in self.kind_rows
        }
