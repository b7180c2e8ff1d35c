import re
from urllib.parse import quote

import pytest

from participation.models import Petition, PetitionSignature

from .conftest import make_citizen, make_petition

pytestmark = pytest.mark.django_db


def page(petition, language):
    return f"/{language}/participate/petitions/{petition.pk}/"


def field_block(html, name):
    """The markup of the form field wrapper holding the input called `name`."""
    match = re.search(rf'<div class="field[^"]*">(?:(?!</div>\s*<div class="field).)*name="{name}"', html, re.S)
    assert match, f"no field {name}"
    return match.group(0)


@pytest.mark.parametrize(("language", "direction"), [("ar", "rtl"), ("en", "ltr")])
def test_petition_pages_speak_the_language_of_their_address(client, petition, language, direction):
    for url in (f"/{language}/participate/petitions/", page(petition, language)):
        response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert f'<html lang="{language}" dir="{direction}">' in html
        assert f'dir="auto">{petition.title}</' in html
    detail = client.get(page(petition, language)).content.decode()
    assert '<progress id="progress-response" max="10000" value="0">' in detail


def test_missing_governorate_is_shown_next_to_the_field_in_arabic(client, citizen, petition):
    client.force_login(citizen)
    response = client.post(page(petition, "ar"), {"keep_informed": "on"})
    assert response.status_code == 400
    assert "هذا الحقل مطلوب" in field_block(response.content.decode(), "governorate")
    assert not PetitionSignature.objects.exists()


def test_unknown_governorate_is_shown_next_to_the_field_in_english(client, citizen, petition):
    client.force_login(citizen)
    response = client.post(page(petition, "en"), {"governorate": "riyadh"})
    assert response.status_code == 400
    assert "Choose one of the six governorates." in field_block(response.content.decode(), "governorate")


def test_filled_honeypot_is_rejected_and_nothing_is_written(client, citizen, petition):
    client.force_login(citizen)
    response = client.post(page(petition, "en"), {"governorate": "capital", "website": "http://spam.example"})
    assert response.status_code == 400
    assert "Your signature could not be accepted." in response.content.decode()
    assert not PetitionSignature.objects.exists()


def test_signing_shows_the_receipt_with_a_link_to_verify_it(client, citizen, petition):
    client.force_login(citizen)
    response = client.post(page(petition, "ar"), {"governorate": "jahra", "keep_informed": "on"})
    assert response.status_code == 200
    html = response.content.decode()
    signature = PetitionSignature.objects.get(petition=petition, user=citizen)
    assert (signature.governorate, signature.keep_informed) == ("jahra", True)
    receipt = re.search(r'<textarea id="petition-receipt"[^>]*>([^<]+)</textarea>', html).group(1)
    assert f'href="/ar/receipts/verify/?receipt={quote(receipt, safe="")}"' in html
    assert client.get(page(petition, "ar")).content.decode().count('name="governorate"') == 0


def test_l1_citizen_sees_which_level_is_needed(client, petition):
    client.force_login(make_citizen("L1"))
    response = client.post(page(petition, "en"), {"governorate": "capital"})
    assert response.status_code == 403
    assert "L2" in response.content.decode()
    assert not PetitionSignature.objects.exists()


def test_closed_petition_has_no_sign_form_and_hidden_one_is_not_found(client, authority):
    closed = make_petition(make_citizen(), authority, state=Petition.State.CLOSED)
    hidden = make_petition(make_citizen(), authority, state=Petition.State.HIDDEN)
    assert 'name="governorate"' not in client.get(page(closed, "en")).content.decode()
    assert client.get(page(hidden, "en")).status_code == 404
