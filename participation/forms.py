from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Governorate

HONEYPOT_FIELD = "website"


class SignPetitionForm(forms.Form):
    governorate = forms.ChoiceField(
        label=_("Your governorate"),
        choices=[("", _("Choose your governorate"))] + Governorate.choices,
        error_messages={
            "invalid_choice": _("Choose one of the six governorates."),
        },
    )
    keep_informed = forms.BooleanField(
        label=_("Keep me informed about this petition"),
        required=False,
    )
    # Hidden from people (the `hidden` attribute, not CSS); bots that fill every field give themselves away.
    website = forms.CharField(label=_("Leave this field empty"), required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get(HONEYPOT_FIELD):
            raise forms.ValidationError(_("Your signature could not be accepted."), code="honeypot")
        return cleaned
