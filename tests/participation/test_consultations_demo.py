"""The participation demo: both languages, translations of each other, and a second run changes nothing."""

import pytest
from django.core.management import call_command
from wagtail.models import PageLogEntry, Revision

from participation.models import ConsultationPage, ParticipationIndexPage, PollPage

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]


def _load():
    call_command("load_participation_demo", stdout=open("/dev/null", "w"))


def test_the_demo_loads_in_both_languages_and_a_second_run_changes_nothing(client):
    _load()
    indexes = {page.locale.language_code: page for page in ParticipationIndexPage.objects.all()}
    assert {language: page.title for language, page in indexes.items()} == {"ar": "شارك", "en": "Participate"}
    assert indexes["ar"].translation_key == indexes["en"].translation_key
    arabic = ConsultationPage.objects.get(locale__language_code="ar")
    english = ConsultationPage.objects.get(locale__language_code="en")
    assert english.translation_key == arabic.translation_key and english.original().pk == arabic.pk
    assert arabic.phase == "open" and 4 <= sum(block.block_type == "paragraph" for block in arabic.body) <= 6
    assert [block.id for block in arabic.body] == [block.id for block in english.body]
    assert list(arabic.questions.values_list("key", "kind")) == list(english.questions.values_list("key", "kind"))
    assert len({kind for _, kind in arabic.questions.values_list("key", "kind")}) >= 3
    polls = {(poll.locale.language_code, poll.kind, poll.phase) for poll in PollPage.objects.all()}
    assert polls == {
        ("ar", "single", "open"),
        ("en", "single", "open"),
        ("ar", "ranked", "closed"),
        ("en", "ranked", "closed"),
    }

    counts = (Revision.objects.count(), PageLogEntry.objects.count())
    _load()
    assert (Revision.objects.count(), PageLogEntry.objects.count()) == counts

    assert client.get(arabic.url).status_code == 200
    html = client.get(indexes["en"].url).content.decode()
    assert english.title.replace("'", "&#x27;") in html
