import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

FIXTURES = Path(__file__).parent / "fixtures"
STAFF = ["admin", "approver", "msal.editor", "pam.editor", "moci.editor"]
STAFF_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every test starts from the demo catalogue, loaded once per run (each test's changes roll back)."""
    with django_db_blocker.unblock():
        from django.db import connection

        name = str(connection.settings_dict["NAME"])
        if not (name.startswith("test_") or "memory" in name):
            return  # no test in this run uses the database, so no test database exists: touch nothing
        call_command("load_demo", no_progress=True, stdout=open("/dev/null", "w"))
        give_staff_a_second_factor()


def give_staff_a_second_factor():
    """Staff must use a second factor to reach the admin; the demo staff get one so that the tests of page
    permissions can use the admin (tests/identity covers the refusal without one). Those who have one keep it."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP
    from django.contrib.auth import get_user_model

    for user in get_user_model().objects.filter(username__in=STAFF):
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, STAFF_TOTP_SECRET)


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


@pytest.fixture
def small_catalogue():
    return json.loads((FIXTURES / "catalogue-small.json").read_text(encoding="utf-8"))


@pytest.fixture
def on_services():
    """True when the suite runs on PostgreSQL and Redis."""
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
