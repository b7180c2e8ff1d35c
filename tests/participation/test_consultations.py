"""Consultations: one response per citizen, checked strictly against the original page's questions,
editable only while open; the page, the API and the outcome."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.html import escape

from identity.models import Action
from identity.policy import forget_policy, may
from participation.models import Announcement, Comment, ConsultationPage, ConsultationResponse, Phase
from participation.services.consultations import announce_outcome_once, respond_to_consultation

from .conftest import make_citizen
from .consultations_helpers import (
    GOOD_ANSWERS,
    PARAGRAPH_1,
    PARAGRAPH_2,
    announced,
    make_consultation,
)

pytestmark = pytest.mark.django_db


def put(client, page, answers):
    return client.put(
        f"/api/v1/consultations/{page.pk}/response/", {"answers": answers}, content_type="application/json"
    )


# --- The service and the API ---------------------------------------------------------------------------


def test_a_response_is_stored_against_the_original_and_announced(client, django_capture_on_commit_callbacks):
    arabic, english = make_consultation(english=True)
    citizen = make_citizen("L1")
    client.force_login(citizen)
    with announced() as seen, django_capture_on_commit_callbacks(execute=True):
        response = put(client, english, GOOD_ANSWERS)
    assert response.status_code == 201, response.content
    stored = ConsultationResponse.objects.get()
    assert stored.consultation_id == arabic.pk
    assert stored.answers == {
        "support": "أؤيد",
        "clarity": 4,
        "articles": ["الأولى", "الثانية"],
        "remarks": "اقتراح واضح",
    }
    assert seen == [("consultation.responded", {"page_id": arabic.pk, "user_id": citizen.pk})]
    assert client.get(f"/api/v1/consultations/{arabic.pk}/response/").json()["answers"] == stored.answers


def test_changing_a_response_replaces_the_answers_of_the_same_row(client):
    page = make_consultation()
    client.force_login(make_citizen("L1"))
    assert put(client, page, GOOD_ANSWERS).status_code == 201
    first = ConsultationResponse.objects.get()
    response = put(client, page, {"support": "لا أؤيد", "clarity": 2})
    assert response.status_code == 200
    assert list(ConsultationResponse.objects.values_list("pk", "answers")) == [
        (first.pk, {"support": "لا أؤيد", "clarity": 2})
    ]


@pytest.mark.parametrize(
    ("answers", "question", "words"),
    [
        ({**GOOD_ANSWERS, "colour": "blue"}, "colour", "no question"),
        ({**GOOD_ANSWERS, "support": ["أؤيد"]}, "support", "choose one"),
        ({**GOOD_ANSWERS, "support": "ربما"}, "support", "not one of the choices"),
        ({**GOOD_ANSWERS, "articles": ["الرابعة"]}, "articles", "not one of the choices"),
        ({**GOOD_ANSWERS, "articles": "الأولى"}, "articles", "must be a list"),
        ({**GOOD_ANSWERS, "clarity": 6}, "clarity", "from 1 to 5"),
        ({**GOOD_ANSWERS, "clarity": 0}, "clarity", "from 1 to 5"),
        ({**GOOD_ANSWERS, "clarity": "4"}, "clarity", "whole number"),
        ({**GOOD_ANSWERS, "clarity": True}, "clarity", "whole number"),
        ({**GOOD_ANSWERS, "remarks": "ا" * 5001}, "remarks", "at most 5000 characters"),
        ({**GOOD_ANSWERS, "remarks": 12}, "remarks", "must be text"),
        ({"clarity": 3}, "support", "needs an answer"),
    ],
)
def test_a_bad_answer_is_refused_naming_its_question_and_nothing_is_written(client, answers, question, words):
    page = make_consultation()
    client.force_login(make_citizen("L1"))
    response = client.put(
        f"/api/v1/consultations/{page.pk}/response/",
        {"answers": answers},
        content_type="application/json",
        headers={"accept-language": "en"},
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_answer"
    assert question in body["detail"] and words in body["detail"]
    assert not ConsultationResponse.objects.exists()


def test_the_answers_must_be_an_object(client):
    page = make_consultation()
    client.force_login(make_citizen("L1"))
    for data in ({"answers": ["أؤيد"]}, {}, ["x"]):
        response = client.put(f"/api/v1/consultations/{page.pk}/response/", data, content_type="application/json")
        assert response.status_code == 400
    assert not ConsultationResponse.objects.exists()


@pytest.mark.parametrize(("opens", "closes", "words"), [(2, 30, "not open yet"), (-30, -1, "closed")])
def test_no_response_before_it_opens_or_after_it_closes(client, opens, closes, words):
    page = make_consultation(opens=opens, closes=closes)
    client.force_login(make_citizen("L1"))
    response = client.put(
        f"/api/v1/consultations/{page.pk}/response/",
        {"answers": GOOD_ANSWERS},
        content_type="application/json",
        headers={"accept-language": "en"},
    )
    assert response.status_code == 409
    assert response.json()["code"] == "consultation_not_open"
    assert words in response.json()["detail"]
    assert not ConsultationResponse.objects.exists()


def test_responding_needs_the_assurance_level_of_the_policy(client):
    page = make_consultation()
    client.force_login(make_citizen("L0"))
    response = put(client, page, GOOD_ANSWERS)
    assert response.status_code == 403
    assert response.json()["code"] == "assurance_required"
    client.logout()
    assert put(client, page, GOOD_ANSWERS).status_code == 403
    assert not ConsultationResponse.objects.exists()


def test_the_same_answers_through_the_english_page_use_the_original_choices(client):
    arabic, english = make_consultation(english=True)
    detail = client.get(f"/api/v1/consultations/{english.pk}/").json()
    support = next(question for question in detail["questions"] if question["key"] == "support")
    assert support["choices"] == [{"value": "أؤيد", "label": "Yes"}, {"value": "لا أؤيد", "label": "No"}]
    assert detail["original_id"] == arabic.pk
    assert [paragraph["id"] for paragraph in detail["paragraphs"]][1:] == [PARAGRAPH_1, PARAGRAPH_2]
    client.force_login(make_citizen("L1"))
    assert put(client, english, {"support": "Yes", "clarity": 3}).status_code == 400  # a label, not a value


def test_the_list_filters_by_language_and_phase(client):
    arabic, english = make_consultation(english=True)
    closed = make_consultation(opens=-30, closes=-2)
    ids = [item["id"] for item in client.get("/api/v1/consultations/", {"language": "en"}).json()["results"]]
    assert english.pk in ids and arabic.pk not in ids
    ids = [item["id"] for item in client.get("/api/v1/consultations/", {"phase": "closed"}).json()["results"]]
    assert closed.pk in ids and arabic.pk not in ids
    assert client.get("/api/v1/consultations/", {"phase": "sideways"}).status_code == 400


def test_the_list_reads_locale_like_every_other_list_and_language_as_its_deprecated_alias(client):
    arabic, english = make_consultation(english=True)
    for name in ("locale", "language"):
        ids = [item["id"] for item in client.get("/api/v1/consultations/", {name: "en"}).json()["results"]]
        assert english.pk in ids and arabic.pk not in ids, name
        response = client.get("/api/v1/consultations/", {name: "fr"}, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 400
        assert response.json() == {"detail": "Choose the locale ar or en.", "code": "invalid", "field": name}


def test_a_draft_consultation_is_not_in_the_api(client):
    page = make_consultation()
    page.unpublish()
    assert client.get(f"/api/v1/consultations/{page.pk}/").status_code == 404
    client.force_login(make_citizen("L1"))
    assert put(client, page, GOOD_ANSWERS).status_code == 404


# --- Outcome -------------------------------------------------------------------------------------------


def _respond(page, answers):
    respond_to_consultation(make_citizen("L1"), page, answers)


def test_the_outcome_counts_answers_and_never_shows_free_text(client):
    page = make_consultation(opens=-1, closes=30)
    _respond(page, GOOD_ANSWERS)
    _respond(page, {"support": "لا أؤيد", "clarity": 2, "remarks": "سري"})
    assert client.get(f"/api/v1/consultations/{page.pk}/outcome/").status_code == 404
    page.closes_at = timezone.now() - timedelta(minutes=1)  # an outcome is published once it has closed
    page.outcome_summary = "<p>اعتُمد المشروع.</p>"
    page.outcome_published_at = timezone.now()
    page.save_revision().publish()

    outcome = client.get(f"/api/v1/consultations/{page.pk}/outcome/").json()
    assert outcome["responses"] == 2
    by_key = {question["key"]: question for question in outcome["questions"]}
    assert [row["count"] for row in by_key["support"]["counts"]] == [1, 1]
    assert by_key["clarity"]["mean"] == 3.0
    assert by_key["remarks"]["answered"] == 2 and by_key["remarks"]["counts"] == []
    assert "سري" not in str(outcome)

    download = client.get(f"/api/v1/consultations/{page.pk}/outcome.csv")
    text = b"".join(download.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == ["question", "question_text", "kind", "answered", "answer", "count"]
    assert ["support", "support (ar)", "single", "2", "أؤيد", "1"] in rows
    assert "سري" not in text


def test_the_outcome_is_announced_once_when_first_published(django_capture_on_commit_callbacks):
    arabic, english = make_consultation(english=True)
    with announced() as seen, django_capture_on_commit_callbacks(execute=True):
        arabic.save_revision().publish()  # no outcome yet
        for page in (arabic, english, arabic):
            page.closes_at = timezone.now() - timedelta(minutes=1)
            page.outcome_summary = "<p>اعتُمد المشروع.</p>"
            page.outcome_published_at = timezone.now()
            page.save_revision().publish()
    assert seen == [("consultation.outcome_published", {"page_id": arabic.pk})]
    assert Announcement.objects.filter(key=f"consultation:{arabic.pk}:outcome_published").count() == 1
    assert announce_outcome_once(arabic) is False


def test_an_outcome_cannot_be_published_before_the_consultation_closes(client):
    page = make_consultation(opens=-1, closes=30)
    page.outcome_summary = "<p>اعتُمد المشروع.</p>"
    page.outcome_published_at = timezone.now()
    with translation.override("en"):
        with pytest.raises(ValidationError) as refused:
            page.full_clean()
        assert "once the consultation has closed" in str(refused.value.message_dict["outcome_published_at"])
    page.refresh_from_db()
    assert page.outcome_published_at is None and page.phase == Phase.OPEN


def test_a_consultation_is_in_its_outcome_phase_only_once_closed_and_still_takes_responses_until_then():
    page = make_consultation(opens=-1, closes=30)
    ConsultationPage.objects.filter(pk=page.pk).update(  # as an older row may hold it, past the form's check
        outcome_summary="<p>اعتُمد.</p>", outcome_published_at=timezone.now() - timedelta(hours=1)
    )
    page.refresh_from_db()
    assert page.phase == Phase.OPEN
    assert respond_to_consultation(make_citizen("L1"), page, GOOD_ANSWERS).created


def test_an_outcome_needs_its_text():
    page = make_consultation(opens=-30, closes=-2)
    page.outcome_published_at = timezone.now()
    with translation.override("en"):
        with pytest.raises(ValidationError) as refused:
            page.full_clean()
        assert "Write the outcome" in str(refused.value.message_dict["outcome_summary"])


# --- The page ------------------------------------------------------------------------------------------


def test_each_paragraph_has_an_anchor_and_a_plain_link_to_its_comments(client):
    page = make_consultation()
    author = make_citizen("L1")
    Comment.objects.create(consultation=page, paragraph=PARAGRAPH_2, author=author, body="<p>رأي</p>")
    html = client.get(page.url, headers={"accept-language": "en"}).content.decode()
    assert f'id="{PARAGRAPH_1}"' in html and f'id="{PARAGRAPH_2}"' in html
    assert f'<a href="?paragraph={PARAGRAPH_1}#comments">' in html
    assert f'<a href="?paragraph={PARAGRAPH_2}#comments">' in html
    assert 'id="comments"' in html


def test_the_selected_paragraph_must_be_one_of_the_draft(client):
    page = make_consultation()
    response = client.get(page.url, {"paragraph": PARAGRAPH_2})
    assert response.context["selected_paragraph"] == PARAGRAPH_2
    response = client.get(page.url, {"paragraph": "not-a-block"})
    assert response.context["selected_paragraph"] == ""


def test_an_open_consultation_shows_the_form_with_every_kind_of_question(client):
    page = make_consultation()
    client.force_login(make_citizen("L1"))
    html = client.get(page.url).content.decode()
    assert 'name="q-remarks"' in html and "<textarea" in html
    assert html.count('type="radio" name="q-support"') == 2
    assert html.count('type="radio" name="q-clarity"') == 5
    assert html.count('type="checkbox" name="q-articles"') == 3
    assert "<legend>" in html and 'name="website"' in html


def test_posting_the_form_saves_the_response_and_keeps_input_on_error(client):
    page = make_consultation()
    citizen = make_citizen("L1")
    client.force_login(citizen)
    response = client.post(
        page.url,
        {"q-clarity": "9", "q-remarks": "نص أبقيه", "q-articles": ["الأولى"]},
        headers={"accept-language": "en"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "نص أبقيه</textarea>" in html
    assert 'value="الأولى" checked' in html or 'checked value="الأولى"' in html or 'الأولى" id' in html
    assert not ConsultationResponse.objects.exists()

    response = client.post(page.url, {"q-support": "أؤيد", "q-clarity": "5", "q-articles": ["الأولى"]})
    assert response.status_code == 303
    assert ConsultationResponse.objects.get(user=citizen).answers == {
        "support": "أؤيد",
        "clarity": 5,
        "articles": ["الأولى"],
    }


def _arabic(message):
    """What the Arabic page (the page's own language, whatever the browser asks for) says."""
    with translation.override("ar"):
        return translation.gettext(message)


def test_the_honeypot_refuses_the_form_and_writes_nothing(client):
    page = make_consultation()
    client.force_login(make_citizen("L1"))
    response = client.post(
        page.url,
        {"q-support": "أؤيد", "q-clarity": "5", "website": "http://spam.example"},
        headers={"accept-language": "en"},
    )
    assert response.status_code == 400
    assert _arabic("Your response could not be accepted.") in response.content.decode()
    assert not ConsultationResponse.objects.exists()


def test_without_the_assurance_level_the_page_explains_and_refuses_a_post(client):
    page = make_consultation()
    html = client.get(page.url, headers={"accept-language": "en"}).content.decode()
    assert _arabic("Sign in to respond") in html and 'name="q-support"' not in html
    citizen = make_citizen("L0")
    client.force_login(citizen)
    forget_policy()
    response = client.post(page.url, {"q-support": "أؤيد", "q-clarity": "5"})
    assert response.status_code == 403
    with translation.override("ar"):
        message = may(citizen, Action.CONSULTATION_RESPOND).message
    assert escape(message) in response.content.decode()
    assert not ConsultationResponse.objects.exists()


def test_a_closed_consultation_says_so_and_refuses_a_post(client):
    page = make_consultation(opens=-30, closes=-1)
    client.force_login(make_citizen("L1"))
    response = client.post(page.url, {"q-support": "أؤيد", "q-clarity": "5"}, headers={"accept-language": "en"})
    assert response.status_code == 409
    assert escape(_arabic("This consultation is closed; responses can no longer be given or changed.")) in (
        response.content.decode()
    )
    assert not ConsultationResponse.objects.exists()


def test_the_published_outcome_is_on_the_page(client):
    page = make_consultation(opens=-30, closes=-2, outcome=True)
    html = client.get(page.url, headers={"accept-language": "en"}).content.decode()
    assert "قررت الوزارة اعتماد المشروع مع تعديل." in html
    assert f"/api/v1/consultations/{page.pk}/outcome.csv" in html


def test_the_participation_index_lists_consultations_by_phase(client):
    open_page = make_consultation(title="استشارة مفتوحة")
    closed_page = make_consultation(opens=-30, closes=-1, title="استشارة مغلقة")
    html = client.get(open_page.get_parent().url).content.decode()
    open_part = html.split('id="consultations-open"')[1].split('id="consultations-closed"')[0]
    assert "استشارة مفتوحة" in open_part and "استشارة مغلقة" not in open_part
    assert "استشارة مغلقة" in html.split('id="consultations-closed"')[1]
    assert closed_page.url in html
