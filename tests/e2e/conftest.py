"""A real browser (Debian's Chromium, driven by Playwright) against pytest-django's live server.

The tests need /usr/bin/chromium (`make e2e-setup` installs it; E2E_CHROMIUM names another). Without it they skip,
unless E2E_REQUIRED=1 (CI, `make e2e`), which makes a missing browser an error. Playwright's own browser downloads
are never used. Screenshots of the key pages go to test-artifacts/screenshots/ for review."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"
REQUIRED = os.environ.get("E2E_REQUIRED", "").lower() in ("1", "true", "yes")


def _missing():
    try:
        import axe_playwright_python  # noqa: F401
        import playwright  # noqa: F401
    except ImportError:
        return "Playwright and axe-playwright-python are not installed (requirements-dev.txt)"
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"no Chromium at {CHROMIUM}: run `make e2e-setup` (installs Debian's chromium) or set E2E_CHROMIUM"
    return None


def pytest_collection_modifyitems(config, items):
    reason = _missing()
    if reason is None:
        return
    if REQUIRED:
        raise pytest.UsageError(f"E2E_REQUIRED is set but the end-to-end tests cannot run: {reason}")
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.skip(reason=reason))


def demo_is_intact():
    from cms.models import Authority, ServicePage

    return Authority.objects.filter(code="MSAL").exists() and ServicePage.objects.live().exists()


def prepare_demo():
    """The demo content, loaded again when a transactional test elsewhere in the session emptied the database (and
    with it what the migrations put there: the page tree's root, the root collection, the action policy), and the
    participation demo (a consultation, two polls: load_participation_demo adds only what is missing)."""
    from django.core.management import call_command

    if not demo_is_intact():
        _load_demo()
    with open(os.devnull, "w") as devnull:
        call_command("load_participation_demo", stdout=devnull)


def _load_demo():
    from django.contrib.contenttypes.models import ContentType
    from django.core.management import call_command
    from wagtail.models import Collection, Locale, Page

    from identity.models import DEFAULT_MIN_LEVELS, ActionPolicy

    if not Page.objects.filter(depth=1).exists():
        arabic, _created = Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)
        page_type = ContentType.objects.get_for_model(Page)
        Page.add_root(instance=Page(title="Root", slug="root", locale=arabic, content_type=page_type))
    if not Collection.objects.exists():
        Collection.add_root(name="Root")
    for action, level in DEFAULT_MIN_LEVELS.items():
        ActionPolicy.objects.get_or_create(action=action, defaults={"min_level": level})
    with open(os.devnull, "w") as devnull:
        call_command("load_demo", no_progress=True, stdout=devnull)


@pytest.fixture(scope="session")
def portal(django_db_setup, django_db_blocker):
    """The demo portal served by a live server thread for the whole browser run.

    Not pytest-django's live_server: that makes every test transactional, and the database is emptied after each
    one. These tests carry no django_db mark, so pytest-django runs them after the database tests; they commit what
    they create and share the demo. Run on their own (`make e2e`), no other test asked for a test database, so
    this fixture makes it."""
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases
    from pytest_django.live_server_helper import LiveServer

    with django_db_blocker.unblock():
        name = str(connection.settings_dict["NAME"])
        own_database = None
        if not (name.startswith("test_") or "memory" in name):
            own_database = setup_databases(
                verbosity=0, interactive=False, aliases={"default"}, serialized_aliases=set()
            )
        prepare_demo()
        server = LiveServer("localhost")
    server._live_server_modified_settings.enable()
    yield server
    server._live_server_modified_settings.disable()
    server.stop()
    if own_database is not None:
        with django_db_blocker.unblock():
            teardown_databases(own_database, verbosity=0)


@pytest.fixture
def site(portal, django_db_blocker, settings):
    """The live portal, with the rate limits and the petition count lag off so that a test sees its own signature.
    The test itself may read and write the database (its writes are committed: the server thread sees them)."""
    settings.PETITION_SIGN_RATE_LIMITS = ()
    settings.PETITION_COUNT_LAG_SECONDS = 0
    settings.PARTICIPATION_RATE_LIMITS = {"vote": (), "comment": (), "flag": ()}
    settings.POLL_RESULTS_LAG_SECONDS = 0
    with django_db_blocker.unblock():
        yield portal


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread, and Django refuses database calls while one runs.
    # The test's own queries are synchronous all the same: allow them while the browser is open, and no longer.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-background-networking"]
            )
            yield browser
            browser.close()
            # Queries made while the browser's event loop ran used connections of their own: close them too.
            connections.close_all()
    finally:
        if previous is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class BrowserPage:
    """A page in a fresh browser context that records what the Content-Security-Policy blocked and every
    request that left the live server's origin."""

    def __init__(self, browser, base_url):
        self.base_url = base_url
        self.context = browser.new_context(base_url=base_url, locale="ar-KW")
        self.page = self.context.new_page()
        self.csp_violations = []
        self.foreign_requests = []
        self.page.on("console", self._on_console)
        self.page.on("request", self._on_request)

    def _on_console(self, message):
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.csp_violations.append(message.text)

    def _on_request(self, request):
        if not request.url.startswith((self.base_url, "data:", "about:")):
            self.foreign_requests.append(request.url)

    def sign_in(self, user):
        from django.test import Client

        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        self.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": self.base_url}])

    def high_contrast(self):
        self.context.add_cookies([{"name": "portal_contrast", "value": "high", "url": self.base_url}])

    def screenshot(self, name):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    def close(self):
        self.context.close()


@pytest.fixture
def open_page(browser, site):
    pages = []

    def open_page():
        page = BrowserPage(browser, site.url)
        pages.append(page)
        return page

    yield open_page
    for page in pages:
        assert page.csp_violations == [], page.csp_violations
        assert page.foreign_requests == [], page.foreign_requests
        page.close()
