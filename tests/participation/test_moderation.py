"""Flags, automatic hiding, staff decisions and block lists, through the services, the API and the admin."""

import pytest
from django.contrib.auth.models import AnonymousUser

from participation.models import (
    BlockedEmailDomain,
    BlockedNetwork,
    BlockedParticipant,
    Comment,
    Flag,
    ModerationRecord,
    Petition,
)
from participation.services import comments as comment_services
from participation.services import common, moderation
from participation.services.common import Blocked
from tests import factories
from tests.event_recorder import EventRecorder as Recorder

from .comments_helpers import make_consultation
from .conftest import make_citizen, make_petition

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    settings.PARTICIPATION_RATE_LIMITS = {"comment": (), "vote": (), "flag": ()}


@pytest.fixture
def consultation(authority):
    return make_consultation(authority)


@pytest.fixture
def comment(consultation):
    return comment_services.post_comment(make_citizen("L1"), consultation, "<p>تعليق مسيء</p>")


@pytest.fixture
def staff():
    return factories.staff("admin")


def flag_by_many(thing, count, reason="abuse"):
    flag = moderation.flag_comment if isinstance(thing, Comment) else moderation.flag_petition
    return [flag(make_citizen("L1"), thing, reason) for _ in range(count)]


# --- Flags -------------------------------------------------------------------------------------------


def test_anonymous_flagging_is_refused_even_when_commenting_needs_no_level(comment):
    from identity.models import ActionPolicy
    from identity.policy import forget_policy

    ActionPolicy.objects.update_or_create(action="comment", defaults={"min_level": "L0"})
    forget_policy()
    with pytest.raises(moderation.SignInToFlag):
        moderation.flag_comment(AnonymousUser(), comment, "spam")
    assert not Flag.objects.exists()


def test_one_flag_per_person_and_not_on_ones_own_comment(comment):
    citizen = make_citizen("L1")
    moderation.flag_comment(citizen, comment, "spam")
    with pytest.raises(moderation.AlreadyFlagged):
        moderation.flag_comment(citizen, comment, "abuse")
    with pytest.raises(moderation.CannotFlagOwn):
        moderation.flag_comment(comment.author, comment, "abuse")
    assert Flag.objects.filter(comment=comment).count() == 1


def test_third_distinct_flag_hides_the_comment_and_says_so(comment, django_capture_on_commit_callbacks):
    flag_by_many(comment, 2)
    assert Comment.objects.get(pk=comment.pk).state == "visible"
    with Recorder("comment.hidden") as recorder, django_capture_on_commit_callbacks(execute=True):
        flag_by_many(comment, 1)
    comment.refresh_from_db()
    assert comment.state == "hidden" and comment.hidden_reason == moderation.AUTO_HIDE_REASON
    record = ModerationRecord.objects.get(comment=comment)
    assert (record.kind, record.staff, record.detail) == ("auto_hidden", None, {"flags": 3})
    assert recorder.named("comment.hidden") == [
        {
            "comment_id": comment.pk,
            "author_id": comment.author_id,
            "reason": moderation.AUTO_HIDE_REASON,
            "automatic": True,
        }
    ]


def test_the_number_of_flags_that_hides_is_configurable(settings, comment):
    settings.PARTICIPATION_AUTO_HIDE_FLAGS = 5
    flag_by_many(comment, 4)
    assert Comment.objects.get(pk=comment.pk).state == "visible"
    flag_by_many(comment, 1)
    assert Comment.objects.get(pk=comment.pk).state == "hidden"


def test_approval_restores_and_only_later_flags_count(staff, comment, django_capture_on_commit_callbacks):
    flag_by_many(comment, 3)
    with Recorder("comment.restored") as recorder, django_capture_on_commit_callbacks(execute=True):
        moderation.approve_comment(staff, comment)
    comment.refresh_from_db()
    assert comment.state == "visible" and comment.approved_at and comment.hidden_reason == ""
    assert not Flag.objects.filter(comment=comment, resolved_at__isnull=True).exists()
    assert recorder.named("comment.restored") == [{"comment_id": comment.pk, "author_id": comment.author_id}]
    flag_by_many(comment, 2)
    assert Comment.objects.get(pk=comment.pk).state == "visible"
    flag_by_many(comment, 1)
    assert Comment.objects.get(pk=comment.pk).state == "hidden"


def test_only_moderators_decide(comment):
    with pytest.raises(moderation.NotAModerator):
        moderation.hide_comment(make_citizen("L2"), comment, "لا")
    assert Comment.objects.get(pk=comment.pk).state == "visible"


