import pytest
from allauth.account.models import EmailAddress
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.core import mail
from django.core.management import call_command

from notifications import emails, push, services
from notifications.models import Follow, Notification, NotificationSettings

from .conftest import follow, make_citizen

pytestmark = pytest.mark.django_db


def respond(petition, capture):
    with capture(execute=True):
        services.deliver("petition.responded", {"petition_id": petition.pk})


def test_an_immediate_email_has_both_languages_and_a_one_click_unsubscribe(
    client, petition, django_capture_on_commit_callbacks
):
    person = make_citizen("L1")
    follow(person, f"petition:{petition.pk}")
    respond(petition, django_capture_on_commit_callbacks)

    sent = [message for message in mail.outbox if message.to == [person.email]]
    assert len(sent) == 1
    message = sent[0]
    assert "Longer opening hours" in message.body
    assert "----" in message.body and "/ar/participate/" in message.body and "/en/participate/" in message.body
    html = message.alternatives[0][0]
    assert 'lang="ar"' in html and 'lang="en"' in html
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert Notification.objects.get(recipient=person).emailed_at is not None

    path = link.split("testserver", 1)[1]
    assert client.get(path).status_code == 200  # a GET (a mail scanner) changes nothing
    assert services.channels_for(person, "petition.responded") == (True, True)
    assert (
        client.post(path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded").status_code
        == 200
    )
    assert services.channels_for(person, "petition.responded") == (True, False)


def test_a_forged_unsubscribe_link_is_refused(client):
    person = make_citizen("L1")
    token = emails.unsubscribe_token(person.pk, "petition.responded")
    response = client.post(f"/en/notifications/unsubscribe/{token[:-2]}xx/")
    assert response.status_code == 400
    assert "This link is not valid" in response.content.decode()
    assert services.channels_for(person, "petition.responded") == (True, True)


def test_the_daily_digest_sends_one_email_with_everything_pending(
    petition, authority, django_capture_on_commit_callbacks
):
    person = make_citizen("L1")
    NotificationSettings.objects.create(user=person, email_frequency="daily")
    services.set_channels(person, "petition.threshold_reached", in_app=True, email=True)
    follow(person, f"petition:{petition.pk}")
    respond(petition, django_capture_on_commit_callbacks)
    services.deliver("petition.threshold_reached", {"petition_id": petition.pk, "threshold": "response", "count": 9})
    assert [m for m in mail.outbox if m.to == [person.email]] == []

    call_command("send_notification_digest", stdout=open("/dev/null", "w"))
    call_command("send_notification_digest", stdout=open("/dev/null", "w"))  # nothing left: nothing sent twice

    (digest,) = [m for m in mail.outbox if m.to == [person.email]]
    assert "government responded" in digest.body and "reached 9 signatures" in digest.body
    assert not Notification.objects.filter(recipient=person, email_pending=True).exists()


def test_no_email_without_a_verified_address(petition, django_capture_on_commit_callbacks):
    person = make_citizen("L1")
    EmailAddress.objects.filter(user=person).update(verified=False)
    follow(person, f"petition:{petition.pk}")
    respond(petition, django_capture_on_commit_callbacks)
    assert [m for m in mail.outbox if m.to == [person.email]] == []


def test_the_inbox_page_lists_marks_read_and_unfollows(client, petition):
    person = make_citizen("L1")
    follow(person, f"petition:{petition.pk}")
    services.deliver("petition.responded", {"petition_id": petition.pk})
    row = Notification.objects.get(recipient=person)
    client.force_login(person)

    page = client.get("/en/notifications/")
    html = page.content.decode()
    assert page.status_code == 200
    assert row.text_en in html and "Longer opening hours" in html
    # The live script once (base.html loads it): a second copy would open a second socket and count twice.
    assert html.count("notifications/live.js") == 1 and "<script>" not in html

    assert client.post(f"/en/notifications/{row.pk}/read/").status_code == 302
    row.refresh_from_db()
    assert row.read_at is not None
    client.post("/en/notifications/unfollow/", {"target": f"petition:{petition.pk}"})
    assert Follow.objects.get(user=person).active is False


def test_the_preferences_form_keeps_input_and_shows_errors(client):
    person = make_citizen("L1")
    client.force_login(person)
    bad = client.post("/en/notifications/preferences/", {"email_frequency": "hourly", "in_app__comment.reply": "on"})
    assert bad.status_code == 400
    assert "Choose how often to receive e-mails." in bad.content.decode()
    good = client.post(
        "/en/notifications/preferences/", {"email_frequency": "daily", "in_app__comment.reply": "on", "auto_follow": ""}
    )
    assert good.status_code == 302
    assert services.channels_for(person, "comment.reply") == (True, False)
    assert services.channels_for(person, "petition.responded") == (False, False)
    chosen = NotificationSettings.objects.get(user=person)
    assert chosen.email_frequency == "daily" and chosen.auto_follow is False


def test_a_petition_counter_is_pushed_at_most_once_per_interval(petition, settings):
    settings.NOTIFICATIONS_COUNTER_INTERVAL = 0.5
    layer = get_channel_layer()
    key = f"petition:{petition.pk}"

    async def watch():
        channel = await layer.new_channel()
        await layer.group_add(push.counter_group(key), channel)
        return channel

    async def scenario():
        import asyncio

        # One event loop throughout: on the pub/sub layer a subscription lives as long as its loop's connection.
        channel = await watch()
        await sync_to_async(lambda: [push.counter_changed(key) for _ in range(5)])()
        got = []
        try:
            while True:
                got.append(await asyncio.wait_for(layer.receive(channel), timeout=1.5))
        except TimeoutError:
            return got

    got = async_to_sync(scenario)()
    assert 1 <= len(got) <= 2  # the first at once, at most one more at the end of the interval
    assert all(message == {"type": "counter.update", "counter": key, "value": 0} for message in got)
