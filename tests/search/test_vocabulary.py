"""The database engine's spelling vocabulary, which a process remembers for a while, is read again after the index
is rebuilt: a misspelt word is corrected to a word of the new entries at once, not minutes later."""

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


def _search(client, q):
    response = client.get("/api/v1/search/", {"q": q, "locale": "en"})
    assert response.status_code == 200, response.content
    return response.json()


def test_a_rebuild_forgets_the_remembered_vocabulary(client):
    factories.service("MSAL-V-001", en={"title": "Register a charity", "summary": "For charities."})
    factories.search_index()
    assert _search(client, "chairty")["corrected"] == "charity"  # the vocabulary is read and remembered
    assert _search(client, "veterinery")["results"] == []

    factories.service("PAM-V-002", "PAM", en={"title": "Veterinary clinic licence", "summary": "For vets."})
    factories.search_index()
    found = _search(client, "veterinery")
    assert found["corrected"] == "veterinary"
    assert [hit["title"] for hit in found["results"]] == ["Veterinary clinic licence"]
