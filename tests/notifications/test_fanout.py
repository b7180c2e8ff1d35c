import random

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings

from core import events
from notifications import registry, services
from notifications.models import Follow, Notification, NotificationPreference, NotificationSettings
from notifications.registry import Notice
from participation.models import Comment, Petition
from participation.services import petitions as petition_services

from .conftest import follow, make_citizen, make_petition

pytestmark = pytest.mark.django_db


def rows_for(user):
    return list(Notification.objects.filter(recipient=user))


def test_government_response_reaches_the_author_and_each_follower_once_in_both_languages(petition, author):
    followers = [make_citizen("L1") for _ in range(3)]
    for person in followers:
        follow(person, f"petition:{petition.pk}")
    follow(author, f"petition:{petition.pk}")  # the author also follows: still one notification

    written = services.deliver("petition.responded", {"petition_id": petition.pk})

    assert written == 4
    for person in [author, *followers]:
        (row,) = rows_for(person)
        assert row.kind == "petition.responded"
        assert row.target == f"petition:{petition.pk}"
        assert "Longer opening hours" in row.text_en and "Longer opening hours" in row.text_ar
        assert row.text_en.startswith("The government responded")
        assert row.url_ar.startswith("/ar/") and row.url_en.startswith("/en/")


def test_delivering_the_same_event_twice_writes_nothing_twice(petition):
    follow(make_citizen("L1"), f"petition:{petition.pk}")
    services.deliver("petition.responded", {"petition_id": petition.pk})
    services.deliver("petition.responded", {"petition_id": petition.pk})
    assert Notification.objects.filter(kind="petition.responded").count() == 2  # the follower and the author


def test_fan_out_in_small_batches_reaches_every_active_follower_and_skips_the_rest(petition):
    target = f"petition:{petition.pk}"
    followers = [make_citizen("L1") for _ in range(23)]
    for person in followers:
        follow(person, target)
    unfollowed = make_citizen("L1")
    follow(unfollowed, target, active=False)
    gone = make_citizen("L1")
    follow(gone, target)
    get_user_model().objects.filter(pk=gone.pk).update(is_active=False)
    excluded = followers[0]

    notice = Notice(
        kind="petition.responded",
        target=target,
        text={"ar": "نص", "en": "text"},
        followers=[target],
        exclude=[excluded.pk],
    )
    written = services.fan_out(events.Event("test.event", {"n": 1}), notice, batch_size=5)

    assert written == 22
    recipients = set(Notification.objects.values_list("recipient_id", flat=True))
    assert recipients == {person.pk for person in followers[1:]}


def test_channels_none_writes_nothing_and_email_only_is_kept_out_of_the_inbox(petition):
    target = f"petition:{petition.pk}"
    silent, email_only = make_citizen("L1"), make_citizen("L1")
    for person in (silent, email_only):
        follow(person, target)
    services.set_channels(silent, "petition.responded", in_app=False, email=False)
    services.set_channels(email_only, "petition.responded", in_app=False, email=True)
    NotificationSettings.objects.create(user=email_only, email_frequency="daily")

    services.deliver("petition.responded", {"petition_id": petition.pk})

    assert rows_for(silent) == []
    (row,) = rows_for(email_only)
    assert row.in_app is False and row.email_pending is True


def test_signing_with_keep_informed_follows_the_petition_and_without_it_does_not(
    petition, django_capture_on_commit_callbacks, settings
):
    settings.PETITION_SIGN_RATE_LIMITS = ()
    informed, quiet, opted_out = make_citizen("L2"), make_citizen("L2"), make_citizen("L2")
    NotificationSettings.objects.create(user=opted_out, auto_follow=False)
    with django_capture_on_commit_callbacks(execute=True):
        petition_services.sign_petition(informed, petition, "capital", keep_informed=True)
        petition_services.sign_petition(quiet, petition, "capital", keep_informed=False)
        petition_services.sign_petition(opted_out, petition, "capital", keep_informed=True)
    followers = set(
        Follow.objects.filter(target=f"petition:{petition.pk}", active=True).values_list("user_id", flat=True)
    )
    assert followers == {informed.pk}
    assert Follow.objects.get(user=informed).automatic is True


