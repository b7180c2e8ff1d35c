"""The forms of the comment thread: write or edit a comment, vote on it, report it. Each works without
JavaScript; the services decide everything else."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import DescribedErrorsMixin, HoneypotMixin

from ..models import FlagReason, Stance
from ..models.comments import MAX_LENGTH, TARGETS

TARGET_CHOICES = [(name, name) for name in TARGETS]


class CommentForm(HoneypotMixin, forms.Form):
    honeypot_message = _("Your comment could not be accepted.")

    target = forms.ChoiceField(choices=TARGET_CHOICES, widget=forms.HiddenInput)
    target_id = forms.IntegerField(widget=forms.HiddenInput)
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)
    paragraph = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    body = forms.CharField(
        label=_("Your comment"),
        # Room for markup: the limit that counts is checked on the sanitised text by the service.
        max_length=MAX_LENGTH * 4,
        widget=forms.Textarea(attrs={"rows": 5, "dir": "auto"}),
        help_text=_("Plain text; paragraphs, lists, quotes and web links are kept."),
        error_messages={"required": _("Write a comment.")},
    )
    stance = forms.ChoiceField(
        label=_("Your stance"),
        required=False,
        choices=[("", _("No stance"))] + Stance.choices,
        error_messages={"invalid_choice": _("Choose for, against or neutral as your stance.")},
    )
    official = forms.BooleanField(label=_("Post as the authority's official answer"), required=False)
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class EditCommentForm(HoneypotMixin, forms.Form):
    honeypot_message = _("Your comment could not be accepted.")
    body = forms.CharField(
        label=_("Your comment"),
        max_length=MAX_LENGTH * 4,
        widget=forms.Textarea(attrs={"rows": 5, "dir": "auto"}),
        error_messages={"required": _("Write a comment.")},
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class VoteForm(forms.Form):
    value = forms.ChoiceField(choices=[("up", _("Up")), ("down", _("Down")), ("none", _("Withdraw my vote"))])
    next = forms.CharField(required=False)


class FlagForm(DescribedErrorsMixin, forms.Form):
    reason = forms.ChoiceField(
        label=_("Why are you reporting this?"),
        choices=[("", _("Choose a reason"))] + FlagReason.choices,
        error_messages={"required": _("Choose why you are reporting this."), "invalid_choice": _("Choose a reason.")},
    )
    note = forms.CharField(label=_("Anything moderators should know (optional)"), required=False, max_length=500)
    next = forms.CharField(required=False, widget=forms.HiddenInput)
