"""The production layout's parts that live in the application: the client's address behind the proxies, and
the scheduler (deploy/, docs/operations.md)."""

import http.client
import http.server
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from core.management.commands.run_scheduler import due
from core.middleware import ClientAddressMiddleware


def address_seen(meta, header):
    seen = {}

    def view(request):
        seen["address"] = request.META["REMOTE_ADDR"]
        return HttpResponse()

    with override_settings(PORTAL_CLIENT_IP_HEADER=header):
        ClientAddressMiddleware(view)(RequestFactory().get("/", **meta))
    return seen["address"]


def test_the_proxy_header_gives_the_client_address_only_when_configured():
    meta = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_REAL_IP": "198.51.100.7"}
    assert address_seen(meta, "X-Real-IP") == "198.51.100.7"
    assert address_seen(meta, "") == "127.0.0.1"
    assert address_seen({"REMOTE_ADDR": "127.0.0.1", "HTTP_X_REAL_IP": "2001:db8::1"}, "X-Real-IP") == "2001:db8::1"


@pytest.mark.parametrize("value", ["", "not an address", "198.51.100.7, 10.0.0.1", "<script>"])
def test_a_header_that_is_not_one_address_is_ignored(value):
    assert address_seen({"REMOTE_ADDR": "127.0.0.1", "HTTP_X_REAL_IP": value}, "X-Real-IP") == "127.0.0.1"


def test_each_period_of_a_job_is_claimed_once():
    cache.clear()
    now = time.time()
    assert due("job", 60, now)
    assert not due("job", 60, now)  # a second scheduler in the same minute
    assert due("job", 60, now + 60)  # the next period
    assert due("other", 60, now)


@pytest.mark.django_db
@pytest.mark.django_db(
    transaction=True
)  # the scheduler closes stale connections between jobs, as it must outside a test
def test_the_scheduler_runs_every_job_once(settings, capsys):
    settings.PORTAL_SCHEDULE = [("expire", ["payments_expire"], 300), ("webhooks", ["payments_webhooks"], 60)]
    call_command("run_scheduler", "--once")
    out = capsys.readouterr().out
    assert "0 payment(s) and 0 bill(s) expired" in out
    assert "nothing due" in out


def test_every_scheduled_job_is_a_command():
    from django.core.management import get_commands

    commands = get_commands()
    for name, command, every in settings.PORTAL_SCHEDULE:
        assert command[0] in commands, name
        assert every >= 60


# --- The cache's rules (deploy/varnish/portal.vcl), against a stand-in for the portal ---------------------------

VARNISHD = shutil.which("varnishd") or ("/usr/sbin/varnishd" if os.path.exists("/usr/sbin/varnishd") else None)
BYPASS = "b" * 48


