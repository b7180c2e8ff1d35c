import pytest

from participation.models import Petition
from participation.services import petitions as services
from tests import factories

from .conftest import make_citizen, make_petition

pytestmark = pytest.mark.django_db

TITLE = "تمديد ساعات عمل المكتبات العامة في محافظة الجهراء"


def _search(client, q, **filters):
    response = client.get("/api/v1/search/", {"q": q, "kind": "petition", **filters})
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_a_petition_is_found_once_open_and_gone_once_hidden(client, django_capture_on_commit_callbacks):
    authority = factories.authority("MSAL")
    staff = factories.staff("admin")
    petition = make_petition(make_citizen(), authority, state=Petition.State.AWAITING_MODERATION, title=TITLE)
    assert _search(client, "المكتبات الجهراء") == []

    with django_capture_on_commit_callbacks(execute=True):
        services.moderate_petition(staff, petition, "approve")
    results = _search(client, "المكتبات الجهراء")
    assert [(hit["id"], hit["kind"], hit["locale"]) for hit in results] == [(str(petition.pk), "petition", "ar")]
    assert results[0]["url"] == f"/ar/participate/petitions/{petition.pk}/"
    assert results[0]["authority"] == "MSAL"

    with django_capture_on_commit_callbacks(execute=True):
        services.moderate_petition(staff, petition, "hide")
    assert _search(client, "المكتبات الجهراء") == []


def test_a_petition_in_latin_letters_is_found_in_both_languages_and_removed_from_both(
    client, django_capture_on_commit_callbacks
):
    authority = factories.authority("MSAL")
    staff = factories.staff("admin")
    petition = make_petition(
        make_citizen(),
        authority,
        state=Petition.State.AWAITING_MODERATION,
        title="Salmiya seafront library",
        body="<p>Open late.</p>",
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.moderate_petition(staff, petition, "approve")
    found = {hit["locale"]: hit for hit in _search(client, "Salmiya library")}
    assert set(found) == {"ar", "en"}
    assert found["ar"]["url"] == f"/ar/participate/petitions/{petition.pk}/"
    assert found["en"]["url"] == f"/en/participate/petitions/{petition.pk}/"
    assert [hit["locale"] for hit in _search(client, "Salmiya library", locale="ar")] == ["ar"]

    with django_capture_on_commit_callbacks(execute=True):
        services.moderate_petition(staff, petition, "hide")
    assert _search(client, "Salmiya library") == []


def test_an_arabic_petition_is_indexed_once():
    from participation.search import PetitionSearch

    petition = make_petition(make_citizen(), factories.authority("MSAL"), title=TITLE)
    records = list(PetitionSearch().records(ids=[str(petition.pk)]))
    assert [(record.source_id, record.locale) for record in records] == [(str(petition.pk), "ar")]
    assert PetitionSearch().public_ids([str(petition.pk), f"{petition.pk}:ar", "x:ar"]) == {
        str(petition.pk),
        f"{petition.pk}:ar",
    }
