"""The pages' forms: an employer's labour-needs request, and staff's decision on one."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import DescribedErrorsMixin

from . import codes as cl
from . import selectors


def _choices(dimension, only=None):
    codes = selectors.code_lists().get(dimension, [])
    return [
        (code.code, f"{code.code} — {code.label}")
        for code in codes
        if code.code != cl.TOTAL and (only is None or code.code in only)
    ]


class NeedsRequestForm(DescribedErrorsMixin, forms.Form):
    nationality = forms.ChoiceField(
        label=_("Nationality group"), help_text=_("Kuwaiti, or one group of non-Kuwaiti workers.")
    )
    occupation = forms.ChoiceField(label=_("Occupation (ISCO-08 major group)"))
    workers = forms.IntegerField(label=_("Number of workers"), min_value=1, max_value=selectors.MAX_WORKERS_ASKED)
    justification = forms.CharField(
        label=_("Why the establishment needs them (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "dir": "auto"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["nationality"].choices = _choices(cl.NATIONALITY, selectors.REQUEST_NATIONALITIES)
        self.fields["occupation"].choices = _choices(cl.OCCUPATION)


class DecisionForm(DescribedErrorsMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        widget=forms.RadioSelect,
        choices=[("approve", _("Approve")), ("approve_part", _("Approve part")), ("reject", _("Reject"))],
    )
    workers_approved = forms.IntegerField(
        label=_("Workers approved (when approving part)"), required=False, min_value=1
    )
    reason_ar = forms.CharField(
        label=_("Reason (Arabic)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "rtl", "lang": "ar"}),
    )
    reason_en = forms.CharField(
        label=_("Reason (English)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "ltr", "lang": "en"}),
    )


class SignalFilterForm(forms.Form):
    """The inspectors' report's filters (GET)."""

    kind = forms.ChoiceField(label=_("Signal"), required=False)
    governorate = forms.ChoiceField(label=_("Governorate"), required=False)
    activity = forms.ChoiceField(label=_("Economic activity"), required=False)
    months = forms.IntegerField(
        label=_("Months without salary (and of absences)"),
        min_value=1,
        max_value=selectors.MAX_SIGNAL_MONTHS,
        initial=3,
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["kind"].choices = everything + list(selectors.signal_labels().items())
        self.fields["governorate"].choices = everything + _choices(cl.GOVERNORATE)
        self.fields["activity"].choices = everything + _choices(cl.ACTIVITY)
