"""Comments through the services and the API: targets with real foreign keys and one thread per
translation set, replies to depth 3, stances, official answers, the edit window, soft delete, votes, and
hostile HTML that is sanitised (or refused when nothing is left)."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from participation.models import Comment, CommentVote
from participation.models.comments import MAX_LENGTH
from participation.services import comments as services
from participation.services.common import AssuranceTooLow
from tests import factories
from tests.event_recorder import EventRecorder as Recorder

from .comments_helpers import (
    make_consultation,
    make_poll,
    paragraph_id,
    service_pair,
    translate,
)
from .conftest import make_citizen, make_petition

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def consultation(authority):
    return make_consultation(authority)


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    settings.PARTICIPATION_RATE_LIMITS = {"comment": (), "vote": (), "flag": ()}


def post(client, data, **extra):
    return client.post("/api/v1/comments/", data, content_type="application/json", **{**EN, **extra})


# --- Targets and threads -----------------------------------------------------------------------------


def test_comment_on_either_translation_of_a_consultation_lands_in_one_thread(authority, consultation):
    english = translate(consultation)
    first = services.post_comment(make_citizen("L1"), consultation, "<p>أؤيد المادة الأولى.</p>")
    second = services.post_comment(make_citizen("L1"), english, "<p>I support it.</p>")
    assert first.consultation_id == second.consultation_id == consultation.pk
    assert first.target_name == "consultation"


def test_comments_on_a_service_page_attach_to_the_oldest_translation():
    arabic, english = service_pair()
    oldest = min(arabic.pk, english.pk)
    comment = services.post_comment(make_citizen("L1"), english, "<p>Clear instructions, thanks.</p>")
    assert comment.service_id == oldest


def test_poll_and_petition_comments_use_their_own_foreign_key(authority):
    poll = make_poll(authority)
    english_poll = translate(poll)
    petition = make_petition(make_citizen(), authority)
    on_poll = services.post_comment(make_citizen("L1"), english_poll, "رأيي في الاستطلاع")
    on_petition = services.post_comment(make_citizen("L1"), petition, "أؤيد العريضة")
    assert (on_poll.poll_id, on_poll.petition_id) == (poll.pk, None)
    assert (on_petition.petition_id, on_petition.poll_id) == (petition.pk, None)


def test_comment_created_payload(django_capture_on_commit_callbacks, consultation):
    author, parent_author = make_citizen("L1"), make_citizen("L1")
    parent = services.post_comment(parent_author, consultation, "أولاً")
    with Recorder("comment.created") as recorder, django_capture_on_commit_callbacks(execute=True):
        reply = services.post_comment(author, consultation, "رد", parent=parent)
    assert recorder.named("comment.created") == [
        {
            "comment_id": reply.pk,
            "author_id": author.pk,
            "target": "consultation",
            "target_id": consultation.pk,
            "parent_author_id": parent_author.pk,
            "is_official": False,
        }
    ]


# --- Depth, stance, paragraph ------------------------------------------------------------------------


def test_replies_go_three_deep_and_no_deeper(consultation):
    user = make_citizen("L1")
    one = services.post_comment(user, consultation, "1")
    two = services.post_comment(user, consultation, "2", parent=one)
    three = services.post_comment(user, consultation, "3", parent=two)
    assert [one.depth, two.depth, three.depth] == [1, 2, 3]
    with pytest.raises(services.TooDeep):
        services.post_comment(user, consultation, "4", parent=three)
    assert Comment.objects.filter(consultation=consultation).count() == 3


def test_reply_to_a_comment_of_another_thread_is_refused(authority, consultation):
    other = make_consultation(authority, title="استشارة أخرى")
    elsewhere = services.post_comment(make_citizen("L1"), other, "هناك")
    with pytest.raises(services.CommentNotFound):
        services.post_comment(make_citizen("L1"), consultation, "هنا", parent=elsewhere)


def test_stance_only_on_consultations(authority, consultation):
    comment = services.post_comment(make_citizen("L1"), consultation, "أؤيد", stance="for")
    assert comment.stance == "for"
    petition = make_petition(make_citizen(), authority)
    with pytest.raises(services.CommentError):
        services.post_comment(make_citizen("L1"), petition, "أؤيد", stance="for")
    with pytest.raises(services.CommentError):
        services.post_comment(make_citizen("L1"), consultation, "أؤيد", stance="maybe")
    assert Comment.objects.filter(petition=petition).count() == 0


def test_comment_on_a_paragraph_must_name_a_paragraph_of_the_draft(consultation):
    block = paragraph_id(consultation)
    comment = services.post_comment(make_citizen("L1"), consultation, "عن هذه الفقرة", paragraph=block)
    reply = services.post_comment(make_citizen("L1"), consultation, "رد", parent=comment)
    assert comment.paragraph == reply.paragraph == block
    with pytest.raises(services.CommentError):
        services.post_comment(make_citizen("L1"), consultation, "؟", paragraph="no-such-block")


def test_closed_consultation_takes_no_comments(authority):
    closed = make_consultation(authority, open_now=False)
    with pytest.raises(services.CommentsClosed):
        services.post_comment(make_citizen("L1"), closed, "متأخر")


def test_anonymous_and_unverified_people_cannot_comment(consultation):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(AssuranceTooLow):
        services.post_comment(AnonymousUser(), consultation, "مجهول")
    with pytest.raises(AssuranceTooLow):
        services.post_comment(make_citizen("L0"), consultation, "غير موثق")
    assert not Comment.objects.filter(consultation=consultation).exists()


# --- Official answers --------------------------------------------------------------------------------


def test_ministry_editor_answers_officially_for_their_own_authority_only(authority, consultation):
    editor = factories.staff("msal.editor")
    assert editor.groups.filter(name="MSAL editors").exists()
    answer = services.post_comment(editor, consultation, "<p>شكراً، سندرس المقترح.</p>", official=True)
    assert answer.is_official and answer.official_authority_id == authority.pk
    other = factories.staff("pam.editor")
    with pytest.raises(services.NotAnOfficial):
        services.post_comment(other, consultation, "رد", official=True)
    with pytest.raises(services.NotAnOfficial):
        services.post_comment(make_citizen("L2"), consultation, "رد", official=True)


def test_portal_staff_answer_for_any_authority():
    factories.section("MOCI")  # and its editors' group
    moci = factories.authority("MOCI")
    admin = factories.staff("admin")
    assert services.may_answer_for(admin, moci)
    group_member = make_citizen("L1")
    group_member.groups.add(Group.objects.get(name=f"{moci.code} editors"))
    assert services.may_answer_for(group_member, moci)
    assert not services.may_answer_for(make_citizen("L2"), moci)


# --- Edit window and soft delete ---------------------------------------------------------------------


def test_author_edits_within_the_window_and_not_after(settings, consultation):
    settings.PARTICIPATION_COMMENT_EDIT_MINUTES = 10
    author = make_citizen("L1")
    comment = services.post_comment(author, consultation, "نص أول")
    edited = services.edit_comment(author, comment, "<p>نص معدل</p>")
    assert edited.body == "<p>نص معدل</p>" and edited.edited_at
    with pytest.raises(services.EditWindowClosed):
        services.edit_comment(author, comment, "متأخر", now=comment.created_at + timedelta(minutes=10))
    with pytest.raises(services.NotTheAuthor):
        services.edit_comment(make_citizen("L1"), comment, "ليس لي")
    assert Comment.objects.get(pk=comment.pk).body == "<p>نص معدل</p>"


def test_soft_delete_keeps_the_row_and_its_replies(consultation):
    author = make_citizen("L1")
    comment = services.post_comment(author, consultation, "سأحذفه")
    reply = services.post_comment(make_citizen("L1"), consultation, "رد", parent=comment)
    services.delete_comment(author, comment)
    comment.refresh_from_db()
    assert comment.deleted_at is not None
    assert Comment.objects.filter(pk=reply.pk, parent=comment).exists()
    with pytest.raises(services.CommentUnavailable):
        services.post_comment(make_citizen("L1"), consultation, "رد على محذوف", parent=comment)


# --- Votes -------------------------------------------------------------------------------------------


def test_one_vote_per_person_and_voting_again_replaces_it(consultation):
    comment = services.post_comment(make_citizen("L1"), consultation, "صوتوا")
    voter = make_citizen("L1")
    services.vote_on_comment(voter, comment, 1)
    services.vote_on_comment(voter, comment, 1)
    services.vote_on_comment(voter, comment, -1)
    assert list(CommentVote.objects.filter(comment=comment).values_list("value", flat=True)) == [-1]
    with pytest.raises(services.OwnComment):
        services.vote_on_comment(comment.author, comment, 1)


# --- Hostile HTML ------------------------------------------------------------------------------------

HOSTILE = [
    ("<p>hi</p><script>alert(1)</script>", "<p>hi</p>"),
    ('<p><a href="javascript:alert(1)">x</a></p>', '<p><a rel="nofollow ugc">x</a></p>'),
    ('<p><a href="JaVaScRiPt:alert(1)">x</a></p>', '<p><a rel="nofollow ugc">x</a></p>'),
    ('<p><a href="data:text/html;base64,PHNjcmlwdD4=">x</a></p>', '<p><a rel="nofollow ugc">x</a></p>'),
    ('<p><img src=x onerror="alert(1)">hi</p>', "<p>hi</p>"),
    ('<p onclick="alert(1)" style="color:red">hi</p>', "<p>hi</p>"),
    ("<svg><script>alert(1)</script></svg><p>hi</p>", "<p>hi</p>"),
    ("<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>ok", "ok"),
    ("<style>p{}</style><p>hi</p>", "<p>hi</p>"),
    ("<scr<script>ipt>alert(1)</script><p>hi</p>", "ipt&gt;alert(1)<p>hi</p>"),
    (
        '<a href="https://example.org" target="_blank" rel="opener">link</a>',
        '<a href="https://example.org" rel="nofollow ugc">link</a>',
    ),
]


@pytest.mark.parametrize(("hostile", "stored"), HOSTILE)
def test_hostile_html_is_stored_sanitised(consultation, hostile, stored):
    comment = services.post_comment(make_citizen("L1"), consultation, hostile)
    assert comment.body == stored
    lowered = comment.body.lower()
    for danger in ("<script", "javascript:", "onerror", "onclick", "<svg", "<math", "<style", "data:", "<img"):
        assert danger not in lowered


@pytest.mark.parametrize(
    "nothing_left",
    ["<script>alert(1)</script>", '<img src=x onerror="alert(1)">', "<svg><script>x</script></svg>", "<p> </p><br>"],
)
def test_comment_that_is_empty_once_sanitised_is_refused_and_not_stored(consultation, nothing_left):
    with pytest.raises(services.EmptyComment):
        services.post_comment(make_citizen("L1"), consultation, nothing_left)
    assert not Comment.objects.filter(consultation=consultation).exists()


def test_over_long_comment_is_refused(consultation):
    with pytest.raises(services.CommentTooLong):
        services.post_comment(make_citizen("L1"), consultation, "ا" * (MAX_LENGTH + 1))
    assert not Comment.objects.filter(consultation=consultation).exists()
    # The limit counts the stored (sanitised) text: markup that is dropped does not count.
    fits = "<script>" + "x" * MAX_LENGTH + "</script>" + "ا" * (MAX_LENGTH - 10)
    assert len(services.post_comment(make_citizen("L1"), consultation, fits).body) == MAX_LENGTH - 10


# --- API ---------------------------------------------------------------------------------------------


def test_api_posts_lists_and_nests_by_parent(client, consultation):
    user = make_citizen("L1")
    client.force_login(user)
    english = translate(consultation)
    response = post(client, {"consultation": english.pk, "body": "<p>Agree</p>", "stance": "for"})
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["target"] == "consultation" and created["target_id"] == consultation.pk
    assert created["is_mine"] and created["editable_until"]
    reply = post(client, {"consultation": consultation.pk, "body": "more", "parent": created["id"]}).json()
    assert reply["depth"] == 2 and reply["parent"] == created["id"]
    listing = client.get(f"/api/v1/comments/?consultation={english.pk}", **EN).json()
    assert [item["id"] for item in listing["results"]] == [created["id"], reply["id"]]


@pytest.mark.parametrize(
    ("body", "code"),
    [("<script>alert(1)</script>", "empty_comment"), ("ب" * (MAX_LENGTH + 1), "comment_too_long")],
)
def test_api_refuses_bad_text_with_a_clear_message_and_writes_nothing(client, consultation, body, code):
    client.force_login(make_citizen("L1"))
    response = post(client, {"consultation": consultation.pk, "body": body})
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert response.json()["detail"]
    assert not Comment.objects.filter(consultation=consultation).exists()


def test_api_depth_four_is_400_in_arabic_by_default(client, consultation):
    user = make_citizen("L1")
    client.force_login(user)
    parent = None
    for depth in range(3):
        parent = services.post_comment(user, consultation, f"مستوى {depth + 1}", parent=parent)
    response = client.post(
        "/api/v1/comments/",
        {"consultation": consultation.pk, "body": "مستوى 4", "parent": parent.pk},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "too_deep"
    assert Comment.objects.filter(consultation=consultation).count() == 3


def test_api_hostile_html_is_sanitised_before_it_is_stored(client, consultation):
    client.force_login(make_citizen("L1"))
    response = post(
        client, {"consultation": consultation.pk, "body": '<p onmouseover="x()">ok <a href="javascript:x()">l</a></p>'}
    )
    assert response.status_code == 201
    assert response.json()["body"] == '<p>ok <a rel="nofollow ugc">l</a></p>'


def test_api_needs_exactly_one_target(client, consultation, authority):
    client.force_login(make_citizen("L1"))
    petition = make_petition(make_citizen(), authority)
    both = post(client, {"consultation": consultation.pk, "petition": petition.pk, "body": "x"})
    none = client.get("/api/v1/comments/", **EN)
    assert both.status_code == none.status_code == 400
    assert both.json()["detail"] == "Name exactly one of consultation, petition, poll or service."
    assert client.get("/api/v1/comments/?petition=999999", **EN).status_code == 404


def test_api_anonymous_comment_is_403(client, consultation):
    response = post(client, {"consultation": consultation.pk, "body": "x"})
    assert (response.status_code, response.json()["code"]) == (403, "assurance_required")


def test_api_edit_and_delete(client, consultation, settings):
    author = make_citizen("L1")
    comment = services.post_comment(author, consultation, "أول")
    client.force_login(make_citizen("L1"))
    stranger = client.patch(f"/api/v1/comments/{comment.pk}/", {"body": "x"}, content_type="application/json", **EN)
    assert (stranger.status_code, stranger.json()["code"]) == (403, "not_author")
    client.force_login(author)
    edited = client.patch(f"/api/v1/comments/{comment.pk}/", {"body": "<p>ثان</p>"}, content_type="application/json")
    assert edited.status_code == 200 and edited.json()["body"] == "<p>ثان</p>" and edited.json()["edited_at"]
    Comment.objects.filter(pk=comment.pk).update(created_at=timezone.now() - timedelta(minutes=16))
    late = client.patch(f"/api/v1/comments/{comment.pk}/", {"body": "x"}, content_type="application/json", **EN)
    assert (late.status_code, late.json()["code"]) == (409, "edit_window_closed")
    assert client.delete(f"/api/v1/comments/{comment.pk}/").status_code == 204
    shown = client.get(f"/api/v1/comments/{comment.pk}/").json()
    assert shown["state"] == "deleted" and shown["body"] is None


def test_api_vote_put_and_delete_give_the_score(client, consultation):
    comment = services.post_comment(make_citizen("L1"), consultation, "صوتوا")
    for _ in range(2):
        client.force_login(make_citizen("L1"))
        assert (
            client.put(
                f"/api/v1/comments/{comment.pk}/votes/", {"value": "up"}, content_type="application/json"
            ).json()["my_vote"]
            == 1
        )
    response = client.put(f"/api/v1/comments/{comment.pk}/votes/", {"value": "down"}, content_type="application/json")
    assert response.json() == {"score": 0, "my_vote": -1}
    response = client.delete(f"/api/v1/comments/{comment.pk}/votes/")
    assert response.json() == {"score": 1, "my_vote": None}
    bad = client.put(
        f"/api/v1/comments/{comment.pk}/votes/", {"value": "sideways"}, content_type="application/json", **EN
    )
    assert bad.status_code == 400 and bad.json()["detail"].startswith("value:")


def test_comment_rate_limit_is_429(client, consultation, settings):
    settings.PARTICIPATION_RATE_LIMITS = {"comment": (("user", 2, 60),)}
    client.force_login(make_citizen("L1"))
    assert post(client, {"consultation": consultation.pk, "body": "1"}).status_code == 201
    assert post(client, {"consultation": consultation.pk, "body": "2"}).status_code == 201
    response = post(client, {"consultation": consultation.pk, "body": "3"})
    assert response.status_code == 429 and int(response["Retry-After"]) <= 60
    assert Comment.objects.filter(consultation=consultation).count() == 2


def test_a_commenter_without_a_name_is_shown_by_a_pseudonym_not_their_account_id(client, consultation):
    """«مشارك 1234» exposed sequential account ids; the pseudonym is a keyed hash of the id."""
    from django.utils import translation

    from participation.selectors import comments as selectors

    first, second = make_citizen("L1"), make_citizen("L1")
    with translation.override("ar"):
        shown = [str(selectors.author_name(person)) for person in (first, second)]
    assert all(name.startswith("مشارك ") for name in shown)
    codes = [name.removeprefix("مشارك ") for name in shown]
    assert codes[0] != codes[1]
    assert str(first.pk) not in codes[0] and str(second.pk) not in codes[1]
    assert len(codes[0]) == len(codes[1]) == 6
    with translation.override("ar"):
        assert str(selectors.author_name(first)) == shown[0]  # the same person, the same pseudonym
    with translation.override("en"):
        assert str(selectors.author_name(first)) == f"Participant {codes[0]}"
    services.post_comment(first, consultation, "رأيي")
    listed = client.get("/api/v1/comments/", {"consultation": consultation.pk}, HTTP_ACCEPT_LANGUAGE="ar").json()
    assert [item["author"] for item in listed["results"]] == [shown[0]]