class StandIn(http.server.BaseHTTPRequestHandler):
    """Answers like the portal would: each answer numbered, with the Cache-Control its path names."""

    served = 0
    answers = {
        "/public": {"Cache-Control": "public, max-age=0, s-maxage=300"},
        "/ar/page/": {"Cache-Control": "public, max-age=0, s-maxage=300"},
        "/cookie": {"Cache-Control": "public, s-maxage=300", "Set-Cookie": "csrftoken=x; Path=/"},
        "/private": {"Cache-Control": "private, max-age=0"},
        "/none": {},
        "/healthz": {},
    }

    def do_GET(self):
        StandIn.served += 1
        body = str(StandIn.served).encode()
        self.send_response(200)
        for name, value in self.answers.get(self.path.split("?")[0], {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, *args):
        pass


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def varnish():
    if VARNISHD is None:
        pytest.skip("varnishd is not installed: `make run-prod` and `make smoke-prod` install Debian's varnish")
    backend = http.server.ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    threading.Thread(target=backend.serve_forever, daemon=True).start()
    workdir = tempfile.mkdtemp(prefix="portal-vcl-test-")
    os.chmod(workdir, 0o755)  # Varnish's child runs as its own user
    values = {
        "BACKENDS": f'backend web0 {{ .host = "127.0.0.1"; .port = "{backend.server_port}"; .probe = portal_health; }}',
        "DIRECTOR_MEMBERS": "portal.add_backend(web0);",
        "PURGERS": "",
        "SESSION_COOKIE": "sessionid",
        "BYPASS_TOKEN": BYPASS,
        "HEALTH_HOST": "127.0.0.1",
    }
    text = (Path(settings.BASE_DIR) / "deploy" / "varnish" / "portal.vcl").read_text()
    for name, value in values.items():
        text = text.replace(f"@{name}@", value)
    vcl = Path(workdir) / "portal.vcl"
    vcl.write_text(text)
    os.chmod(vcl, 0o644)
    port = free_port()
    process = subprocess.Popen(
        [VARNISHD, "-F", "-a", f"127.0.0.1:{port}", "-f", str(vcl), "-n", str(Path(workdir) / "n"), "-s", "malloc,32m"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(150):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if process.poll() is not None:
                    pytest.fail(f"varnishd exited: {process.stderr.read().decode()[-2000:]}")
                time.sleep(0.1)
        for _ in range(100):  # until the first probe has found the stand-in healthy
            if through(port, "/healthz")[0] == 200:
                break
            time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(10)
        backend.shutdown()
        shutil.rmtree(workdir, ignore_errors=True)


def through(port, path, method="GET", headers=None, source=None):
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=10, source_address=(source, 0) if source else None
    )
    try:
        connection.request(method, path, headers={"Host": "portal.test", **(headers or {})})
        response = connection.getresponse()
        return response.status, response.getheader("X-Cache"), response.read().decode()
    finally:
        connection.close()


def test_an_answer_marked_public_without_a_cookie_is_cached_until_purged(varnish):
    first = through(varnish, "/public")[2]
    assert through(varnish, "/public") == (200, "HIT", first)
    assert through(varnish, "/public", method="PURGE")[0] == 200
    status, state, body = through(varnish, "/public")
    assert (status, state) == (200, "MISS") and body != first


@pytest.mark.parametrize("path", ["/cookie", "/private", "/none"])
def test_an_answer_not_marked_public_or_setting_a_cookie_is_never_cached(varnish, path):
    first = through(varnish, path)
    second = through(varnish, path)
    assert second[1] == "PASS" and second[2] != first[2]


@pytest.mark.parametrize(
    "headers",
    [
        {"Cookie": "portal_language=ar; sessionid=abc"},
        {"Cookie": "sessionid=abc"},
        {"X-Session-Token": "abc"},
        {"Authorization": "Bearer abc"},
        {"X-Cache-Bypass": BYPASS},
    ],
)
def test_a_signed_in_request_is_never_answered_from_the_cache(varnish, headers):
    cached = through(varnish, "/public")[2]
    assert through(varnish, "/public")[1] == "HIT"
    status, _state, body = through(varnish, "/public", headers=headers)
    assert status == 200 and body != cached


def test_other_cookies_and_a_wrong_bypass_token_still_get_the_cached_page(varnish):
    cached = through(varnish, "/public")[2]
    assert through(varnish, "/public", headers={"Cookie": "csrftoken=x; messages_seen=1"})[2] == cached
    assert through(varnish, "/public", headers={"X-Cache-Bypass": "guess"})[2] == cached


def test_writes_pass_and_only_loopback_may_purge(varnish):
    through(varnish, "/public")
    assert through(varnish, "/public", method="POST")[1] == "PASS"
    assert through(varnish, "/public", method="PURGE", source="127.0.0.2")[0] == 405
    assert through(varnish, "/public")[1] == "HIT"


def test_a_purge_of_a_path_hides_every_query_string_of_it(varnish):
    listing = through(varnish, "/public?type=x&limit=20")[2]
    assert through(varnish, "/public?type=x&limit=20")[1] == "HIT"
    assert through(varnish, "/public", method="PURGE")[0] == 200
    status, state, body = through(varnish, "/public?type=x&limit=20")
    assert state == "MISS" and body != listing


def test_answers_vary_by_contrast_and_off_the_language_prefixes_by_language(varnish):
    page = through(varnish, "/ar/page/")[2]
    assert through(varnish, "/ar/page/", headers={"Accept-Language": "en", "Cookie": "portal_language=en"})[2] == page
    assert through(varnish, "/ar/page/", headers={"Cookie": "portal_contrast=high"})[2] != page
    api = through(varnish, "/public?v=1")[2]
    assert through(varnish, "/public?v=1")[2] == api
    assert through(varnish, "/public?v=1", headers={"Accept-Language": "en"})[2] != api
    assert through(varnish, "/public?v=1", headers={"Cookie": "portal_language=en"})[2] != api