def test_hiding_needs_a_reason_that_the_author_sees(client, staff, comment):
    with pytest.raises(moderation.ReasonRequired):
        moderation.hide_comment(staff, comment, "  ")
    moderation.hide_comment(staff, comment, "Insults another participant")
    client.force_login(comment.author)
    own = client.get(f"/api/v1/comments/{comment.pk}/", **EN).json()
    assert own["state"] == "hidden" and own["hidden_reason"] == "Insults another participant" and own["body"]
    client.force_login(make_citizen("L1"))
    other = client.get(f"/api/v1/comments/{comment.pk}/", **EN).json()
    assert other["state"] == "hidden" and other["body"] is None and other["hidden_reason"] is None


def test_automatic_reason_is_shown_in_the_readers_language(client, comment):
    flag_by_many(comment, 3)
    client.force_login(comment.author)
    shown = client.get(f"/api/v1/comments/{comment.pk}/", **EN).json()
    assert shown["hidden_reason"] == moderation.AUTO_HIDE_REASON


def test_reported_petition_is_hidden_after_three_flags(authority, django_capture_on_commit_callbacks):
    petition = make_petition(make_citizen(), authority)
    flag_by_many(petition, 2)
    with Recorder("petition.hidden") as recorder, django_capture_on_commit_callbacks(execute=True):
        flag_by_many(petition, 1)
    petition.refresh_from_db()
    assert petition.state == "hidden"
    assert ModerationRecord.objects.get(petition=petition).kind == "auto_hidden"
    assert recorder.named("petition.hidden") == [
        {"petition_id": petition.pk, "author_id": petition.author_id, "reason": moderation.AUTO_HIDE_REASON}
    ]


def test_keeping_an_auto_hidden_petition_opens_it_again(staff, authority):
    petition = make_petition(make_citizen(), authority)
    flag_by_many(petition, 3)
    moderation.keep_petition(staff, petition)
    petition.refresh_from_db()
    assert petition.state == "open"
    assert ModerationRecord.objects.filter(petition=petition).first().kind == "restored"
    assert not Flag.objects.filter(petition=petition, resolved_at__isnull=True).exists()


def test_block_author_blocks_hides_and_logs(staff, consultation, comment):
    moderation.block_author(staff, comment=comment, reason="Repeated abuse")
    comment.refresh_from_db()
    assert comment.state == "hidden" and comment.hidden_reason == "Repeated abuse"
    assert BlockedParticipant.objects.get(user=comment.author).created_by == staff
    assert ModerationRecord.objects.filter(kind="author_blocked", subject=comment.author, comment=comment).exists()
    with pytest.raises(Blocked):
        comment_services.post_comment(comment.author, consultation, "مرة أخرى")


def test_staff_cannot_be_blocked_from_the_queue(staff, consultation):
    own = comment_services.post_comment(staff, consultation, "رسالة من الموظف")
    with pytest.raises(moderation.ModerationError):
        moderation.block_author(staff, comment=own, reason="x")
    assert not BlockedParticipant.objects.filter(user=staff).exists()


# --- API ---------------------------------------------------------------------------------------------


def test_api_flag_comment_and_petition(client, comment, authority):
    petition = make_petition(make_citizen(), authority)
    response = client.post(
        f"/api/v1/comments/{comment.pk}/flags/", {"reason": "spam"}, content_type="application/json", **EN
    )
    assert (response.status_code, response.json()["code"]) == (403, "sign_in_required")
    client.force_login(make_citizen("L1"))
    assert (
        client.post(
            f"/api/v1/comments/{comment.pk}/flags/", {"reason": "spam"}, content_type="application/json"
        ).status_code
        == 201
    )
    again = client.post(
        f"/api/v1/comments/{comment.pk}/flags/", {"reason": "spam"}, content_type="application/json", **EN
    )
    assert (again.status_code, again.json()["code"]) == (409, "already_flagged")
    bad = client.post(
        f"/api/v1/petitions/{petition.pk}/flags/", {"reason": "boring"}, content_type="application/json", **EN
    )
    assert bad.status_code == 400 and bad.json()["detail"].startswith("reason:")
    ok = client.post(
        f"/api/v1/petitions/{petition.pk}/flags/",
        {"reason": "off_topic", "note": "ليست من اختصاص الوزارة"},
        content_type="application/json",
    )
    assert ok.status_code == 201
    assert Flag.objects.get(petition=petition).note == "ليست من اختصاص الوزارة"


