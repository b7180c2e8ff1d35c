"""A real browser (Debian's Chromium, driven by Playwright) against pytest-django's live server.

The tests need /usr/bin/chromium (`make e2e-setup` installs it; E2E_CHROMIUM names another). Without it they skip,
unless E2E_REQUIRED=1 (CI, `make e2e`), which makes a missing browser an error. Playwright's own browser downloads
are never used. Screenshots of the key pages go to test-artifacts/screenshots/ for review."""

import asyncio
import json
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings
from django.db import close_old_connections, connections

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
    participation and labour demos (a consultation, two polls; the labour dashboard: both add only what is missing)."""
    from django.core.management import call_command

    if not demo_is_intact():
        from tests.conftest import give_staff_a_second_factor

        _load_demo()
        give_staff_a_second_factor()  # the emptied database lost the staff's second factor with the rest
    with open(os.devnull, "w") as devnull:
        call_command("load_participation_demo", stdout=devnull)
        call_command("load_labour_demo", stdout=devnull)


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
        shared = connection.vendor == "sqlite" and connection.is_in_memory_db()
        if shared:
            serialize_calls(connection)
        server = LiveServer("localhost")
    server._live_server_modified_settings.enable()
    yield server
    server._live_server_modified_settings.disable()
    server.stop()
    if shared:
        unserialize_calls(connection)
    if own_database is not None:
        with django_db_blocker.unblock():
            teardown_databases(own_database, verbosity=0)


def serialize_calls(connection):
    """Make the one SQLite connection that the live server's request threads share with the test usable from
    several threads at once, by letting one thread at a time into it.

    pytest-django's live server hands Django's in-memory test database connection to every request thread (an
    in-memory database lives only in its connection). Python's sqlite3 module is not safe for that: a connection
    keeps one compiled statement per SQL text, and from Python 3.13 two threads running the same statement at the
    same moment make SQLite answer "bad parameter or other API misuse", which the server turns into a 500. Every
    call on the connection's cursors, and its commit and rollback, now holds one lock; SQLite sees the calls one
    after another, as from a single thread."""
    lock = threading.RLock()
    create_cursor = _holding(lock, connection.create_cursor)
    connection.create_cursor = lambda name=None: SerializedCursor(create_cursor(name), lock)
    connection._commit = _holding(lock, connection._commit)
    connection._rollback = _holding(lock, connection._rollback)


def _holding(lock, call):
    def run(*args, **kwargs):
        with lock:
            return call(*args, **kwargs)

    return run


def unserialize_calls(connection):
    for name in ("create_cursor", "_commit", "_rollback"):
        connection.__dict__.pop(name, None)


class SerializedCursor:
    """A database cursor whose every call holds the connection's lock (see serialize_calls). Rows are fetched one
    call at a time, so a long iteration lets other threads in between rows."""

    def __init__(self, cursor, lock):
        self._cursor = cursor
        self._lock = lock

    def __getattr__(self, name):
        value = getattr(self._cursor, name)
        return _holding(self._lock, value) if callable(value) else value

    def __iter__(self):
        while True:
            with self._lock:
                row = self._cursor.fetchone()
            if row is None:
                return
            yield row


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


class AsgiServer:
    """The same portal served over ASGI, as in production: uvicorn serving `portal.asgi` on a free port of
    127.0.0.1, in a thread of this process with an event loop of its own. pytest-django's live server speaks WSGI
    only, so the websocket (/ws/notifications/) needs this one.

    Being in this process is what makes it work on the embedded default: the in-memory channel layer and the inline
    tasks (a notification is pushed by the request that caused it) are this process's, the settings a test
    overrides are seen by the server, and the test database is reachable: on SQLite, Django's in-memory test
    database is a shared-cache URI that every connection opened in this process sees, and each request's thread
    opens its own. With DATABASE_URL and REDIS_URL it is an ordinary test database and the Redis channel layer."""

    def __init__(self):
        import socket

        import uvicorn

        from portal.asgi import application

        class Server(uvicorn.Server):
            def __init__(self, config):
                super().__init__(config)
                self.ready = threading.Event()

            async def startup(self, sockets=None):
                try:
                    await super().startup(sockets=sockets)
                finally:
                    self.ready.set()

        self.socket = socket.create_server(("127.0.0.1", 0))
        host, port = self.socket.getsockname()[:2]
        self.url = f"http://{host}:{port}"
        self.config = uvicorn.Config(application, lifespan="off", log_level="warning", timeout_graceful_shutdown=5)
        self.server = Server(self.config)
        self.thread = threading.Thread(target=self._run, name="e2e-asgi-server", daemon=True)
        self.thread.start()
        if not self.server.ready.wait(timeout=30) or not self.server.started:
            self.stop()
            raise RuntimeError("the ASGI server (uvicorn) did not start; its log says why")

    def _run(self):
        async def serve():
            asyncio.get_running_loop().set_default_executor(ClosingExecutor(thread_name_prefix="e2e-asgi-executor"))
            await self.server.serve(sockets=[self.socket])

        with asyncio.Runner(loop_factory=self.config.get_loop_factory()) as runner:
            runner.run(serve())

    def stop(self):
        """Stop serving and wait for the thread: open websockets are closed, the loop and its executor shut down."""
        self.server.should_exit = True
        self.thread.join(timeout=15)
        if self.thread.is_alive():
            self.server.force_exit = True
            self.thread.join(timeout=5)
        self.socket.close()
        assert not self.thread.is_alive(), "the ASGI server thread did not stop"


class ClosingExecutor(ThreadPoolExecutor):
    """The event loop's default executor, where Django runs what it does outside a request's own thread (an
    exception turned into the 404 or 500 page, which looks up the site and its theme): the database connections
    such a call opened are closed after it, as a request's are. Otherwise they stay open in the executor's threads
    and PostgreSQL refuses to drop the test database at the end."""

    def submit(self, fn, /, *args, **kwargs):
        return super().submit(_closing_connections, fn, *args, **kwargs)


def _closing_connections(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    finally:
        close_old_connections()


@pytest.fixture(scope="session")
def asgi_portal(portal):
    """The demo portal over ASGI (see AsgiServer), started when a test first needs a websocket and stopped at the
    end of the session, before the database goes."""
    server = AsgiServer()
    yield server
    server.stop()


@pytest.fixture
def live_site(site, asgi_portal):
    """Like `site` (rate limits and count lags off, the database open to the test), served over ASGI."""
    return asgi_portal


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
        self.sockets = []
        self.frames = []
        # The websocket of the same origin: http://host:port → ws://host:port (https → wss).
        self.socket_origin = "ws" + base_url.removeprefix("http")
        self.page.on("console", self._on_console)
        self.page.on("request", self._on_request)
        self.page.on("websocket", self._on_websocket)

    def _on_console(self, message):
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.csp_violations.append(message.text)

    def _same_origin(self, url):
        return url.startswith((self.base_url + "/", self.socket_origin + "/", "data:", "about:")) or url in (
            self.base_url,
            self.socket_origin,
        )

    def _on_request(self, request):
        if not self._same_origin(request.url):
            self.foreign_requests.append(request.url)

    def _on_websocket(self, socket):
        if not self._same_origin(socket.url):
            self.foreign_requests.append(socket.url)
        self.sockets.append(socket)
        # Registered as the socket appears, before any of its frames is dispatched: none is missed.
        socket.on("framereceived", self._on_frame)

    def _on_frame(self, payload):
        try:
            self.frames.append(json.loads(payload))
        except (TypeError, ValueError):
            self.frames.append({"type": None, "raw": payload})

    def wait_for_frame(self, predicate, timeout=10_000):
        """The first frame (a dict) this page's websockets received that satisfies `predicate`, waiting up to
        `timeout` milliseconds for the page's latest socket to receive it. Playwright's sync API dispatches events
        only while one of its calls runs, so nothing arrives between looking at the frames and waiting for more."""
        deadline = time.monotonic() + timeout / 1000
        seen = 0
        while True:
            for frame in self.frames[seen:]:
                if predicate(frame):
                    return frame
            seen = len(self.frames)
            left = (deadline - time.monotonic()) * 1000
            if left <= 0:
                raise AssertionError(f"no such websocket frame within {timeout} ms; received: {self.frames}")
            if self.sockets and not self.sockets[-1].is_closed():
                self.sockets[-1].wait_for_event("framereceived", timeout=left)
            else:
                self.page.wait_for_event("websocket", timeout=left)

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


def checked_pages(browser, base_url):
    """`open_page()` makes a BrowserPage; at the end each must have had no CSP violation and no foreign request."""
    pages = []

    def open_page():
        page = BrowserPage(browser, base_url)
        pages.append(page)
        return page

    yield open_page
    for page in pages:
        page.close()
    for page in pages:
        assert page.csp_violations == [], page.csp_violations
        assert page.foreign_requests == [], page.foreign_requests


@pytest.fixture
def open_page(browser, site):
    yield from checked_pages(browser, site.url)


@pytest.fixture
def open_live_page(browser, live_site):
    """open_page on the portal served over ASGI, where the websocket works: each call is another browser (a
    context of its own: its own cookies, its own session)."""
    yield from checked_pages(browser, live_site.url)
