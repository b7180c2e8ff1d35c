"""Real concurrent requests against PostgreSQL: identical comment votes store one vote, and a burst of
flags hides a comment exactly once."""

import threading

import pytest
from django.db import connection, connections
from django.test import Client

from participation.models import CommentVote, Flag, ModerationRecord

from .conftest import make_citizen

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def _comment():
    from wagtail.models import Locale

    from cms.models import Authority
    from participation.services import comments

    from .conftest import make_petition

    # Transactional tests start from an empty database once another has flushed it.
    locale, _created = Locale.objects.get_or_create(language_code="ar")
    authority = Authority.objects.create(code="CCMT", name="جهة الاختبار", locale=locale)
    return comments.post_comment(make_citizen("L1"), make_petition(make_citizen(), authority), "<p>تعليق</p>")


def _at_once(clients, send):
    start = threading.Barrier(len(clients))
    statuses = [None] * len(clients)

    def run(index):
        try:
            start.wait()
            statuses[index] = send(clients[index]).status_code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_twenty_identical_concurrent_votes_store_exactly_one(settings):
    settings.PARTICIPATION_RATE_LIMITS = {"vote": (), "comment": ()}
    comment = _comment()
    voter = make_citizen("L1")
    clients = [_client(voter) for _ in range(20)]
    statuses = _at_once(
        clients,
        lambda client: client.put(
            f"/api/v1/comments/{comment.pk}/votes/", {"value": "up"}, content_type="application/json"
        ),
    )
    assert statuses == [200] * 20
    assert list(CommentVote.objects.filter(comment=comment).values_list("user_id", "value")) == [(voter.pk, 1)]


def test_concurrent_flags_hide_a_comment_exactly_once(settings):
    settings.PARTICIPATION_RATE_LIMITS = {"flag": (), "comment": ()}
    settings.PARTICIPATION_AUTO_HIDE_FLAGS = 3
    comment = _comment()
    clients = [_client(make_citizen("L1")) for _ in range(10)]
    statuses = _at_once(
        clients,
        lambda client: client.post(
            f"/api/v1/comments/{comment.pk}/flags/", {"reason": "spam"}, content_type="application/json"
        ),
    )
    assert statuses == [201] * 10
    assert Flag.objects.filter(comment=comment).count() == 10
    comment.refresh_from_db()
    assert comment.state == "hidden"
    assert ModerationRecord.objects.filter(comment=comment, kind="auto_hidden").count() == 1
