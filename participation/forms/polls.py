"""The ballot a citizen fills in; its rules are `participation.services.polls`'s."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import HoneypotMixin

from ..models import PollKind
from ..selectors.polls import options_of, original_of
from ..services.polls import InvalidBallot, validate_choices


class BallotForm(HoneypotMixin, forms.Form):
    """A ballot for one poll page: radio buttons (single choice), check boxes (multiple choice) or a rank
    number per option (ranked). The choices it gives are checked by the same rules as the API's."""

    honeypot_message = _("Your ballot could not be accepted.")

    def __init__(self, poll, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.poll = poll
        self.kind = original_of(poll).kind
        self.options = options_of(poll)
        if self.kind == PollKind.SINGLE:
            self.fields["option"] = forms.ChoiceField(
                label=_("Your choice"),
                choices=self.options,
                widget=forms.RadioSelect,
                error_messages={
                    "required": _("Choose one option."),
                    "invalid_choice": _("Choose one of the options shown."),
                },
            )
        elif self.kind == PollKind.MULTIPLE:
            self.fields["options"] = forms.MultipleChoiceField(
                label=_("Your choices"),
                choices=self.options,
                widget=forms.CheckboxSelectMultiple,
                required=False,
                error_messages={"invalid_choice": _("Choose among the options shown.")},
            )
        else:
            numbers = [(str(number), str(number)) for number in range(1, len(self.options) + 1)]
            for key, label in self.options:
                self.fields[self.rank_field(key)] = forms.TypedChoiceField(
                    label=label,
                    choices=[("", _("Not ranked"))] + numbers,
                    coerce=int,
                    empty_value=None,
                    required=False,
                    error_messages={"invalid_choice": _("Choose a number from the list.")},
                )

    @staticmethod
    def rank_field(key):
        return f"rank-{key}"

    @property
    def choice_field(self):
        """The field that a refusal of the whole ballot is shown next to (None: the ranking's fieldset)."""
        return {"single": "option", "multiple": "options"}.get(self.kind)

    def rank_fields(self):
        return [self[self.rank_field(key)] for key, _label in self.options]

    def choices(self):
        """The ballot as the service takes it: [(option key, rank or None)]."""
        data = self.cleaned_data
        if self.kind == "single":
            return [(data["option"], None)] if data.get("option") else []
        if self.kind == "multiple":
            return [(key, None) for key in data.get("options") or []]
        ranked = [(key, data.get(self.rank_field(key))) for key, _label in self.options]
        return [(key, rank) for key, rank in ranked if rank is not None]

    def clean(self):
        cleaned = super().clean()  # the honeypot first (core.forms.HoneypotMixin)
        if self.errors:
            return cleaned
        try:
            validate_choices(self.poll, self.choices())
        except InvalidBallot as refusal:
            self.add_error(self.choice_field, refusal.message)
        return cleaned

    @classmethod
    def initial_from(cls, own_ballot, kind):
        """The form's initial values from the voter's own ballot, so that changing it starts from it."""
        if own_ballot is None:
            return {}
        keys = [key for key, _label, _rank in own_ballot.choices]
        if kind == "single":
            return {"option": keys[0]} if keys else {}
        if kind == "multiple":
            return {"options": keys}
        return {cls.rank_field(key): str(rank) for key, _label, rank in own_ballot.choices}
