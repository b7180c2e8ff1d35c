import pytest
from django.core.management import call_command
from django.test import override_settings


@pytest.fixture(scope="session")
def search_index(django_db_setup, django_db_blocker):
    """The demo catalogue in the database engine's index, built once per run (each test's changes roll
    back). Loading the demo indexes it already, through the page events; rebuilding here makes the tests
    independent of how the test database was made (e.g. --reuse-db)."""
    with django_db_blocker.unblock(), override_settings(ELASTICSEARCH_URL=None):
        call_command("search_reindex", no_progress=True, stdout=open("/dev/null", "w"))


@pytest.fixture(autouse=True)
def _index_for_database_tests(request):
    # Only tests that use the database ask for it: a run of database-free tests sets up no test database,
    # and must not touch the configured one.
    if request.node.get_closest_marker("django_db"):
        request.getfixturevalue("search_index")


@pytest.fixture(autouse=True)
def database_engine(settings):
    """These tests exercise the database engine even when ELASTICSEARCH_URL is set for the live suite
    (test_elasticsearch_live.py), which uses an engine of its own."""
    settings.ELASTICSEARCH_URL = None


@pytest.fixture
def search(client):
    """GET /api/v1/search/ with these parameters; returns the response."""

    def get(**params):
        return client.get("/api/v1/search/", params)

    return get


@pytest.fixture
def suggest(client):
    def get(**params):
        return client.get("/api/v1/search/suggest/", params)

    return get
