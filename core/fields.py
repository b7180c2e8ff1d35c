from django import forms
from django.core import exceptions
from django.db import models


class ChoiceListField(models.JSONField):
    """A list of values from a fixed set of choices, stored as a JSON array: works on SQLite and PostgreSQL
    alike, and renders as checkboxes in the admin."""

    def __init__(self, *args, item_choices=(), **kwargs):
        self.item_choices = list(item_choices)
        kwargs.setdefault("default", list)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["item_choices"] = self.item_choices
        return name, path, args, kwargs

    def validate(self, value, model_instance):
        super().validate(value, model_instance)
        allowed = {choice for choice, _label in self.item_choices}
        if not isinstance(value, list) or any(item not in allowed for item in value):
            raise exceptions.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
            )

    def formfield(self, **kwargs):
        return forms.MultipleChoiceField(
            choices=self.item_choices,
            required=not self.blank,
            widget=forms.CheckboxSelectMultiple,
            label=self.verbose_name.capitalize() if self.verbose_name else None,
            help_text=self.help_text,
        )
