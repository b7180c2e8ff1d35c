from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm


class ServicePageForm(WagtailAdminPageForm):
    """Starts a new service with its section's authority, and refuses an authority other than the section's
    (a new page has no parent yet when the model's own clean() runs, so the form checks it)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        section_authority = self._section_authority_id()
        if section_authority and not self.instance.authority_id and "authority" in self.fields:
            self.initial["authority"] = section_authority

    def _section_authority_id(self):
        parent = getattr(self, "parent_page", None)
        return getattr(parent.specific, "authority_id", None) if parent is not None else None

    def clean(self):
        cleaned_data = super().clean()
        section_authority = self._section_authority_id()
        authority = cleaned_data.get("authority")
        if section_authority and authority and authority.pk != section_authority:
            self.add_error("authority", _("A service must belong to the authority of its catalogue section."))
        return cleaned_data
