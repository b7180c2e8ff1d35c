import pytest

from notifications import services
from notifications.models import Follow, Notification

from .conftest import follow, make_citizen

pytestmark = pytest.mark.django_db


def make_rows(user, count, **fields):
    return [
        Notification.objects.create(
            recipient=user,
            kind="petition.responded",
            target="petition:1",
            text_ar=f"نص {n}",
            text_en=f"text {n}",
            dedupe_key=f"test:{user.pk}:{n}:{fields.get('in_app', True)}",
            **fields,
        )
        for n in range(count)
    ]


def test_the_inbox_pages_with_a_cursor_newest_first_in_the_request_language(client):
    person = make_citizen("L1")
    rows = make_rows(person, 5)
    make_rows(make_citizen("L1"), 3)  # someone else's
    client.force_login(person)

    first = client.get("/api/v1/notifications/?limit=2", HTTP_ACCEPT_LANGUAGE="en").json()
    assert [item["id"] for item in first["results"]] == [rows[4].pk, rows[3].pk]
    assert first["results"][0]["text"] == "text 4"
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()
    assert [item["id"] for item in second["results"] + third["results"]] == [rows[2].pk, rows[1].pk, rows[0].pk]
    assert third["next"] is None


def test_a_forged_cursor_is_a_clear_404_and_a_hidden_email_only_row_is_not_listed(client):
    person = make_citizen("L1")
    make_rows(person, 1)
    make_rows(person, 1, in_app=False, email_pending=True)
    client.force_login(person)
    response = client.get("/api/v1/notifications/?cursor=forged!!", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid cursor", "code": "not_found"}
    assert len(client.get("/api/v1/notifications/").json()["results"]) == 1


def test_mark_read_unread_all_and_the_unread_count(client):
    person = make_citizen("L1")
    rows = make_rows(person, 3)
    client.force_login(person)
    assert client.get("/api/v1/notifications/unread-count").json() == {"unread": 3}

    assert client.post(f"/api/v1/notifications/{rows[0].pk}/read").status_code == 204
    assert client.get("/api/v1/notifications/unread-count").json() == {"unread": 2}
    unread = client.get("/api/v1/notifications/?unread=1").json()["results"]
    assert {item["id"] for item in unread} == {rows[1].pk, rows[2].pk}

    assert client.delete(f"/api/v1/notifications/{rows[0].pk}/read").status_code == 204
    assert client.get("/api/v1/notifications/unread-count").json() == {"unread": 3}

    assert client.post("/api/v1/notifications/read-all").json() == {"unread": 0}
    assert not Notification.objects.filter(recipient=person, read_at__isnull=True).exists()


def test_someone_elses_notification_cannot_be_marked(client):
    owner, other = make_citizen("L1"), make_citizen("L1")
    (row,) = make_rows(owner, 1)
    client.force_login(other)
    response = client.post(f"/api/v1/notifications/{row.pk}/read", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    row.refresh_from_db()
    assert row.read_at is None


def test_anonymous_gets_403_everywhere(client):
    for url in ("/api/v1/notifications/", "/api/v1/notifications/unread-count", "/api/v1/subscriptions/"):
        assert client.get(url).status_code == 403


def test_follow_list_and_unfollow_a_petition(client, petition):
    person = make_citizen("L1")
    client.force_login(person)
    target = f"petition:{petition.pk}"

    created = client.post("/api/v1/subscriptions/", {"target": target}, content_type="application/json")
    assert created.status_code == 201
    assert created.json()["title"] == "Longer opening hours"
    listed = client.get("/api/v1/subscriptions/").json()
    assert [item["target"] for item in listed] == [target]

    assert client.delete(f"/api/v1/subscriptions/{target}/").status_code == 204
    assert client.get("/api/v1/subscriptions/").json() == []
    assert Follow.objects.get(user=person, target=target).active is False
    assert client.delete(f"/api/v1/subscriptions/{target}/").status_code == 404


def test_following_nonsense_or_something_that_does_not_exist_is_refused(client, authority):
    client.force_login(make_citizen("L1"))
    bad = client.post(
        "/api/v1/subscriptions/", {"target": "<script>"}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_target"
    missing = client.post("/api/v1/subscriptions/", {"target": "petition:999999"}, content_type="application/json")
    assert missing.status_code == 404 and missing.json()["code"] == "unknown_target"
    ministry = client.post(
        "/api/v1/subscriptions/", {"target": f"authority:{authority.code}"}, content_type="application/json"
    )
    assert ministry.status_code == 201
    assert Follow.objects.count() == 1


def test_preferences_per_kind_and_channel(client):
    person = make_citizen("L1")
    client.force_login(person)
    before = client.get("/api/v1/notification-preferences/").json()
    responded = next(item for item in before["kinds"] if item["kind"] == "petition.responded")
    assert responded["in_app"] is True and responded["email"] is True

    changed = client.patch(
        "/api/v1/notification-preferences/",
        {"email_frequency": "daily", "kinds": [{"kind": "petition.responded", "in_app": False, "email": False}]},
        content_type="application/json",
    )
    assert changed.status_code == 200
    assert changed.json()["email_frequency"] == "daily"
    assert services.channels_for(person, "petition.responded") == (False, False)


def test_a_bad_preference_changes_nothing(client):
    person = make_citizen("L1")
    client.force_login(person)
    response = client.patch(
        "/api/v1/notification-preferences/",
        {"email_frequency": "hourly", "kinds": [{"kind": "petition.responded", "in_app": False, "email": False}]},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["detail"].startswith("email_frequency:")
    unknown = client.patch(
        "/api/v1/notification-preferences/",
        {
            "kinds": [
                {"kind": "petition.responded", "in_app": False, "email": False},
                {"kind": "nope", "in_app": True, "email": True},
            ]
        },
        content_type="application/json",
    )
    assert unknown.status_code == 400 and unknown.json()["code"] == "unknown_kind"
    assert services.channels_for(person, "petition.responded") == (True, True)


@pytest.mark.parametrize("method", ["patch", "put"])
@pytest.mark.parametrize(
    "kinds, field",
    [
        ([{"kind": "petition.responded"}], "kinds.0.in_app"),
        ([{"kind": "petition.responded", "in_app": False, "email": False}, "x"], "kinds.1.non_field_errors"),
        ([{"kind": "petition.responded", "in_app": False, "email": False}, {"in_app": "maybe"}], "kinds.1.kind"),
        ([None], "kinds.0"),
        ("abc", "kinds.non_field_errors"),
    ],
)
def test_an_invalid_item_in_kinds_is_a_400_naming_it_and_changes_nothing(client, method, kinds, field):
    person = make_citizen("L1")
    client.force_login(person)
    response = getattr(client, method)(
        "/api/v1/notification-preferences/", {"kinds": kinds}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["field"] == field
    assert services.channels_for(person, "petition.responded") == (True, True)


def test_following_twice_keeps_one_row(client, petition):
    person = make_citizen("L1")
    follow(person, f"petition:{petition.pk}", active=False)
    client.force_login(person)
    client.post("/api/v1/subscriptions/", {"target": f"petition:{petition.pk}"}, content_type="application/json")
    client.post("/api/v1/subscriptions/", {"target": f"petition:{petition.pk}"}, content_type="application/json")
    assert Follow.objects.filter(user=person).count() == 1
    assert Follow.objects.get(user=person).active is True
