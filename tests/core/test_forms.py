"""core/forms.py: the form plumbing every form shares."""

import pytest
from django import forms
from django.test import RequestFactory

from core.forms import HONEYPOT_FIELD, HoneypotMixin, safe_next

pytestmark = pytest.mark.django_db  # rendering a widget goes through the theme's loader, a site setting


class Petitionish(HoneypotMixin, forms.Form):
    honeypot_message = "Refused."
    title = forms.CharField(help_text="One sentence.")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("/ar/petitions/", "/ar/petitions/"),
        ("https://evil.example/", "/fallback/"),
        ("//evil.example/", "/fallback/"),
        ("javascript:alert(1)", "/fallback/"),
        ("", "/fallback/"),
    ],
)
def test_next_goes_back_only_to_this_site(given, expected):
    assert safe_next(RequestFactory().post("/", {"next": given}), "/fallback/") == expected
    assert safe_next(RequestFactory().get("/", {"next": given}), "/fallback/") == expected


def test_a_filled_honeypot_refuses_the_whole_form_and_an_empty_one_passes():
    assert Petitionish({"title": "Longer opening hours"}).is_valid()
    form = Petitionish({"title": "Longer opening hours", HONEYPOT_FIELD: "https://spam.example"})
    assert not form.is_valid()
    assert form.non_field_errors() == ["Refused."]


def test_the_honeypot_is_hidden_from_people_and_out_of_the_tab_order():
    form = Petitionish()
    html = str(form[HONEYPOT_FIELD])
    assert form[HONEYPOT_FIELD].is_hidden
    assert 'hidden aria-hidden="true"' in html and 'tabindex="-1"' in html and 'autocomplete="off"' in html
    assert f'name="{HONEYPOT_FIELD}"' in html and 'value=""' in html


def test_a_field_with_errors_points_at_them_and_at_its_help_text():
    form = Petitionish({})
    assert not form.is_valid()
    attrs = form.fields["title"].widget.attrs
    assert attrs["aria-describedby"] == "id_title_errors id_title_helptext" and attrs["aria-invalid"] == "true"


def test_an_error_a_view_adds_after_cleaning_is_described_too():
    form = Petitionish({"title": "<script></script>"})
    assert form.is_valid()
    form.add_error("title", "Write a title.")
    assert form.fields["title"].widget.attrs["aria-describedby"] == "id_title_errors id_title_helptext"
