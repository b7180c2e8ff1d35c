import logging

import pytest
from django.db import transaction

from core import events
from tests.event_recorder import EventRecorder


@pytest.fixture
def received():
    """Subscribe a recorder to `test.happened` and `test.other` for one test."""
    with EventRecorder("test.happened", "test.other") as recorder:
        yield recorder.events


@pytest.mark.django_db
def test_subscribers_run_after_the_transaction_commits(received, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        events.emit("test.happened", petition_id=7)
        assert received == []  # not yet: the transaction is still open
    assert [(event.name, event.payload) for event in received] == [("test.happened", {"petition_id": 7})]


@pytest.mark.django_db
def test_subscribers_get_only_the_events_they_subscribed_to(received, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        events.emit("test.happened", n=1)
        events.emit("test.unheard", n=2)
        events.emit("test.other", n=3)
    assert [event.payload["n"] for event in received] == [1, 3]


@pytest.mark.django_db
def test_nothing_runs_for_a_change_that_is_rolled_back(received, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                events.emit("test.happened", n=1)
                raise RuntimeError("the write fails")
        except RuntimeError:
            pass
        events.emit("test.happened", n=2)
    assert len(callbacks) == 1
    assert [event.payload["n"] for event in received] == [2]


@pytest.mark.django_db
def test_a_failing_subscriber_is_logged_and_the_others_still_run(received, caplog, django_capture_on_commit_callbacks):
    def broken(event):
        raise ValueError("broken subscriber")

    events.subscribe("test.happened")(broken)
    try:
        with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
            events.emit("test.happened", n=1)
    finally:
        events.unsubscribe("test.happened", broken)
    assert [event.payload["n"] for event in received] == [1]
    assert "broken subscriber" in caplog.text


@pytest.mark.django_db
def test_subscribing_twice_delivers_once(received, django_capture_on_commit_callbacks):
    def record_again(event):
        received.append(event)

    events.subscribe("test.happened")(record_again)
    events.subscribe("test.happened")(record_again)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            events.emit("test.happened", n=1)
    finally:
        events.unsubscribe("test.happened", record_again)
    assert len(received) == 2  # the fixture's recorder and this one, once each
