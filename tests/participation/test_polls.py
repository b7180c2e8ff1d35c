"""Polls: one secret ballot per person, replaced while the poll is open; choices checked (single, multiple
with bounds, ranked without gaps); results counted from the ballots (instant-runoff for ranked polls) and
shown live or after closing; receipts without the choice; pages and admin that never say who chose what."""

import base64
import csv
import io
import itertools
import re
from datetime import timedelta

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from wagtail.models import Locale

from identity.receipts import verify_receipt
from participation.models import Ballot, BallotChoice, PollOption, PollPage
from participation.selectors import polls as selectors
from participation.services import polls as services
from tests import factories

from .conftest import make_citizen

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("section")]


@factories.per_module
def section():
    """The participation section under the Arabic home page, built once for the module."""
    return factories.participation_index()


_numbers = itertools.count(1)


def make_poll(authority, *, kind="single", options=None, opened=1, closes_in=7, **fields):
    """A published poll under the Arabic home's participation section, opened `opened` days ago."""
    index = factories.participation_index()
    now = timezone.now()
    number = next(_numbers)
    options = options or [("capital", "العاصمة"), ("hawalli", "حولي"), ("jahra", "الجهراء")]
    poll = PollPage(
        title=fields.pop("title", f"أين نفتتح مركز الخدمة الجديد؟ {number}"),
        slug=f"poll-{number}",
        authority=authority,
        summary="تستطلع الوزارة رأي المواطنين.",
        opens_at=now - timedelta(days=opened),
        closes_at=now + timedelta(days=closes_in),
        kind=kind,
        options=[PollOption(key=key, label=label) for key, label in options],
        **{"results_shown": "live", **fields},
    )
    index.add_child(instance=poll)
    poll.save_revision().publish()
    return PollPage.objects.get(pk=poll.pk)


def vote(client, poll, *choices, **extra):
    body = {"choices": [{"option": key, "rank": rank} if rank else {"option": key} for key, rank in choices]}
    return client.post(f"/api/v1/polls/{poll.pk}/votes/", body, content_type="application/json", **extra)


@pytest.fixture
def voter(client):
    user = make_citizen("L1")
    client.force_login(user)
    return user


@pytest.fixture
def poll(authority):
    return make_poll(authority)


def ballots_of(poll):
    return Ballot.objects.filter(poll=poll.original())


def chosen(poll):
    return sorted(BallotChoice.objects.filter(ballot__poll=poll.original()).values_list("option__key", "rank"), key=str)


# --- Casting and replacing ---------------------------------------------------------------------------


def test_ballot_is_stored_under_a_keyed_hash_with_a_receipt_that_hides_the_choice(client, voter, poll):
    response = vote(client, poll, ("hawalli", None))
    assert response.status_code == 201, response.content
    ballot = ballots_of(poll).get()
    assert ballot.voter == selectors.voter_hash(poll.pk, voter.pk)
    assert len(ballot.voter) == 64
    assert not [field for field in Ballot._meta.concrete_fields if field.related_model not in (None, PollPage)]
    assert ballot.cast_on == timezone.localdate()
    assert chosen(poll) == [("hawalli", None)]
    receipt = response.json()["receipt"]
    checked = verify_receipt(receipt)
    assert checked.valid and checked.kind == "ballot.cast" and checked.claims["ref"] == f"poll:{poll.pk}"
    payload = base64.urlsafe_b64decode(receipt.split(".")[1] + "==").decode()
    assert "hawalli" not in payload and "حولي" not in payload


def test_voting_again_while_open_replaces_the_ballot_in_the_same_row(client, voter, poll):
    assert vote(client, poll, ("capital", None)).status_code == 201
    first = ballots_of(poll).get()
    again = vote(client, poll, ("jahra", None))
    assert again.status_code == 200 and again.json()["replaced"] is True
    assert ballots_of(poll).get().pk == first.pk
    assert chosen(poll) == [("jahra", None)]


