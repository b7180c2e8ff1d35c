"""The petition pages beyond signing: starting one, "my petitions", the sponsor page, the list's filters,
and the open-data downloads."""

import csv
import io
import re

import pytest

from participation.models import Petition, PetitionSignature, PetitionSponsor

from .conftest import make_citizen, make_petition

pytestmark = pytest.mark.django_db

START = "/{language}/participate/petitions/new/"
MINE = "/{language}/participate/petitions/mine/"


def sponsor_page(petition, language="en"):
    return f"/{language}/participate/petitions/sponsor/{petition.sponsor_token}/"


def field_block(html, name):
    match = re.search(rf'<div class="field[^"]*">(?:(?!</div>\s*<div class="field).)*name="{name}"', html, re.S)
    assert match, f"no field {name}"
    return match.group(0)


# --- Starting a petition -----------------------------------------------------------------------------


def test_citizen_starts_a_petition_and_finds_its_share_link(client, authority):
    author = make_citizen()
    client.force_login(author)
    form = client.get(START.format(language="ar")).content.decode()
    assert f'<option value="{authority.code}">{authority.name}</option>' in form
    response = client.post(
        START.format(language="ar"),
        {"authority": authority.code, "title": "تمديد ساعات العمل", "body": "<p>نطالب</p><script>x()</script>"},
    )
    petition = Petition.objects.get(author=author)
    assert response.status_code == 302 and response["Location"].startswith("/ar/participate/petitions/mine/")
    assert (petition.state, petition.body, petition.authority_id) == (
        Petition.State.COLLECTING_SPONSORS,
        "<p>نطالب</p>",
        authority.pk,
    )
    mine = client.get(response["Location"]).content.decode()
    share = f"http://testserver/ar/participate/petitions/sponsor/{petition.sponsor_token}/"
    assert f'value="{share}"' in mine and f'<p class="meta" dir="ltr">{share}</p>' in mine
    assert "0 of 5 sponsors so far." in client.get(MINE.format(language="en")).content.decode()


