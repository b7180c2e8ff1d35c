from datetime import timedelta

import pytest
from django.utils import timezone

from identity.receipts import verify_receipt
from participation.models import Petition, PetitionSignature
from participation.services import petitions as services
from tests import factories

from .conftest import make_citizen, make_petition

pytestmark = pytest.mark.django_db


def sign(client, petition, governorate="capital", **extra):
    """POST a signature to `petition` (a petition or its number)."""
    return client.post(
        f"/api/v1/petitions/{getattr(petition, 'pk', petition)}/signatures/",
        {"governorate": governorate, "keep_informed": True},
        content_type="application/json",
        **{"HTTP_ACCEPT_LANGUAGE": "en", **extra},
    )


def test_signing_answers_201_with_a_receipt_that_verifies(client, citizen, petition):
    client.force_login(citizen)
    response = sign(client, petition)
    assert response.status_code == 201
    assert verify_receipt(response.json()["receipt"]).valid
    assert response.json()["verify_url"] == "/api/v1/receipts/verify"


def test_signing_twice_is_409_already_signed(client, citizen, petition, no_rate_limits):
    client.force_login(citizen)
    assert sign(client, petition).status_code == 201
    response = sign(client, petition, "jahra")
    assert response.status_code == 409
    assert response.json()["code"] == "already_signed"
    assert response.json()["detail"] == "You have already signed this petition."
    assert PetitionSignature.objects.filter(petition=petition).count() == 1


def test_l1_citizen_gets_403_naming_level_two(client, petition):
    client.force_login(make_citizen("L1"))
    response = sign(client, petition)
    assert response.status_code == 403
    assert response.json()["code"] == "assurance_required"
    assert "L2" in response.json()["detail"]


def test_anonymous_signing_is_403(client, petition):
    response = sign(client, petition)
    assert response.status_code == 403
    assert response.json()["code"] == "assurance_required"


def test_bad_governorate_is_400(client, citizen, petition):
    client.force_login(citizen)
    response = sign(client, petition, "dubai")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Choose one of the six governorates.",
        "code": "invalid_governorate",
        "field": "governorate",
    }


@pytest.mark.parametrize("petition_id", [10**6, 2**63, 10**30])
def test_signing_a_petition_that_does_not_exist_is_404_however_large_its_number(client, citizen, petition_id):
    client.force_login(citizen)
    response = sign(client, petition_id)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert not PetitionSignature.objects.exists()


def test_closed_petition_is_409_and_unpublished_petition_is_404(client, citizen, authority):
    client.force_login(citizen)
    closed = make_petition(make_citizen(), authority, state=Petition.State.CLOSED)
    draft = make_petition(make_citizen(), authority, state=Petition.State.AWAITING_MODERATION)
    response = sign(client, closed)
    assert (response.status_code, response.json()["code"]) == (409, "petition_not_open")
    response = sign(client, draft)
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_second_signature_from_the_same_address_within_a_minute_is_429(client, authority):
    first, second = make_petition(make_citizen(), authority), make_petition(make_citizen(), authority)
    client.force_login(make_citizen())
    assert sign(client, first).status_code == 201
    client.force_login(make_citizen())
    response = sign(client, second)
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert int(response["Retry-After"]) <= 60
    assert "wait" in response.json()["detail"]
    assert not PetitionSignature.objects.filter(petition=second).exists()


def test_list_shows_open_petitions_with_filters(client, authority, petition):
    make_petition(make_citizen(), authority, state=Petition.State.HIDDEN, title="مخفية")
    make_petition(make_citizen(), authority, state=Petition.State.CLOSED, title="مغلقة")
    titles = [item["title"] for item in client.get("/api/v1/petitions/").json()["results"]]
    assert petition.title in titles and "مخفية" not in titles and "مغلقة" not in titles
    assert [item["title"] for item in client.get("/api/v1/petitions/?state=closed").json()["results"]] == ["مغلقة"]
    assert client.get("/api/v1/petitions/?authority=NOPE").json()["count"] == 0
    assert client.get("/api/v1/petitions/?q=ساعات").json()["count"] == 1
    response = client.get("/api/v1/petitions/?state=hidden")
    assert response.status_code == 400 and response.json()["code"] == "invalid"


def test_detail_gives_count_thresholds_and_progress(client, petition, no_rate_limits):
    from participation.services import petitions as services

    for _ in range(3):
        services.sign_petition(make_citizen(), petition, "hawalli")
    Petition.objects.filter(pk=petition.pk).update(response_threshold=10)
    data = client.get(f"/api/v1/petitions/{petition.pk}/").json()
    assert data["signature_count"] == 3
    assert data["authority"] == "MSAL"
    assert data["thresholds"]["response"] == {"signatures": 10, "progress_percent": 30, "reached_at": None}
    assert data["thresholds"]["debate"]["signatures"] == 100_000


