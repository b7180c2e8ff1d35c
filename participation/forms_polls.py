"""Forms of polls: the ballot a citizen fills in, and the editors' page form that keeps options with votes.

Both leave the rules to `participation.services.polls` (imported when used: this module is imported by
the page models themselves)."""

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm

from core.forms import HoneypotMixin


class BallotForm(HoneypotMixin, forms.Form):
    """A ballot for one poll page: radio buttons (single choice), check boxes (multiple choice) or a rank
    number per option (ranked). The choices it gives are checked by the same rules as the API's."""

    honeypot_message = _("Your ballot could not be accepted.")

    def __init__(self, poll, *args, **kwargs):
        from .models import PollKind
        from .selectors.polls import options_of, original_of

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
        from .services.polls import InvalidBallot, validate_choices

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


class PollPageForm(WagtailAdminPageForm):
    """Once ballots name an option, the option stays: removing it (or changing its key, which translations
    use to find it, or the poll's kind) would change or lose counted votes. The database would refuse the
    removal too (ballot choices PROTECT their option); this says why, instead of an error page."""

    def clean(self):
        cleaned = super().clean()
        self.check_keys_are_unique()
        page = self.instance
        if not page.pk:
            return cleaned
        from .models import Ballot, BallotChoice

        if not Ballot.objects.filter(poll_id=page.pk).exists():
            return cleaned
        if "kind" in self.changed_data:
            self.add_error("kind", _("Ballots have been cast in this poll: its kind cannot change."))
        voted = set(BallotChoice.objects.filter(option__page_id=page.pk).values_list("option_id", flat=True))
        formset = self.formsets.get("options")
        for form in formset.forms if formset is not None else []:
            option = form.instance
            if option.pk not in voted:
                continue
            label = option.label
            form_is_valid = form.is_valid()  # cleans the form, so that its DELETE flag can be read
            if formset.can_delete and formset._should_delete_form(form):
                self.add_error(
                    None,
                    _("The option “%(option)s” has votes and cannot be removed. Close the poll instead.")
                    % {"option": label},
                )
            elif form_is_valid and "key" in form.changed_data:
                self.add_error(None, _("The option “%(option)s” has votes: its key cannot change.") % {"option": label})
        return cleaned

    def check_keys_are_unique(self):
        """Ballots and translations name options by key, so two options of one poll cannot share one."""
        formset = self.formsets.get("options")
        if formset is None:
            return
        seen = set()
        for form in formset.forms:
            if not form.is_valid() or (formset.can_delete and formset._should_delete_form(form)):
                continue
            key = form.cleaned_data.get("key")
            if key and key in seen:
                self.add_error(None, _("Two options have the key “%(key)s”; give each option its own.") % {"key": key})
            seen.add(key)