def test_each_citizen_has_their_own_ballot(client, poll):
    for key in ("capital", "capital", "jahra"):
        client.force_login(make_citizen("L1"))
        assert vote(client, poll, (key, None)).status_code == 201
    assert ballots_of(poll).count() == 3
    assert ballots_of(poll).values("voter").distinct().count() == 3


@pytest.mark.parametrize(
    ("opened", "closes_in", "message"),
    [(3, -1, "This poll is closed: voting ended on"), (-2, 5, "This poll opens for voting on")],
)
def test_voting_outside_the_open_period_is_refused_and_writes_nothing(
    client, voter, authority, opened, closes_in, message
):
    shut = make_poll(authority, opened=opened, closes_in=closes_in)
    response = vote(client, shut, ("capital", None), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    assert response.json()["code"] == "poll_not_open"
    assert response.json()["detail"].startswith(message)
    assert not ballots_of(shut).exists()


def test_closed_poll_refusal_is_in_arabic_for_an_arabic_reader(client, voter, authority):
    shut = make_poll(authority, opened=3, closes_in=-1)
    response = vote(client, shut, ("capital", None), HTTP_ACCEPT_LANGUAGE="ar")
    assert response.status_code == 409
    assert re.search("[\u0600-\u06ff]", response.json()["detail"])


@pytest.mark.parametrize(
    ("choices", "message"),
    [
        ([], "Choose exactly one option."),
        ([("capital", None), ("jahra", None)], "Choose exactly one option."),
        ([("riyadh", None)], "There is no option “riyadh” in this poll."),
        ([("capital", 1)], "Only a ranked poll takes ranks."),
    ],
)
def test_bad_single_choice_ballots_are_refused(client, voter, poll, choices, message):
    response = vote(client, poll, *choices, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json() == {"detail": message, "code": "invalid_ballot"}
    assert not ballots_of(poll).exists()


def test_malformed_body_is_a_clear_400(client, voter, poll):
    response = client.post(
        f"/api/v1/polls/{poll.pk}/votes/",
        {"choices": "capital"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "choices" in response.json()["detail"]


def test_multiple_choice_keeps_within_the_fewest_and_the_most(client, voter, authority):
    options = [(f"o{n}", f"خيار {n}") for n in range(1, 6)]
    poll = make_poll(authority, kind="multiple", options=options, min_choices=2, max_choices=3)
    few = vote(client, poll, ("o1", None), HTTP_ACCEPT_LANGUAGE="en")
    assert (few.status_code, few.json()["detail"]) == (400, "Choose at least 2 options.")
    many = vote(client, poll, *[(f"o{n}", None) for n in range(1, 5)], HTTP_ACCEPT_LANGUAGE="en")
    assert (many.status_code, many.json()["detail"]) == (400, "Choose at most 3 options.")
    twice = vote(client, poll, ("o1", None), ("o1", None), HTTP_ACCEPT_LANGUAGE="en")
    assert (twice.status_code, twice.json()["detail"]) == (400, "Each option can be chosen only once.")
    assert not ballots_of(poll).exists()
    assert vote(client, poll, ("o2", None), ("o5", None)).status_code == 201
    assert chosen(poll) == [("o2", None), ("o5", None)]


@pytest.mark.parametrize(
    ("ranking", "message"),
    [
        ([("a", 1), ("b", 3)], "Number your preferences 1 to 2 without gaps: 1 for your first preference."),
        ([("a", 2), ("b", 3)], "Number your preferences 1 to 2 without gaps: 1 for your first preference."),
        ([("a", 1), ("b", 1)], "Two options have the same rank. Give each option its own number."),
        ([("a", 1), ("b", None)], "Give every option you rank a number: 1 for your first preference."),
        ([("a", 1), ("b", 2), ("c", 3), ("d", 4)], "Choose at most 3 options."),
    ],
)
def test_ranking_with_gaps_or_repeats_is_refused(client, voter, authority, ranking, message):
    poll = make_poll(
        authority, kind="ranked", options=[(key, key.upper()) for key in "abcd"], min_choices=2, max_choices=3
    )
    response = vote(client, poll, *ranking, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["detail"] == message
    assert not ballots_of(poll).exists()


def test_ranking_is_stored_with_its_ranks(client, voter, authority):
    poll = make_poll(authority, kind="ranked", options=[(key, key.upper()) for key in "abc"])
    assert vote(client, poll, ("c", 1), ("a", 2)).status_code == 201
    assert chosen(poll) == [("a", 2), ("c", 1)]
    mine = client.get(f"/api/v1/polls/{poll.pk}/votes/").json()
    assert [(choice["option"], choice["rank"]) for choice in mine["choices"]] == [("c", 1), ("a", 2)]


def test_binding_poll_needs_the_national_id_level(client, authority):
    binding = make_poll(authority, binding=True)
    client.force_login(make_citizen("L1"))
    refused = vote(client, binding, ("capital", None), HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 403 and refused.json()["code"] == "assurance_required"
    assert "L2" in refused.json()["detail"]
    assert not ballots_of(binding).exists()
    client.force_login(make_citizen("L2"))
    assert vote(client, binding, ("capital", None)).status_code == 201


def test_anonymous_visitor_cannot_vote(client, poll):
    response = vote(client, poll, ("capital", None))
    assert response.status_code == 403 and response.json()["code"] == "assurance_required"
    assert not ballots_of(poll).exists()


def test_votes_are_rate_limited_per_person(client, voter, poll, settings):
    settings.PARTICIPATION_RATE_LIMITS = {"vote": (("user", 2, 60),)}
    assert vote(client, poll, ("capital", None)).status_code == 201
    assert vote(client, poll, ("jahra", None)).status_code == 200
    limited = vote(client, poll, ("hawalli", None))
    assert limited.status_code == 429 and limited.json()["code"] == "rate_limited"
    assert chosen(poll) == [("jahra", None)]


def test_a_ballot_cast_before_a_key_rotation_is_replaced_not_doubled(client, voter, poll, settings):
    assert vote(client, poll, ("capital", None)).status_code == 201
    old_hash = ballots_of(poll).get().voter
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-after-rotation-" + "x" * 40
    assert client.get(f"/api/v1/polls/{poll.pk}/votes/").status_code == 200
    assert vote(client, poll, ("jahra", None)).status_code == 200
    ballot = ballots_of(poll).get()
    assert ballot.voter != old_hash and ballot.voter == selectors.voter_hash(poll.pk, voter.pk)
    assert chosen(poll) == [("jahra", None)]


# --- Translations ------------------------------------------------------------------------------------


def english_translation(poll):
    english = poll.copy_for_translation(Locale.objects.get(language_code="en"), copy_parents=True)
    english.title = "Where should the new service centre open?"
    english.save_revision().publish()
    for key, label in (("capital", "Capital"), ("hawalli", "Hawalli"), ("jahra", "Jahra")):
        PollOption.objects.filter(page=english, key=key).update(label=label)
    return PollPage.objects.get(pk=english.pk)


def test_a_ballot_on_the_english_page_counts_on_the_original(client, voter, poll):
    english = english_translation(poll)
    assert vote(client, english, ("jahra", None)).status_code == 201
    assert Ballot.objects.filter(poll=poll).count() == 1 and not Ballot.objects.filter(poll=english).exists()
    client.force_login(make_citizen("L1"))
    assert vote(client, poll, ("jahra", None)).status_code == 201
    # the same person again, through the other language: still one ballot
    assert vote(client, english, ("capital", None)).status_code == 200
    results = client.get(f"/api/v1/polls/{english.pk}/results/").json()
    assert results["poll"] == poll.pk and results["ballots"] == 2
    assert {row["label"]: row["votes"] for row in results["options"]} == {"Capital": 1, "Hawalli": 0, "Jahra": 1}


# --- Own ballot and secrecy --------------------------------------------------------------------------


def test_only_the_voter_sees_their_own_ballot(client, voter, poll):
    assert vote(client, poll, ("hawalli", None)).status_code == 201
    mine = client.get(f"/api/v1/polls/{poll.pk}/votes/")
    assert mine.status_code == 200
    assert mine.json()["choices"] == [{"option": "hawalli", "label": "حولي", "rank": None}]
    client.force_login(make_citizen("L1"))
    other = client.get(f"/api/v1/polls/{poll.pk}/votes/", HTTP_ACCEPT_LANGUAGE="en")
    assert other.status_code == 404 and other.json()["detail"] == "You have not voted in this poll."
    client.logout()
    assert client.get(f"/api/v1/polls/{poll.pk}/votes/").status_code == 403


def test_no_api_answer_names_a_voter(client, voter, poll):
    assert vote(client, poll, ("hawalli", None)).status_code == 201
    ballot = ballots_of(poll).get()
    client.logout()
    for url in (
        "/api/v1/polls/",
        f"/api/v1/polls/{poll.pk}/",
        f"/api/v1/polls/{poll.pk}/results/",
        f"/api/v1/polls/{poll.pk}/results.csv",
    ):
        text = client.get(url).content.decode()
        assert ballot.voter not in text and voter.username not in text and voter.email not in text


def test_ballots_have_no_admin_screen(client, poll, django_user_model):
    client.force_login(factories.staff("admin"))
    assert client.get("/admin/snippets/participation/ballot/").status_code == 404
    assert client.get("/admin/snippets/participation/ballotchoice/").status_code == 404


# --- Results -----------------------------------------------------------------------------------------


def cast_many(poll, *ballots):
    for choices in ballots:
        services.cast_ballot(make_citizen("L1"), poll, choices)


def test_results_after_close_are_refused_until_the_poll_closes(client, authority, settings):
    settings.PARTICIPATION_RATE_LIMITS = {"vote": ()}
    poll = make_poll(authority, results_shown="after_close")
    cast_many(poll, [("capital", None)])
    response = client.get(f"/api/v1/polls/{poll.pk}/results/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert response.json()["code"] == "results_not_available"
    assert response.json()["detail"].startswith("The results of this poll are shown after it closes, on ")
    as_csv = client.get(f"/api/v1/polls/{poll.pk}/results.csv", HTTP_ACCEPT_LANGUAGE="en")
    # a refusal is the API's JSON error with its own code, whatever file was asked for
    assert as_csv.status_code == 403 and as_csv["Content-Type"].startswith("application/json")
    assert as_csv.json()["code"] == "results_not_available"
    assert client.get(f"/api/v1/polls/{poll.pk}/results/", {"format": "csv"}).json()["code"] == "results_not_available"
    assert client.get(f"/api/v1/polls/{poll.pk}/").json()["results_available"] is False
    PollPage.objects.filter(pk=poll.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    opened = client.get(f"/api/v1/polls/{poll.pk}/results/")
    assert opened.status_code == 200 and opened.json()["final"] is True
    assert opened.json()["ballots"] == 1


def test_results_available_for_the_scheduler(authority):
    now = timezone.now()
    live = make_poll(authority, opened=-1)
    later = make_poll(authority, results_shown="after_close")
    assert not services.results_available(live, now)
    assert services.results_available(live, now + timedelta(days=2))
    assert not services.results_available(later, now)
    assert services.results_available(later, later.closes_at)


def test_single_choice_results_in_json_and_csv(client, poll, settings):
    settings.POLL_RESULTS_LAG_SECONDS = 0
    cast_many(poll, [("capital", None)], [("capital", None)], [("jahra", None)])
    data = client.get(f"/api/v1/polls/{poll.pk}/results/?format=json").json()
    assert data["ballots"] == 3 and data["method"] == "plurality" and data["winners"] == ["capital"]
    assert [(row["key"], row["votes"], row["percent"]) for row in data["options"]] == [
        ("capital", 2, 66.7),
        ("hawalli", 0, 0.0),
        ("jahra", 1, 33.3),
    ]
    for url in (f"/api/v1/polls/{poll.pk}/results/?format=csv", f"/api/v1/polls/{poll.pk}/results.csv"):
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        assert response["Content-Disposition"] == f'attachment; filename="poll-{poll.pk}-results.csv"'
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert rows[0] == ["round", "option", "label", "votes", "percent", "ballots_counting", "outcome"]
        assert rows[1:] == [
            ["1", "capital", "العاصمة", "2", "66.7", "3", "winner"],
            ["1", "hawalli", "حولي", "0", "0.0", "3", ""],
            ["1", "jahra", "الجهراء", "1", "33.3", "3", ""],
        ]


def test_results_count_the_replaced_ballot_not_the_first(client, voter, poll, settings):
    settings.POLL_RESULTS_LAG_SECONDS = 0
    vote(client, poll, ("capital", None))
    vote(client, poll, ("hawalli", None))
    votes = {row["key"]: row["votes"] for row in client.get(f"/api/v1/polls/{poll.pk}/results/").json()["options"]}
    assert votes == {"capital": 0, "hawalli": 1, "jahra": 0}


def test_ranked_results_show_every_round_of_the_instant_runoff(client, authority, settings):
    settings.PARTICIPATION_RATE_LIMITS = {"vote": ()}
    poll = make_poll(authority, kind="ranked", options=[(key, key.upper()) for key in "abc"])
    # a: 4 first preferences, b: 3, c: 2 whose next preference is b. c goes out; b wins 5 to 4.
    cast_many(
        poll,
        *[[("a", 1), ("b", 2)]] * 4,
        *[[("b", 1)]] * 3,
        *[[("c", 1), ("b", 2)]] * 2,
    )
    data = client.get(f"/api/v1/polls/{poll.pk}/results/").json()
    assert data["method"] == "instant-runoff" and data["winners"] == ["b"]
    assert [(row["key"], row["votes"]) for row in data["options"]] == [("a", 4), ("b", 3), ("c", 2)]
    first, second = data["rounds"]
    assert first["eliminated"] == ["c"] and first["continuing_ballots"] == 9
    assert {row["key"]: row["votes"] for row in second["tallies"]} == {"a": 4, "b": 5}
    assert second["elected"] == ["b"]
    rows = list(csv.reader(io.StringIO(client.get(f"/api/v1/polls/{poll.pk}/results.csv").content.decode("utf-8-sig"))))
    assert ["1", "c", "C", "2", "22.2", "9", "eliminated"] in rows
    assert ["2", "b", "B", "5", "55.6", "9", "winner"] in rows


def test_instant_runoff_breaks_a_tie_for_last_by_the_earlier_round_then_by_order():
    # Round 1: a 3, b 2, c 2, d 1 → d out (its ballot goes to c). Round 2: a 3, b 2, c 3 → b out.
    rankings = {("a",): 3, ("b",): 2, ("c",): 2, ("d", "c"): 1}
    rounds = selectors.instant_runoff(rankings, ["a", "b", "c", "d"])
    assert [eliminated for _counts, _exhausted, eliminated, _elected in rounds] == ["d", "b", None]
    assert rounds[-1][3] == ["a", "c"]  # 3 to 3 with b's ballots exhausted: tied
    assert rounds[-1][1] == 2
    # Round 1: a 5, c 2, b 3, d 1 → d out, to c. Round 2: b and c tie at 3; c had fewer in round 1, so c
    # goes although b is listed last.
    rounds = selectors.instant_runoff({("a",): 5, ("c",): 2, ("b",): 3, ("d", "c"): 1}, ["a", "c", "b", "d"])
    assert [found[2] for found in rounds] == ["d", "c", None]
    assert rounds[-1][3] == ["a"]
    # Still tied after every round: the option listed last goes first.
    rounds = selectors.instant_runoff({("a",): 2, ("b",): 1, ("c",): 1}, ["a", "b", "c"])
    assert rounds[0][2] == "c"
    assert rounds[-1][3] == ["a"]


def test_instant_runoff_with_a_first_round_majority_and_with_no_ballots():
    assert selectors.instant_runoff({("a", "b"): 3, ("b",): 2}, ["a", "b"]) == [({"a": 3, "b": 2}, 0, None, ["a"])]
    assert selectors.instant_runoff({}, ["a", "b"]) == [({"a": 0, "b": 0}, 0, None, [])]


def test_live_results_are_shown_at_most_the_lag_late(client, voter, poll, settings):
    settings.POLL_RESULTS_LAG_SECONDS = 60
    assert client.get(f"/api/v1/polls/{poll.pk}/results/").json()["ballots"] == 0
    vote(client, poll, ("capital", None))
    assert client.get(f"/api/v1/polls/{poll.pk}/results/").json()["ballots"] == 0
    selectors.forget_results(poll)
    assert client.get(f"/api/v1/polls/{poll.pk}/results/").json()["ballots"] == 1


# --- The API's reading side --------------------------------------------------------------------------


def test_poll_list_and_detail_describe_the_rules(client, authority):
    poll = make_poll(authority, kind="multiple", min_choices=2, binding=True, results_shown="after_close")
    listed = client.get("/api/v1/polls/?locale=ar").json()["results"]
    assert poll.pk in [row["id"] for row in listed]
    detail = client.get(f"/api/v1/polls/{poll.pk}/").json()
    assert detail["kind"] == "multiple" and (detail["min_choices"], detail["max_choices"]) == (2, 3)
    assert detail["assurance_action"] == "binding_poll_vote" and detail["phase"] == "open"
    assert [option["key"] for option in detail["options"]] == ["capital", "hawalli", "jahra"]
    assert client.get("/api/v1/polls/?locale=fr", HTTP_ACCEPT_LANGUAGE="en").status_code == 400
    assert client.get("/api/v1/polls/999999/").status_code == 404


# --- Pages -------------------------------------------------------------------------------------------


def test_poll_page_offers_the_ballot_form_in_arabic(client, voter, poll):
    response = client.get(poll.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="ar" dir="rtl"' in html
    assert html.count('type="radio" name="option"') == 3
    assert 'name="website"' in html and "<legend>" in html
    assert "<svg" in html and "<table" in html  # live results: chart and table


def test_casting_on_the_page_shows_the_receipt_and_then_the_own_ballot(client, voter, poll):
    response = client.post(poll.url, {"option": "jahra"})
    assert response.status_code == 200
    html = response.content.decode()
    receipt = re.search(r'<textarea id="ballot-receipt"[^>]*>([^<]+)</textarea>', html).group(1)
    assert verify_receipt(receipt).valid
    assert chosen(poll) == [("jahra", None)]
    again = client.get(poll.url).content.decode()
    assert 'value="jahra"' in again and re.search(r'value="jahra"[^>]*checked', again)


def test_ranking_with_a_gap_on_the_page_is_shown_in_the_fieldset_and_nothing_is_written(client, voter, authority):
    poll = make_poll(authority, kind="ranked", options=[(key, key.upper()) for key in "abc"])
    response = client.post(poll.url, {"rank-a": "1", "rank-b": "3"})
    assert response.status_code == 400
    html = response.content.decode()
    with translation.override("ar"):
        message = services.InvalidBallot(
            _("Number your preferences 1 to %(count)d without gaps: 1 for your first preference.") % {"count": 2}
        ).message
    errors = re.search(r'<div id="ballot-errors" role="alert">(.*?)</div>', html, re.S)
    assert errors and message in errors.group(1)
    assert 'aria-describedby="poll-how ballot-errors"' in html
    assert re.search(r'<option value="3" selected>', html)  # what was chosen is kept
    assert not ballots_of(poll).exists()


def test_page_refusals_keep_nothing(client, voter, authority):
    shut = make_poll(authority, opened=3, closes_in=-1)
    assert client.post(shut.url, {"option": "capital"}).status_code == 409
    poll = make_poll(authority)
    assert client.post(poll.url, {"option": "capital", "website": "http://spam.example"}).status_code == 400
    assert client.post(poll.url, {}).status_code == 400
    assert not Ballot.objects.filter(poll__in=[shut, poll]).exists()


def test_results_page_has_a_chart_and_a_table_or_says_when(client, authority, settings):
    settings.PARTICIPATION_RATE_LIMITS = {"vote": ()}
    poll = make_poll(authority)
    cast_many(poll, [("capital", None)], [("hawalli", None)], [("capital", None)])
    html = client.get(f"/ar/participate/polls/{poll.pk}/results/").content.decode()
    assert 'role="img"' in html and "<title" in html
    assert re.search(r'<th scope="row" dir="auto">العاصمة</th><td>2</td>', html)
    # Arabic bars grow from the right edge
    assert 'x="33.3%" y="24" width="66.7%"' in html
    hidden = make_poll(authority, results_shown="after_close")
    refused = client.get(f"/en/participate/polls/{hidden.pk}/results/")
    assert refused.status_code == 403 and "after it closes" in refused.content.decode()


# --- Admin -------------------------------------------------------------------------------------------


def test_staff_results_screen_shows_counts_only(client, authority, django_user_model, settings):
    settings.PARTICIPATION_RATE_LIMITS = {"vote": ()}
    poll = make_poll(authority)
    citizen = make_citizen("L1")
    services.cast_ballot(citizen, poll, [("jahra", None)])
    client.force_login(factories.staff("admin"))
    response = client.get(f"/admin/participation/polls/{poll.pk}/results/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "الجهراء" in html and ballots_of(poll).get().voter not in html and citizen.username not in html


def edit_data(poll, authority, forms):
    from wagtail.test.utils.form_data import inline_formset, nested_form_data

    data = nested_form_data(
        {
            "title": poll.title,
            "slug": poll.slug,
            "authority": authority.pk,
            "summary": poll.summary,
            "opens_at": timezone.localtime(poll.opens_at).strftime("%Y-%m-%d %H:%M"),
            "closes_at": timezone.localtime(poll.closes_at).strftime("%Y-%m-%d %H:%M"),
            "kind": "single",
            "min_choices": 1,
            "max_choices": "",
            "results_shown": "live",
            "options": inline_formset(forms, initial=len(forms)),
            "action-publish": "publish",
        }
    )
    return {key: value for key, value in data.items() if value is not False}


def option_forms(poll, delete=(), keys=None):
    return [
        {
            "id": option.pk,
            "key": (keys or {}).get(option.key, option.key),
            "label": option.label,
            "ORDER": index,
            "DELETE": option.key in delete,
        }
        for index, option in enumerate(poll.options.all())
    ]


@pytest.fixture
def editor_client(client, django_user_model):
    client.force_login(factories.staff("admin"))
    return client


def test_editor_cannot_remove_an_option_that_has_votes(editor_client, authority, settings):
    settings.PARTICIPATION_RATE_LIMITS = {"vote": ()}
    poll = make_poll(authority)
    services.cast_ballot(make_citizen("L1"), poll, [("jahra", None)])
    url = f"/admin/pages/{poll.pk}/edit/"
    response = editor_client.post(
        url, edit_data(poll, authority, option_forms(poll, {"jahra"})), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert "has votes and cannot be removed" in response.content.decode()
    assert PollOption.objects.filter(page=poll, key="jahra").exists()
    renamed = edit_data(poll, authority, option_forms(poll, keys={"jahra": "north"}))
    assert "its key cannot change" in editor_client.post(url, renamed, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # removing an option nobody chose is fine
    assert editor_client.post(url, edit_data(poll, authority, option_forms(poll, {"hawalli"}))).status_code == 302
    assert list(PollOption.objects.filter(page=poll).values_list("key", flat=True)) == ["capital", "jahra"]


def test_two_options_cannot_share_a_key(editor_client, authority):
    poll = make_poll(authority)
    data = edit_data(poll, authority, option_forms(poll, keys={"hawalli": "capital"}))
    response = editor_client.post(f"/admin/pages/{poll.pk}/edit/", data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Two options have the key “capital”" in response.content.decode()
    assert PollOption.objects.filter(page=poll, key="hawalli").exists()
