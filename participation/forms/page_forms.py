"""The editors' page forms. The page models import them, so they import no model: what they need of the page,
they ask the page."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm

from cms.selectors import ministry_codes


class ParticipationPageForm(WagtailAdminPageForm):
    """A ministry's editors launch consultations and polls for their own ministry: the authority field offers
    only the authorities they work for (the portal's approvers and superusers are offered every one)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("authority")
        user = getattr(self, "for_user", None)
        codes = ministry_codes(user) if user is not None and user.is_authenticated else None
        if field is not None and codes:
            field.queryset = field.queryset.filter(code__in=codes)


class PollPageForm(ParticipationPageForm):
    """Once ballots name an option, the option stays: removing it (or changing its key, which translations
    use to find it, or the poll's kind) would change or lose counted votes. The database would refuse the
    removal too (ballot choices PROTECT their option); this says why, instead of an error page."""

    def clean(self):
        cleaned = super().clean()
        self.check_keys_are_unique()
        page = self.instance
        if not page.pk:
            return cleaned
        if not page.ballots.exists():
            return cleaned
        if "kind" in self.changed_data:
            self.add_error("kind", _("Ballots have been cast in this poll: its kind cannot change."))
        voted = page.voted_option_ids()
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
