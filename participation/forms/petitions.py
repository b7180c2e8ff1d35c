from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import DescribedErrorsMixin, HoneypotMixin

from ..models import Governorate


class SignPetitionForm(HoneypotMixin, forms.Form):
    honeypot_message = _("Your signature could not be accepted.")

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


class StartPetitionForm(HoneypotMixin, forms.Form):
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


class SponsorPetitionForm(HoneypotMixin, forms.Form):
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