def test_a_signature_without_keep_informed_queues_no_task(
    petition, django_capture_on_commit_callbacks, settings, monkeypatch
):
    """Nothing follows from such a signature, so the signing path writes no task row for it."""
    from notifications import tasks

    settings.PETITION_SIGN_RATE_LIMITS = ()
    queued = []
    fake_task = type("FakeTask", (), {"enqueue": staticmethod(lambda name, payload: queued.append((name, payload)))})
    monkeypatch.setattr(tasks, "deliver_event", fake_task)
    with django_capture_on_commit_callbacks(execute=True):
        petition_services.sign_petition(make_citizen("L2"), petition, "capital", keep_informed=False)
    assert [name for name, _ in queued if name == "petition.signed"] == []
    with django_capture_on_commit_callbacks(execute=True):
        petition_services.sign_petition(make_citizen("L2"), petition, "capital", keep_informed=True)
    assert [name for name, _ in queued if name == "petition.signed"] == ["petition.signed"]


def test_creating_a_petition_follows_it_and_a_target_unfollowed_is_not_followed_again(
    authority, django_capture_on_commit_callbacks
):
    author = make_citizen("L2")
    with django_capture_on_commit_callbacks(execute=True):
        petition = petition_services.create_petition(author, authority, "Parks", "<p>More parks.</p>")
    target = f"petition:{petition.pk}"
    assert Follow.objects.filter(user=author, target=target, active=True).exists()

    Follow.objects.filter(user=author, target=target).update(active=False)
    services.deliver(
        "comment.created",
        {
            "comment_id": 0,
            "author_id": author.pk,
            "target": "petition",
            "target_id": petition.pk,
            "parent_author_id": None,
            "is_official": False,
        },
    )
    assert not Follow.objects.filter(user=author, target=target, active=True).exists()


def test_a_reply_notifies_the_parent_comment_author_but_not_someone_replying_to_themselves(petition):
    first, replier = make_citizen("L1"), make_citizen("L1")
    parent = Comment.objects.create(petition=petition, author=first, body="<p>Yes</p>")
    reply = Comment.objects.create(petition=petition, author=replier, body="<p>No</p>", parent=parent, depth=2)
    own = Comment.objects.create(petition=petition, author=first, body="<p>Also</p>", parent=parent, depth=2)
    payload = {"author_id": replier.pk, "target": "petition", "target_id": petition.pk, "is_official": False}

    services.deliver("comment.created", {**payload, "comment_id": reply.pk, "parent_author_id": first.pk})
    services.deliver(
        "comment.created", {**payload, "comment_id": own.pk, "author_id": first.pk, "parent_author_id": first.pk}
    )

    (row,) = rows_for(first)
    assert row.kind == "comment.reply"
    assert row.url_en.endswith(f"#comment-{reply.pk}")
    assert rows_for(replier) == []
    # Commenting follows what was commented on.
    assert Follow.objects.filter(user=replier, target=f"petition:{petition.pk}").exists()


def test_moderation_tells_the_author_in_both_languages(authority, django_capture_on_commit_callbacks):
    from django.contrib.auth.models import Permission

    author = make_citizen("L2")
    staff = make_citizen("L2")
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["change_petition"]))
    petition = make_petition(author, authority, state=Petition.State.AWAITING_MODERATION, title="Bus lanes")
    with django_capture_on_commit_callbacks(execute=True):
        petition_services.moderate_petition(staff, petition, "reject", reason="Duplicate of another petition")
    (row,) = rows_for(author)
    assert row.kind == "petition.moderated"
    assert "Bus lanes" in row.text_en and "Duplicate of another petition" in row.text_en
    assert "Bus lanes" in row.text_ar and "Duplicate of another petition" in row.text_ar


