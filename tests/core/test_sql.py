"""core/sql.py: hand-written statements give the same instances the ORM gives, and write only what they say."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from core import sql
from notifications.models import Follow

pytestmark = pytest.mark.django_db


@pytest.fixture
def person():
    user = get_user_model().objects.create_user("sql-person", "sql@example.org", "a long pass phrase 2026")
    user.last_login = timezone.now() - timedelta(hours=3)
    user.save(update_fields=["last_login"])
    return user


def test_an_instance_from_sql_equals_the_one_the_orm_loads(person):
    User = get_user_model()
    names = [field.name for field in User._meta.concrete_fields]
    row = sql.fetch_one(
        f"SELECT {sql.columns(User, names)} FROM {sql.table(User)} WHERE {sql.columns(User, ['id'])} = %s", [person.pk]
    )
    loaded = sql.instance(User, names, row)
    expected = User.objects.get(pk=person.pk)
    for field in User._meta.concrete_fields:
        assert getattr(loaded, field.attname) == getattr(expected, field.attname), field.name
    # Converted as the ORM converts them, on SQLite too: aware datetimes and real booleans.
    assert timezone.is_aware(loaded.last_login) and timezone.is_aware(loaded.date_joined)
    assert loaded.is_active is True and loaded.is_staff is False
    assert loaded._state.adding is False and loaded._state.db == "default"


def test_an_instance_from_some_fields_defers_the_others_in_any_order(person):
    User = get_user_model()
    row = sql.fetch_one(
        f"SELECT {sql.columns(User, ['email', 'id', 'username'])} FROM {sql.table(User)} "
        f"WHERE {sql.columns(User, ['id'])} = %s",
        [person.pk],
    )
    loaded = sql.instance(User, ["email", "id", "username"], row)
    assert (loaded.pk, loaded.username, loaded.email) == (person.pk, "sql-person", "sql@example.org")
    assert loaded.get_deferred_fields() >= {"password", "last_login"}


def test_insert_writes_one_row_and_returns_its_key(person):
    at = timezone.now()
    pk = sql.insert(
        Follow, {"user_id": person.pk, "target": "petition:1", "active": True, "automatic": True, "created_at": at}
    )
    row = Follow.objects.get(pk=pk)
    assert (row.user_id, row.target, row.active, row.automatic, row.created_at) == (
        person.pk,
        "petition:1",
        True,
        True,
        at,
    )


def test_insert_refused_by_a_unique_constraint_raises_or_is_skipped_when_asked(person):
    values = {
        "user_id": person.pk,
        "target": "petition:2",
        "active": False,
        "automatic": False,
        "created_at": timezone.now(),
    }
    first = sql.insert(Follow, values)
    with pytest.raises(IntegrityError), transaction.atomic():
        sql.insert(Follow, {**values, "active": True})
    assert sql.insert(Follow, {**values, "active": True}, ignore_conflicts=True) is None
    assert list(Follow.objects.filter(user=person).values_list("pk", "active")) == [(first, False)]


def test_insert_only_if_writes_nothing_when_the_condition_fails(person):
    values = {
        "user_id": person.pk,
        "target": "petition:3",
        "active": True,
        "automatic": True,
        "created_at": timezone.now(),
    }
    assert sql.insert(Follow, values, only_if=("1 = %s", [0])) is None
    assert not Follow.objects.filter(user=person).exists()
    assert sql.insert(Follow, values, only_if=("1 = %s", [1])) is not None
    assert Follow.objects.filter(user=person, target="petition:3").count() == 1


def test_fits_says_whether_a_number_fits_an_integer_column():
    User = get_user_model()
    assert sql.fits(User, "id", 1) and sql.fits(User, "id", -(2**31))
    assert not sql.fits(User, "id", 2**63) and not sql.fits(User, "id", 10**30)  # too large for any integer column
    assert sql.fits(User, "username", 10**30)  # not an integer column: nothing to check
