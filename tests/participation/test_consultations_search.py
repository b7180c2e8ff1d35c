"""Consultation and poll pages are searchable in their own language once published, with their phase as
status, and gone once unpublished. Petitions stay searchable beside them."""

import pytest
from django.core.management import call_command

from participation.models import PollPage
from tests import factories

from .consultations_helpers import make_consultation

pytestmark = pytest.mark.django_db


def _search(client, q, kind, **filters):
    response = client.get("/api/v1/search/", {"q": q, "kind": kind, **filters})
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_a_consultation_is_found_in_each_language_and_gone_once_unpublished(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        arabic, english = make_consultation(english=True, title="مشروع لائحة الإجازات الدورية للعمالة المنزلية")
    results = _search(client, "الإجازات الدورية", "consultation")
    assert [(hit["id"], hit["locale"]) for hit in results] == [(str(arabic.pk), "ar")]
    assert _search(client, "الإجازات الدورية", "consultation", status="open") == results
    assert _search(client, "الإجازات الدورية", "consultation", status="closed") == []
    assert results[0]["url"] == arabic.url
    assert [hit["id"] for hit in _search(client, "weekly rest", "consultation", locale="en")] == [str(english.pk)]

    with django_capture_on_commit_callbacks(execute=True):
        arabic.unpublish()
    assert _search(client, "الإجازات الدورية", "consultation") == []


def test_the_demo_polls_are_found_after_a_reindex(client):
    factories.portal_site()
    factories.authority("MSAL")
    call_command("load_participation_demo", stdout=open("/dev/null", "w"))
    call_command("search_reindex", stdout=open("/dev/null", "w"), stderr=open("/dev/null", "w"))
    poll = PollPage.objects.get(locale__language_code="ar", kind="ranked")
    results = _search(client, "الاتجار بالإقامات", "poll", status="closed")
    assert [(hit["id"], hit["locale"]) for hit in results] == [(str(poll.pk), "ar")]