def test_flag_rate_limit_is_429(client, settings, consultation):
    settings.PARTICIPATION_RATE_LIMITS = {"flag": (("user", 1, 60),), "comment": ()}
    comments = [comment_services.post_comment(make_citizen("L1"), consultation, f"رقم {n}") for n in range(2)]
    client.force_login(make_citizen("L1"))
    assert (
        client.post(
            f"/api/v1/comments/{comments[0].pk}/flags/", {"reason": "spam"}, content_type="application/json"
        ).status_code
        == 201
    )
    response = client.post(
        f"/api/v1/comments/{comments[1].pk}/flags/", {"reason": "spam"}, content_type="application/json", **EN
    )
    assert response.status_code == 429 and "reports" in response.json()["detail"]
    assert not Flag.objects.filter(comment=comments[1]).exists()


# --- Block lists -------------------------------------------------------------------------------------


def test_blocked_network_and_email_domain_refuse_comments(client, consultation):
    BlockedNetwork.objects.create(network="198.51.100.0/24", reason="Spam wave")
    client.force_login(make_citizen("L1"))
    data = {"consultation": consultation.pk, "body": "x"}
    response = client.post("/api/v1/comments/", data, content_type="application/json", REMOTE_ADDR="198.51.100.7", **EN)
    assert (response.status_code, response.json()["code"]) == (403, "blocked")
    BlockedEmailDomain.objects.create(domain="@Example.org", reason="Throw-away")
    response = client.post("/api/v1/comments/", data, content_type="application/json", **EN)
    assert (response.status_code, response.json()["code"]) == (403, "blocked")
    assert not Comment.objects.filter(consultation=consultation).exists()


# --- Admin -------------------------------------------------------------------------------------------


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def bulk_url(model, action, objects):
    ids = "&".join(f"id={item.pk}" for item in objects)
    return f"/admin/bulk/participation/{model}/{action}/?{ids}&next=/admin/participation/moderation/"


def test_queue_lists_reported_comments_and_petitions_with_reasons(staff_client, consultation, authority):
    older = comment_services.post_comment(make_citizen("L1"), consultation, "<p>التعليق الأقدم بلاغاً</p>")
    newer = comment_services.post_comment(make_citizen("L1"), consultation, "<p>التعليق الأحدث بلاغاً</p>")
    moderation.flag_comment(make_citizen("L1"), older, "spam", "إعلان تجاري")
    flag_by_many(newer, 2, "abuse")
    petition = make_petition(make_citizen(), authority, title="عريضة مبلغ عنها")
    moderation.flag_petition(make_citizen("L1"), petition, "off_topic")
    untouched = comment_services.post_comment(make_citizen("L1"), consultation, "<p>تعليق عادي</p>")
    response = staff_client.get("/admin/participation/moderation/", **EN)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("التعليق الأحدث بلاغاً") < html.index("التعليق الأقدم بلاغاً")
    assert "Abusive or hateful (2)" in html and "Spam or advertising (1)" in html and "إعلان تجاري" in html
    assert "عريضة مبلغ عنها" in html and "Off topic (1)" in html
    assert untouched.body not in html


def test_queue_is_for_moderators_only(client, consultation):
    editor = factories.staff("msal.editor")
    client.force_login(editor)
    assert client.get("/admin/participation/moderation/").status_code in (302, 403)


def test_bulk_hide_with_reason_then_approve(staff_client, staff, consultation):
    comments = [comment_services.post_comment(make_citizen("L1"), consultation, f"نص {n}") for n in range(2)]
    url = bulk_url("comment", "hide", comments)
    assert staff_client.get(url).status_code == 200
    assert staff_client.post(url, {"reason": ""}).status_code == 200
    assert set(Comment.objects.values_list("state", flat=True)) == {"visible"}
    assert staff_client.post(url, {"reason": "خارج الموضوع"}).status_code == 302
    assert set(Comment.objects.filter(pk__in=[c.pk for c in comments]).values_list("hidden_reason", flat=True)) == {
        "خارج الموضوع"
    }
    assert ModerationRecord.objects.filter(kind="hidden", staff=staff).count() == 2
    assert staff_client.post(bulk_url("comment", "approve", comments[:1])).status_code == 302
    assert Comment.objects.get(pk=comments[0].pk).state == "visible"


