"""The response form of a consultation page: one field per question (named `q-<key>`), built from the
questions as the page shows them, plus the honeypot. The service checks the answers again; this form only
turns what the browser sent into the answers the service takes, and shows errors next to each field."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import HoneypotMixin

from ..models import QuestionKind
from ..services.consultations import MAX_TEXT_ANSWER

FIELD_PREFIX = "q-"


def field_name(key):
    return f"{FIELD_PREFIX}{key}"


class ConsultationResponseForm(HoneypotMixin, forms.Form):
    honeypot_message = _("Your response could not be accepted.")

    def __init__(self, questions, *args, answers=None, **kwargs):
        self.questions = questions
        initial = {field_name(key): value for key, value in (answers or {}).items()}
        super().__init__(*args, initial=initial, **kwargs)
        for question in questions:
            self.fields[field_name(question.key)] = self._field(question)

    @staticmethod
    def _field(question):
        common = {"label": question.text, "help_text": question.help_text, "required": question.required}
        if question.kind == QuestionKind.SINGLE:
            return forms.ChoiceField(choices=list(question.choices), widget=forms.RadioSelect, **common)
        if question.kind == QuestionKind.MULTIPLE:
            return forms.MultipleChoiceField(
                choices=list(question.choices), widget=forms.CheckboxSelectMultiple, **common
            )
        if question.kind == QuestionKind.SCALE:
            return forms.TypedChoiceField(
                choices=[(value, str(value)) for value in range(1, question.scale_max + 1)],
                coerce=int,
                empty_value=None,
                widget=forms.RadioSelect,
                **common,
            )
        return forms.CharField(
            max_length=MAX_TEXT_ANSWER, widget=forms.Textarea(attrs={"rows": 5, "dir": "auto"}), **common
        )

    def answers(self):
        """The answers as the service takes them: {question key: answer}."""
        return {question.key: self.cleaned_data.get(field_name(question.key)) for question in self.questions}

    def add_refusal(self, error):
        """Show a refusal from the service next to the question it names, or above the form."""
        name = field_name(error.field) if getattr(error, "field", None) else None
        self.add_error(name if name in self.fields else None, error.message)

    def question_fields(self):
        """(question, bound field) pairs in the page's order, for the template."""
        return [(question, self[field_name(question.key)]) for question in self.questions]
