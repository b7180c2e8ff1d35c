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


class DescribedErrorsMixin:
    """A field with errors points at them (aria-describedby, with its help text) and says it is invalid, so a
    screen reader reads the error when the field gets focus. The ids are those the petition templates use."""

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name not in self.fields:
                continue
            ids = [f"{self[name].auto_id}_errors"]
            if self.fields[name].help_text:
                ids.append(f"{self[name].auto_id}_helptext")
            self.fields[name].widget.attrs.update({"aria-describedby": " ".join(ids), "aria-invalid": "true"})


class HoneypotForm(DescribedErrorsMixin, forms.Form):
    """A form with the hidden `website` field that only bots fill in."""

    website = forms.CharField(label=_("Leave this field empty"), required=False)
    honeypot_message = _("Your request could not be accepted.")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get(HONEYPOT_FIELD):
            raise forms.ValidationError(self.honeypot_message, code="honeypot")
        return cleaned


class StartPetitionForm(HoneypotForm):
    authority = forms.ChoiceField(
        label=_("Addressed to"),
        error_messages={"invalid_choice": _("Choose one of the authorities in the list.")},
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        help_text=_("One sentence saying what you ask for."),
        error_messages={"max_length": _("Keep the title to %(limit_value)d characters (it has %(show_value)d).")},
    )
    body = forms.CharField(
        label=_("Text of the petition"),
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 12, "cols": 60}),
        help_text=_("Why it matters and what the authority should do. Paragraphs, lists and links are kept."),
    )

    def __init__(self, *args, authorities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["authority"].choices = [("", _("Choose an authority"))] + [
            (authority.code, authority.name) for authority in authorities
        ]
        self.authorities = {authority.code: authority for authority in authorities}
        # The honeypot last, after the fields people fill in.
        self.order_fields(["authority", "title", "body", HONEYPOT_FIELD])


class SponsorPetitionForm(HoneypotForm):
    """Sponsoring is one button; the form carries the honeypot."""


class PetitionFilterForm(DescribedErrorsMixin, forms.Form):
    q = forms.CharField(label=_("Search petitions"), required=False, max_length=100)
    authority = forms.ChoiceField(
        label=_("Addressed to"),
        required=False,
        error_messages={"invalid_choice": _("Choose one of the authorities in the list.")},
    )
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("open", _("Open for signing")), ("closed", _("Closed"))],
        error_messages={"invalid_choice": _("Choose the state open or closed.")},
    )

    def __init__(self, *args, authorities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["authority"].choices = [("", _("All authorities"))] + [
            (authority.code, authority.name) for authority in authorities
        ]
