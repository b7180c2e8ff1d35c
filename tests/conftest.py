import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every test starts from the demo catalogue, loaded once per run (each test's changes roll back)."""
    with django_db_blocker.unblock():
        call_command("load_demo", no_progress=True, stdout=open("/dev/null", "w"))


@pytest.fixture
def small_catalogue():
    return json.loads((FIXTURES / "catalogue-small.json").read_text(encoding="utf-8"))


@pytest.fixture
def on_services():
    """True when the suite runs on PostgreSQL and Redis."""
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
