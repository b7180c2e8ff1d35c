import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from tests import factories

FIXTURES = Path(__file__).parent / "fixtures"
STAFF = ["admin", "approver", "msal.editor", "pam.editor", "moci.editor"]


@pytest.fixture(scope="session")
def demo(django_db_setup, django_db_blocker):
    """The demo catalogue (`load_demo`) and its staff with a second factor, loaded once per run when the first test
    that asks for it runs (each test's changes roll back). Most tests build what they need with tests/factories.py
    instead; a module that still needs the demo says `pytestmark = pytest.mark.usefixtures("demo")`, and runs after
    the database tests that do not (pytest_collection_modifyitems below), so that those see only what they made."""
    with django_db_blocker.unblock():
        call_command("load_demo", no_progress=True, stdout=open("/dev/null", "w"))
        give_staff_a_second_factor()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """After pytest-django's order (database tests, then transactional ones, then the rest), and keeping it: within
    each of those, the tests on the demo catalogue after the others, since the demo stays once it is loaded."""

    def group(item):
        marker = item.get_closest_marker("django_db")
        fixtures = getattr(item, "fixturenames", [])
        if (marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences"))) or (
            "transactional_db" in fixtures or "live_server" in fixtures
        ):
            return 1
        return 0 if marker or "db" in fixtures else 2

    items.sort(key=lambda item: (group(item), "demo" in getattr(item, "fixturenames", [])))


def give_staff_a_second_factor():
    """The demo staff get a second factor so that the tests of page permissions can use the admin (tests/identity
    covers the refusal without one). Those who have one keep it."""
    from django.contrib.auth import get_user_model

    for user in get_user_model().objects.filter(username__in=STAFF):
        factories.second_factor(user)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Database changes roll back after each test; the cache must not remember them either."""
    from django.core.cache import cache

    from core.cache import forget
    from notifications import push

    cache.clear()
    forget()
    push._scheduled_until.clear()
    yield
    cache.clear()
    forget()
    push._scheduled_until.clear()


@factories.per_module
def portal_site():
    """The home pages and the service catalogue in both languages, built once for the module that asks for them
    (`pytest.mark.usefixtures("portal_site")`) rather than by each of its tests."""
    return factories.portal_site()


@pytest.fixture
def small_catalogue():
    return json.loads((FIXTURES / "catalogue-small.json").read_text(encoding="utf-8"))


@pytest.fixture
def on_services():
    """True when the suite runs on PostgreSQL and Redis."""
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