def test_bulk_block_author_of_comment_and_petition(staff_client, consultation, authority):
    comment = comment_services.post_comment(make_citizen("L1"), consultation, "مسيء")
    petition = make_petition(make_citizen(), authority)
    assert staff_client.post(bulk_url("comment", "block-author", [comment]), {"reason": "إساءة"}).status_code == 302
    assert staff_client.post(bulk_url("petition", "block-author", [petition]), {"reason": "احتيال"}).status_code == 302
    assert BlockedParticipant.objects.filter(user__in=[comment.author, petition.author]).count() == 2
    assert Petition.objects.get(pk=petition.pk).state == "hidden"
    assert Comment.objects.get(pk=comment.pk).state == "hidden"


def test_bulk_keep_and_hide_reported_petitions(staff_client, authority):
    kept, hidden = make_petition(make_citizen(), authority), make_petition(make_citizen(), authority)
    for petition in (kept, hidden):
        moderation.flag_petition(make_citizen("L1"), petition, "spam")
    assert staff_client.post(bulk_url("petition", "keep", [kept])).status_code == 302
    assert staff_client.post(bulk_url("petition", "hide-reported", [hidden]), {"reason": "مكررة"}).status_code == 302
    assert Petition.objects.get(pk=kept.pk).state == "open"
    assert Petition.objects.get(pk=hidden.pk).state == "hidden"
    assert not Flag.objects.filter(resolved_at__isnull=True).exists()


def test_admin_listings_open(staff_client, comment):
    for url in (
        "/admin/participation/comments/",
        f"/admin/participation/comments/inspect/{comment.pk}/",
        "/admin/participation/blocked-networks/",
        "/admin/participation/blocked-domains/",
        "/admin/participation/blocked-participants/",
    ):
        assert staff_client.get(url).status_code == 200, url


def test_adding_a_blocked_network_in_the_admin_applies_at_once(staff_client, staff, client, consultation):
    assert not common.is_blocked(None, _request("203.0.113.9"))  # primes the cached block list
    response = staff_client.post(
        "/admin/participation/blocked-networks/add/", {"network": "203.0.113.0/24", "reason": "هجوم"}
    )
    assert response.status_code == 302, response.content.decode()[:1500]
    assert BlockedNetwork.objects.get(network="203.0.113.0/24").created_by == staff
    assert common.is_blocked(None, _request("203.0.113.9"))
    network = BlockedNetwork.objects.get()
    assert staff_client.post(f"/admin/participation/blocked-networks/delete/{network.pk}/").status_code == 302
    assert not common.is_blocked(None, _request("203.0.113.9"))


def _request(address):
    from django.test import RequestFactory

    return RequestFactory().get("/", REMOTE_ADDR=address)


def test_a_participant_to_block_is_found_by_search_not_listed_in_a_drop_down(staff_client):
    wanted = make_citizen("L1")
    wanted.email = "salem.alajmi@example.org"
    wanted.save(update_fields=["email"])
    others = [make_citizen("L1") for _ in range(3)]
    form = staff_client.get("/admin/participation/blocked-participants/add/").content.decode()
    assert '<select name="user"' not in form  # no drop-down of every account in the country
    assert "/admin/participation/participant-chooser/" in form

    found = staff_client.get("/admin/participation/participant-chooser/results/", {"q": "alajmi"})
    assert found.status_code == 200
    listed = found.content.decode()
    assert wanted.username in listed
    assert not any(other.username in listed for other in others)

    added = staff_client.post(
        "/admin/participation/blocked-participants/add/", {"user": wanted.pk, "reason": "إساءة متكررة", "until": ""}
    )
    assert added.status_code == 302
    assert BlockedParticipant.objects.filter(user=wanted).exists()


def test_the_arabic_admin_shows_no_english_reason_none_false_or_is_null(staff_client, comment):
    flag_by_many(comment, 3)  # hidden automatically, its reason stored as the English source text
    arabic = {"HTTP_ACCEPT_LANGUAGE": "ar"}
    queue = staff_client.get("/admin/participation/moderation/", **arabic).content.decode()
    inspect = staff_client.get(f"/admin/participation/comments/inspect/{comment.pk}/", **arabic).content.decode()
    blocked = staff_client.get("/admin/participation/blocked-participants/", **arabic).content.decode()
    for page in (queue, inspect):
        assert "أُخفي تلقائيًا" in page and moderation.AUTO_HIDE_REASON not in page
    values = [line.strip() for line in inspect.split("<dd>")[1:]]
    assert not any(value.startswith(("None", "False", "True")) for value in values)
    assert "لا" in inspect or "نعم" in inspect  # a yes-or-no field (is_official) in words
    assert "is null" not in blocked and "غير محدد" in blocked