def test_missing_title_is_shown_next_to_it_and_the_text_is_kept(client, authority):
    client.force_login(make_citizen())
    response = client.post(START.format(language="en"), {"authority": authority.code, "title": "", "body": "نص مهم"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "This field is required." in field_block(html, "title")
    assert 'aria-describedby="id_title_errors id_title_helptext"' in html
    assert "نص مهم</textarea>" in html
    assert not Petition.objects.exists()


def test_text_that_is_only_markup_is_refused_next_to_the_text(client, authority):
    client.force_login(make_citizen())
    response = client.post(
        START.format(language="en"), {"authority": authority.code, "title": "عنوان", "body": "<script>x()</script>"}
    )
    assert response.status_code == 400
    assert "A petition needs a text." in field_block(response.content.decode(), "body")
    assert 'value="عنوان"' in response.content.decode()


def test_authority_of_another_language_is_not_offered(client, authority):
    from cms.models import Authority

    english = Authority.objects.get(code=authority.code, locale__language_code="en")
    client.force_login(make_citizen())
    response = client.post(START.format(language="ar"), {"authority": "NOPE", "title": "عنوان", "body": "نص"})
    assert response.status_code == 400
    assert '<select name="authority" aria-describedby="id_authority_errors" aria-invalid="true"' in (
        response.content.decode()
    )
    assert not Petition.objects.exists()
    created = client.post(START.format(language="en"), {"authority": english.code, "title": "Title", "body": "Text"})
    assert created.status_code == 302
    assert Petition.objects.get().authority_id == authority.pk  # the default language's row; pages name it in theirs


def test_l1_citizen_is_told_the_level_needed_and_cannot_start_one(client, authority):
    client.force_login(make_citizen("L1"))
    page = client.get(START.format(language="en")).content.decode()
    assert "L2" in page and 'name="title"' not in page
    response = client.post(START.format(language="en"), {"authority": authority.code, "title": "T", "body": "B"})
    assert response.status_code == 403
    assert not Petition.objects.exists()


def test_anonymous_visitor_gets_a_sign_in_link(client):
    html = client.get(START.format(language="en")).content.decode()
    assert 'href="/en/accounts/login/?next=/en/participate/petitions/new/"' in html


def test_filled_honeypot_starts_nothing(client, authority):
    client.force_login(make_citizen())
    response = client.post(
        START.format(language="en"),
        {"authority": authority.code, "title": "T", "body": "B", "website": "http://spam.example"},
    )
    assert response.status_code == 400
    assert not Petition.objects.exists()


# --- My petitions ------------------------------------------------------------------------------------


def test_my_petitions_shows_the_reason_for_a_rejection_and_only_my_own(client, authority):
    author = make_citizen()
    make_petition(author, authority, state=Petition.State.REJECTED, rejection_reason="خارج اختصاص الجهة")
    make_petition(make_citizen(), authority, title="عريضة غيري")
    client.force_login(author)
    html = client.get(MINE.format(language="ar")).content.decode()
    assert '<p dir="auto">خارج اختصاص الجهة</p>' in html
    assert "عريضة غيري" not in html


def test_my_petitions_asks_a_visitor_to_sign_in(client):
    response = client.get(MINE.format(language="en"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- Sponsoring --------------------------------------------------------------------------------------


def test_last_sponsor_sends_the_petition_to_moderation(client, authority):
    petition = make_petition(make_citizen(), authority, state=Petition.State.COLLECTING_SPONSORS, sponsors_needed=2)
    PetitionSponsor.objects.create(petition=petition, user=make_citizen())
    sponsor = make_citizen()
    client.force_login(sponsor)
    page = client.get(sponsor_page(petition)).content.decode()
    assert "1 of 2 sponsors so far." in page and f'dir="auto">{petition.title}</h1>' in page
    response = client.post(sponsor_page(petition))
    assert response.status_code == 200
    assert "It now has all the sponsors it needs" in response.content.decode()
    assert Petition.objects.get(pk=petition.pk).state == Petition.State.AWAITING_MODERATION
    again = client.get(sponsor_page(petition)).content.decode()
    assert "This petition is not collecting sponsors." in again
    assert f'action="{sponsor_page(petition)}"' not in again


def test_sponsoring_twice_is_409_and_the_author_is_403(client, authority):
    author = make_citizen()
    petition = make_petition(author, authority, state=Petition.State.COLLECTING_SPONSORS)
    sponsor = make_citizen()
    PetitionSponsor.objects.create(petition=petition, user=sponsor)
    client.force_login(sponsor)
    assert "You have already sponsored this petition." in client.get(sponsor_page(petition)).content.decode()
    assert client.post(sponsor_page(petition)).status_code == 409
    client.force_login(author)
    assert "the author cannot sponsor it" in client.get(sponsor_page(petition)).content.decode()
    assert client.post(sponsor_page(petition)).status_code == 403
    assert PetitionSponsor.objects.filter(petition=petition).count() == 1


def test_anonymous_sponsor_is_403_with_a_sign_in_link_and_unknown_link_is_404(client, authority):
    petition = make_petition(make_citizen(), authority, state=Petition.State.COLLECTING_SPONSORS)
    response = client.post(sponsor_page(petition))
    assert response.status_code == 403
    assert "/en/accounts/login/?next=" in response.content.decode()
    assert client.get("/en/participate/petitions/sponsor/not-a-token/").status_code == 404
    assert not PetitionSponsor.objects.exists()


def test_a_rejected_or_hidden_petition_is_not_shown_through_its_old_share_link(client, authority):
    for state in (Petition.State.REJECTED, Petition.State.HIDDEN):
        petition = make_petition(make_citizen(), authority, state=state)
        assert client.get(sponsor_page(petition)).status_code == 404


# --- The list's filters ------------------------------------------------------------------------------


def test_list_filters_by_state_and_authority_and_refuses_an_unknown_state(client, authority):
    open_one = make_petition(make_citizen(), authority, title="عريضة مفتوحة")
    closed_one = make_petition(make_citizen(), authority, state=Petition.State.CLOSED, title="عريضة مغلقة")
    closed = client.get("/en/participate/petitions/", {"state": "closed", "authority": authority.code}).content.decode()
    assert closed_one.title in closed and open_one.title not in closed
    response = client.get("/en/participate/petitions/", {"state": "hidden", "q": "نص"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose the state open or closed." in field_block(html, "state")
    assert 'value="نص"' in html


# --- Open data ---------------------------------------------------------------------------------------


def test_open_data_csv_has_a_bom_counts_by_governorate_and_no_person(client, authority):
    petition = make_petition(make_citizen(), authority)
    signer = make_citizen()
    PetitionSignature.objects.create(petition=petition, user=signer, governorate="jahra")
    make_petition(make_citizen(), authority, state=Petition.State.HIDDEN, title="مخفية")
    response = client.get("/api/v1/petitions/export.csv")
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content).decode("utf-8")  # streamed, as every export is
    assert body.startswith("\ufeff") and signer.username not in body and "مخفية" not in body
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(body.lstrip("\ufeff")))}
    row = rows[str(petition.pk)]
    assert (row["title"], row["signature_count"], row["jahra"], row["capital"]) == (petition.title, "1", "1", "0")
    assert response["Access-Control-Allow-Origin"] == "*"


def test_open_data_json_lists_petitions_with_their_counts(client, authority):
    petition = make_petition(make_citizen(), authority)
    PetitionSignature.objects.create(petition=petition, user=make_citizen(), governorate="ahmadi")
    closed = make_petition(make_citizen(), authority, state=Petition.State.CLOSED)
    data = client.get("/api/v1/petitions/export.json", {"state": "open"}).json()
    listed = {item["id"]: item for item in data["petitions"]}
    assert closed.pk not in listed
    assert listed[petition.pk]["by_governorate"]["ahmadi"] == 1 and listed[petition.pk]["signature_count"] == 1
    assert client.get("/api/v1/petitions/export.json", {"state": "hidden"}).status_code == 400


def test_a_petition_title_a_spreadsheet_would_run_is_exported_as_text(client, authority):
    petition = make_petition(make_citizen(), authority, title='=HYPERLINK("http://example.invalid","x")')
    body = b"".join(client.get("/api/v1/petitions/export.csv").streaming_content).decode("utf-8")
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(body.lstrip("\ufeff")))}
    assert rows[str(petition.pk)]["title"] == "'" + petition.title