def test_texts_are_rendered_once_in_each_language():
    from django.utils.translation import get_language

    assert registry.bilingual(lambda: f"in {get_language()}") == {"ar": "in ar", "en": "in en"}


def test_the_event_only_enqueues_a_task_when_a_worker_runs_them(petition, django_capture_on_commit_callbacks):
    """With a worker backend, the request that emits the event writes no notification row itself."""
    for _ in range(5):
        follow(make_citizen("L1"), f"petition:{petition.pk}")
    dummy = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    with override_settings(TASKS=dummy):
        from django_tasks import task_backends

        with django_capture_on_commit_callbacks(execute=True):
            events.emit("petition.responded", petition_id=petition.pk)
        enqueued = [result for result in task_backends["default"].results if result.task.name == "deliver_event"]
    assert Notification.objects.count() == 0
    assert len(enqueued) == 1 and enqueued[0].args == ["petition.responded", {"petition_id": petition.pk}]


def test_randomised_many_people_many_events_each_gets_exactly_their_own(authority, client):
    """Random follows over many petitions, random events: every person's inbox (through the API) holds
    exactly the notifications of the petitions they follow or wrote, and nothing of anyone else's."""
    rng = random.Random(20260)
    people = [make_citizen("L1") for _ in range(30)]
    petitions = [make_petition(rng.choice(people), authority, title=f"Petition {n}") for n in range(8)]
    follows = {person.pk: set() for person in people}
    for person in people:
        for petition in rng.sample(petitions, rng.randint(0, 4)):
            follow(person, f"petition:{petition.pk}")
            follows[person.pk].add(petition.pk)
    for petition in petitions:
        follows[petition.author_id].add(petition.pk)  # the author is told of a response too

    responded = rng.sample(petitions, 5)
    for petition in responded:
        services.deliver("petition.responded", {"petition_id": petition.pk})

    responded_ids = {petition.pk for petition in responded}
    for person in people:
        client.force_login(person)
        body = client.get("/api/v1/notifications/?limit=100").json()
        got = sorted(int(item["target"].split(":")[1]) for item in body["results"])
        assert got == sorted(follows[person.pk] & responded_ids)
        own_ids = set(Notification.objects.filter(recipient=person).values_list("pk", flat=True))
        assert {item["id"] for item in body["results"]} == own_ids


def test_kinds_are_declared_by_the_app_that_owns_the_events():
    keys = {kind.key for kind in registry.kinds()}
    assert {"comment.reply", "petition.responded", "petition.moderated", "poll.results_available"} <= keys
    assert NotificationPreference.objects.count() == 0


def test_the_database_worker_runs_the_fan_out(petition, django_capture_on_commit_callbacks, monkeypatch):
    """Production's layout: the event stores a task row; `manage.py db_worker` writes the notifications."""
    # The worker closes "old" connections between tasks; here that would be the test's own transaction.
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    person = make_citizen("L1")
    follow(person, f"petition:{petition.pk}")
    database = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with override_settings(TASKS=database):
        with django_capture_on_commit_callbacks(execute=True):
            events.emit("petition.responded", petition_id=petition.pk)
        assert DBTaskResult.objects.filter(task_path="notifications.tasks.deliver_event").count() == 1
        assert not Notification.objects.filter(recipient=person).exists()
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    assert Notification.objects.filter(recipient=person, kind="petition.responded").count() == 1
    assert DBTaskResult.objects.get(task_path="notifications.tasks.deliver_event").status == "SUCCESSFUL"


def test_the_pipelined_publish_runs_only_on_the_channels_redis_releases_it_knows():
    from importlib.metadata import version

    from notifications import push

    assert push.supports_pipelining("4.3.0") and push.supports_pipelining("4.2.1")
    assert not push.supports_pipelining("5.0.0") and not push.supports_pipelining("4.4.0")
    assert not push.supports_pipelining("garbage")
    # The pinned release must be one of them: bumping it means checking publish_all's use of its internals.
    assert push.supports_pipelining(version("channels-redis")), "re-check notifications.push.publish_all"