def test_open_data_by_governorate_has_counts_only(client, petition, no_rate_limits):
    from participation.services import petitions as services

    services.sign_petition(make_citizen(), petition, "hawalli")
    services.sign_petition(make_citizen(), petition, "ahmadi", keep_informed=True)
    response = client.get(f"/api/v1/petitions/{petition.pk}/signatures/by-governorate/")
    assert response.status_code == 200
    assert response.json() == {
        "petition": petition.pk,
        "total": 2,
        "by_governorate": {
            "capital": 0,
            "hawalli": 1,
            "farwaniya": 0,
            "mubarak_al_kabeer": 0,
            "ahmadi": 1,
            "jahra": 0,
        },
    }


def test_create_then_sponsor_through_the_api(client, authority):
    author = make_citizen()
    client.force_login(author)
    response = client.post(
        "/api/v1/petitions/",
        {"authority": "MSAL", "title": "طلب", "body": "<p>نص</p>"},
        content_type="application/json",
    )
    assert response.status_code == 201
    token = response.json()["sponsor_token"]
    own = client.post(f"/api/v1/petitions/sponsor/{token}/", HTTP_ACCEPT_LANGUAGE="en")
    assert (own.status_code, own.json()["code"]) == (403, "author_cannot_sponsor")
    client.force_login(make_citizen())
    sponsored = client.post(f"/api/v1/petitions/sponsor/{token}/")
    assert sponsored.status_code == 201 and sponsored.json()["state"] == "collecting_sponsors"
    again = client.post(f"/api/v1/petitions/sponsor/{token}/")
    assert (again.status_code, again.json()["code"]) == (409, "already_sponsored")
    unknown = client.post("/api/v1/petitions/sponsor/no-such-token/")
    assert (unknown.status_code, unknown.json()["code"]) == (409, "not_collecting_sponsors")


def test_creating_needs_level_two_and_a_known_authority(client):
    client.force_login(make_citizen("L1"))
    payload = {"authority": "MSAL", "title": "t", "body": "<p>b</p>"}
    response = client.post("/api/v1/petitions/", payload, content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (403, "assurance_required")
    client.force_login(make_citizen())
    response = client.post("/api/v1/petitions/", {**payload, "authority": "NOPE"}, content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    response = client.post("/api/v1/petitions/", {"authority": "MSAL"}, content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (400, "invalid")


def test_schema_describes_the_petition_endpoints(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").content.decode()
    for path in ("/api/v1/petitions/{id}/signatures/", "/api/v1/petitions/{id}/signatures/by-governorate/"):
        assert path in schema


def test_a_petition_names_its_authority_in_the_language_of_each_page(client):
    """Started in English (the English authority row chosen), it names the default-language row, and each
    page and API answer names the authority in its own language."""
    english = factories.authority("MSAL", language="en")
    arabic = factories.authority("MSAL")
    petition = services.create_petition(make_citizen(), english, "Longer opening hours", "<p>Please.</p>")
    assert petition.authority_id == arabic.pk
    Petition.objects.filter(pk=petition.pk).update(
        state=Petition.State.OPEN, opened_at=timezone.now(), closes_at=timezone.now() + timedelta(days=30)
    )

    ar_page = client.get(f"/ar/participate/petitions/{petition.pk}/").content.decode()
    en_page = client.get(f"/en/participate/petitions/{petition.pk}/").content.decode()
    assert arabic.name in ar_page and english.name not in ar_page
    assert english.name in en_page and arabic.name not in en_page
    listed = client.get("/api/v1/petitions/", HTTP_ACCEPT_LANGUAGE="ar").json()["results"]
    assert [row["authority_name"] for row in listed if row["id"] == petition.pk] == [arabic.name]
    one = client.get(f"/api/v1/petitions/{petition.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert one["authority_name"] == english.name


def test_the_petition_list_query_normalises_arabic_as_search_does(client, authority):
    petition = make_petition(make_citizen("L2"), authority, title="إلزام الجهات بنشر مواعيد الخدمة")
    for query in ("إلزام", "الزام", "الجهات", "الخدمه", "مواعيد"):
        found = client.get("/api/v1/petitions/", {"q": query}).json()
        ids = [item["id"] for item in (found["results"] if isinstance(found, dict) else found)]
        assert petition.pk in ids, query
    nothing = client.get("/api/v1/petitions/", {"q": "لزوم"}).json()
    assert petition.pk not in [item["id"] for item in (nothing["results"] if isinstance(nothing, dict) else nothing)]
