"""What civic participation shows on the home page (participation/home.py through cms/home.py)."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from participation.models import PetitionSignature
from participation.selectors import petitions as selectors

from .conftest import make_citizen, make_petition
from .consultations_helpers import make_consultation, participation_index

pytestmark = pytest.mark.django_db


def _sign(petition, how_many):
    PetitionSignature.objects.bulk_create(
        PetitionSignature(petition=petition, user=make_citizen("L1"), governorate="capital") for _ in range(how_many)
    )


def _section(html, heading_id):
    match = re.search(rf'<section aria-labelledby="{heading_id}">(.*?)</section>', html, re.S)
    return match.group(1) if match else None


def test_petitions_near_a_threshold_closest_first_and_only_those(authority):
    author = make_citizen()
    far = make_petition(author, authority, title="بعيدة", response_threshold=10, debate_threshold=100)
    near = make_petition(author, authority, title="قريبة", response_threshold=10, debate_threshold=100)
    nearer = make_petition(author, authority, title="أقرب", response_threshold=10, debate_threshold=100)
    past_response = make_petition(author, authority, title="تجاوزت", response_threshold=4, debate_threshold=10)
    closed = make_petition(author, authority, title="مغلقة", state="closed", response_threshold=10)
    _sign(far, 4)
    _sign(near, 5)
    _sign(nearer, 9)
    _sign(past_response, 6)  # response reached; 60% of the way to the debate
    _sign(closed, 9)

    found = selectors.petitions_near_threshold(limit=5)

    assert [(item["petition"], item["count"], item["threshold"]["name"]) for item in found] == [
        (nearer, 9, "response"),
        (past_response, 6, "debate"),
        (near, 5, "response"),
    ]
    assert found[0]["threshold"]["percent"] == 90
    assert len(selectors.petitions_near_threshold(limit=2)) == 2


def test_a_petition_past_both_thresholds_is_not_near_one(authority):
    done = make_petition(make_citizen(), authority, response_threshold=2, debate_threshold=3)
    _sign(done, 3)
    assert selectors.petitions_near_threshold() == []


@pytest.mark.parametrize("language", ["ar", "en"])
def test_home_page_lists_open_consultations_and_near_petitions(client, authority, language):
    arabic, english = make_consultation(english=True)
    make_consultation(opens=2, closes=30, english=False, title="استشارة قادمة")
    petition = make_petition(make_citizen(), authority, title="عريضة قريبة من الحد", response_threshold=4)
    _sign(petition, 3)

    html = client.get(f"/{language}/").content.decode()

    consultations = _section(html, "home-consultations")
    shown = arabic if language == "ar" else english
    assert f'href="{shown.url}"' in consultations
    assert "استشارة قادمة" not in consultations  # not open yet
    petitions = _section(html, "home-petitions")
    assert "عريضة قريبة من الحد" in petitions
    assert f'<progress id="progress-{petition.pk}-response" max="4" value="3">' in petitions
    assert f'<label for="progress-{petition.pk}-response">' in petitions


def test_home_page_without_open_consultations_or_near_petitions_says_so(client):
    index = participation_index("en")
    make_consultation(opens=-30, closes=-1)  # closed

    html = client.get("/en/").content.decode()

    consultations = _section(html, "home-consultations")
    assert "No consultation is open at the moment." in consultations
    assert f'href="{index.url}"' in consultations
    petitions = _section(html, "home-petitions")
    assert "Near a threshold" not in petitions and "Start a petition" in petitions


def test_home_page_with_no_participation_section_and_nothing_open_leaves_consultations_out(client):
    assert _section(client.get("/en/").content.decode(), "home-consultations") is None


def test_the_home_page_shows_a_consultation_while_it_is_open_and_no_longer_without_a_publish(client):
    """The home page keeps its consultations until the next purge (participation/home.py), but opening and closing
    happen at their times, with no publish to purge anything: each request decides which are open."""
    participation_index("ar")
    later = make_consultation(opens=1, closes=3, title="استشارة تفتح غدا")
    soon = make_consultation(opens=-1, closes=2, title="استشارة تغلق بعد يومين")
    now = timezone.now()

    def shown(at):
        with mock.patch("django.utils.timezone.now", return_value=at):
            return _section(client.get("/ar/").content.decode(), "home-consultations")

    first = shown(now)
    assert f'href="{soon.url}"' in first and "استشارة تفتح غدا" not in first
    assert f'href="{soon.url}"' in shown(now)  # kept: no publish since
    after_opening = shown(now + timedelta(days=1, minutes=1))
    assert f'href="{later.url}"' in after_opening and f'href="{soon.url}"' in after_opening
    after_closing = shown(now + timedelta(days=2, minutes=1))
    assert f'href="{later.url}"' in after_closing and "استشارة تغلق بعد يومين" not in after_closing
    after_both = shown(now + timedelta(days=3, minutes=1))
    assert f'href="{later.url}"' not in after_both and f'href="{soon.url}"' not in after_both
