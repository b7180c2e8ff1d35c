"""Real concurrent requests against PostgreSQL: one ballot per person holds when the same person's ballot
requests race, and racing replacements leave one whole ballot, never a mix of two."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.test import Client
from django.utils import timezone
from wagtail.models import Page

from cms.models import Authority, HomePage
from cms.services import ensure_locales
from participation.models import Ballot, BallotChoice, ParticipationIndexPage, PollOption, PollPage

from .conftest import make_citizen

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def make_poll(kind):
    """The page tree from scratch: a transactional test starts from an emptied database."""
    locale = ensure_locales()["ar"]
    root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root", locale=locale))
    home = HomePage(title="الرئيسية", slug="home-concurrency", locale=locale)
    root.add_child(instance=home)
    index = ParticipationIndexPage(title="المشاركة الأهلية", slug="participate", locale=locale)
    home.add_child(instance=index)
    authority = Authority.objects.create(code="POLLC", name="جهة الاختبار", locale=locale)
    now = timezone.now()
    poll = PollPage(
        title="استطلاع التزامن",
        slug="poll",
        locale=locale,
        authority=authority,
        summary="استطلاع",
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=1),
        kind=kind,
        options=[PollOption(key=key, label=key.upper()) for key in "abc"],
    )
    index.add_child(instance=poll)
    poll.save_revision().publish()
    return poll


def race(clients, url, bodies):
    start = threading.Barrier(len(clients))
    statuses = [None] * len(clients)

    def send(index):
        try:
            start.wait()
            response = clients[index].post(url, bodies[index], content_type="application/json")
            statuses[index] = response.status_code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(index,)) for index in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def logged_in_clients(user, count):
    clients = []
    for _ in range(count):
        client = Client()
        client.force_login(user)
        clients.append(client)
    return clients


def test_twenty_identical_ballot_requests_leave_exactly_one_ballot(settings):
    settings.PARTICIPATION_RATE_LIMITS = {"vote": ()}
    poll = make_poll("single")
    clients = logged_in_clients(make_citizen("L1"), 20)
    statuses = race(clients, f"/api/v1/polls/{poll.pk}/votes/", [{"choices": [{"option": "b"}]}] * 20)
    assert sorted(statuses) == [200] * 19 + [201]
    assert Ballot.objects.filter(poll=poll).count() == 1
    assert list(BallotChoice.objects.values_list("option__key", flat=True)) == ["b"]


def test_racing_replacements_leave_one_whole_ranking(settings):
    settings.PARTICIPATION_RATE_LIMITS = {"vote": ()}
    poll = make_poll("ranked")
    clients = logged_in_clients(make_citizen("L1"), 20)
    first = {"choices": [{"option": "a", "rank": 1}, {"option": "b", "rank": 2}]}
    second = {"choices": [{"option": "c", "rank": 1}, {"option": "a", "rank": 2}, {"option": "b", "rank": 3}]}
    statuses = race(clients, f"/api/v1/polls/{poll.pk}/votes/", [first, second] * 10)
    assert sorted(statuses) == [200] * 19 + [201]
    ballot = Ballot.objects.get(poll=poll)
    stored = list(BallotChoice.objects.filter(ballot=ballot).order_by("rank").values_list("option__key", flat=True))
    assert stored in (["a", "b"], ["c", "a", "b"])


def test_twenty_citizens_voting_at_once_each_get_their_ballot(settings):
    settings.PARTICIPATION_RATE_LIMITS = {"vote": ()}
    poll = make_poll("single")
    clients = [logged_in_clients(make_citizen("L1"), 1)[0] for _ in range(20)]
    statuses = race(clients, f"/api/v1/polls/{poll.pk}/votes/", [{"choices": [{"option": "a"}]}] * 20)
    assert statuses == [201] * 20
    assert Ballot.objects.filter(poll=poll).count() == 20
    assert not PollPage.objects.filter(pk=poll.pk, options__isnull=True).exists()
