"""Smoke test of the production layout (deploy/run-prod.sh), run by `make smoke-prod` and CI: exits 1 on any
failure. Through the proxy (nginx with TLS → Varnish → the application instances):

1. pages: the Arabic home page and a service page answer, and say whether Varnish served them from its cache;
2. a purge after publishing: a service page's new title is visible through the proxy within 1 s of the publish,
   and on every instance asked directly (so no instance keeps an old copy in a cache of its own), the portal
   itself sending the `PURGE` (wagtail.contrib.frontend_cache, FRONTEND_CACHE_PURGE_URL);
3. a websocket notification across instances: a citizen's sockets, one on the first instance's websocket
   server directly and one through nginx, receive the notification that a signature made on the second
   instance causes (the petition reaches its threshold: the task worker writes the notification, Redis
   carries the push);
4. a petition signature through the proxy, and the open petition's page served to visitors from the cache;
5. metrics summed over processes: requests made straight to the first instance's gunicorn (two workers in
   `make smoke-prod`) are all counted in its /metrics, whichever worker answers either, and its metrics folder
   holds the files of each worker (PORTAL_METRICS_DIR, prometheus-client's multiprocess mode).

It runs with the layout's environment (`eval "$(deploy/run-prod.sh env)"`) and prepares its citizens and its
petition with the ORM, then removes them. The publish is made here too (as the admin's publish would be, in a
process of the portal), then undone."""

import asyncio
import http.client
import json
import os
import random
import secrets
import ssl
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ORIGIN = os.environ["PROD_ORIGIN"]  # https://127.0.0.1:<port>
CACHE_URL = os.environ["PROD_CACHE_URL"]  # Varnish, where PURGE goes
BASE = int(os.environ.get("PROD_PORT_BASE", "8400"))
INSTANCES = int(os.environ.get("PROD_INSTANCES", "2"))
HOST = urlsplit(ORIGIN).netloc
TLS = ssl._create_unverified_context()  # the layout's certificate is self-signed

failures = []


def check(ok, what):
    print(f"  {'ok  ' if ok else 'FAIL'} {what}", flush=True)
    if not ok:
        failures.append(what)
    return ok


def web_port(instance):
    return BASE + 10 + 10 * instance


def ws_port(instance):
    return BASE + 11 + 10 * instance


def request(method, path, *, instance=None, headers=None, body=None, source=None):
    """One request through the proxy (instance None) or straight to an instance's gunicorn, as the proxy would
    send it. `source`: a loopback address to connect from, so that the client address differs between runs."""
    headers = {"Host": HOST, **(headers or {})}
    if instance is None:
        netloc = urlsplit(ORIGIN)
        connection = http.client.HTTPSConnection(
            netloc.hostname, netloc.port, context=TLS, timeout=30, source_address=(source, 0) if source else None
        )
    else:
        connection = http.client.HTTPConnection("127.0.0.1", web_port(instance), timeout=30)
        headers.setdefault("X-Forwarded-Proto", "https")
        headers.setdefault("X-Real-IP", f"198.51.100.{random.randint(1, 254)}")
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def headers_of(answer):
    return {name.lower(): value for name, value in answer[1].items()}


def setup_django():
    import django

    django.setup()


def pages():
    from cms.models import ServicePage

    print("1. pages through the proxy")
    status, headers, body = request("GET", "/ar/")
    check(status == 200 and 'lang="ar"' in body, f"/ar/ answers 200 in Arabic (got {status})")
    service = ServicePage.objects.live().filter(locale__language_code="ar").order_by("pk").first()
    if not check(service is not None, "the demo has an Arabic service page"):
        return None
    path = service.get_url_parts()[2]
    first = request("GET", path)
    second = request("GET", path)
    check(first[0] == 200 and second[0] == 200, f"{path} answers 200 (got {first[0]}, {second[0]})")
    cache_state = headers_of(second).get("x-cache", "?")
    check(
        cache_state.upper().startswith("HIT"),
        f"Varnish serves the anonymous page from its cache on the second request: {cache_state} "
        f"(Cache-Control: {headers_of(second).get('cache-control', 'none')})",
    )
    return service, path


def purges_the_proxy(settings):
    """Whether the portal sends PURGE to the HTTP cache itself (a frontend_cache HTTP backend is configured)."""
    backends = getattr(settings, "WAGTAILFRONTENDCACHE", None) or {}
    return any(conf.get("BACKEND", "").endswith("HTTPBackend") for conf in backends.values())


def purge_after_publish(service, path):
    from django.conf import settings

    print("2. a purge after publishing")
    portal_purges = purges_the_proxy(settings)
    original = service.title
    new_title = f"{original} {secrets.token_hex(3)}"
    request("GET", path)  # in Varnish, if the portal lets it be cached
    for instance in range(INSTANCES):  # and in each instance's own page cache, if it keeps one
        request("GET", path, instance=instance)
        request("GET", path, instance=instance)
    try:
        service.title = new_title
        revision = service.save_revision()
        revision.publish()
        published = time.perf_counter()
        check(portal_purges, "the portal purges the proxy itself (a frontend_cache HTTP backend is configured)")
        visible = None
        while time.perf_counter() - published < 5:
            # The title was changed on the live page object, published as a new revision.
            if new_title in request("GET", path)[2]:
                visible = time.perf_counter() - published
                break
            time.sleep(0.05)
        after = f"{visible:.2f} s" if visible is not None else "more than 5 s"
        check(visible is not None and visible <= 1.0, f"the new title visible through the proxy after {after} (≤ 1 s)")
        everywhere = all(new_title in request("GET", path)[2] for _ in range(2 * INSTANCES))
        check(everywhere, f"every one of {2 * INSTANCES} requests through the proxy shows it")
        for instance in range(INSTANCES):
            status, _headers, body = request("GET", path, instance=instance)
            check(status == 200 and new_title in body, f"instance {instance} asked directly shows it")
    finally:
        service.title = original
        service.save_revision().publish()
        if not portal_purges:
            purge(path)


def purge(path):
    netloc = urlsplit(CACHE_URL)
    connection = http.client.HTTPConnection(netloc.hostname, netloc.port, timeout=10)
    try:
        connection.request("PURGE", path, headers={"Host": HOST})
        status = connection.getresponse().status
    finally:
        connection.close()
    check(status == 200, f"Varnish accepts PURGE {path} from loopback (got {status})")


def citizen(prefix):
    """An L2 citizen (verified e-mail, national-ID grant) and a signed-in session key, made with the ORM."""
    from allauth.account.models import EmailAddress
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from identity.middleware import LAST_SEEN_KEY
    from identity.models import AssuranceGrant

    name = f"smoke-{prefix}-{secrets.token_hex(4)}"
    user = get_user_model().objects.create_user(username=name, email=f"{name}@example.org")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    AssuranceGrant.objects.create(user=user, level="L2", method="national-id")
    store = SessionStore()
    store.update(
        {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[0],
            HASH_SESSION_KEY: user.get_session_auth_hash(),
            LAST_SEEN_KEY: int(time.time()),
        }
    )
    store.set_expiry(timezone.timedelta(hours=1))
    store.create()
    return user, store.session_key


def sign(petition_id, token, **where):
    body = json.dumps({"governorate": "capital", "keep_informed": True}).encode()
    headers = {"X-Session-Token": token, "Content-Type": "application/json"}
    return request("POST", f"/api/v1/petitions/{petition_id}/signatures/", headers=headers, body=body, **where)


async def socket_and_signatures(petition, author_key, signer_token, second_signer_token):
    from websockets.asyncio.client import connect

    print("3. a websocket notification across instances, 4. a signature through the proxy")
    direct_url = f"ws://127.0.0.1:{ws_port(0)}/ws/notifications/"
    proxied_url = ORIGIN.replace("https://", "wss://") + "/ws/notifications/"
    sockets = {
        "instance 0's websocket server": await connect(
            direct_url,
            origin=f"http://127.0.0.1:{ws_port(0)}",
            additional_headers={"Cookie": f"sessionid={author_key}"},
        ),
        "a socket through nginx": await connect(
            proxied_url, origin=ORIGIN, ssl=TLS, additional_headers={"Cookie": f"sessionid={author_key}"}
        ),
    }
    try:
        for name, socket_ in sockets.items():
            await socket_.send(json.dumps({"type": "resync", "after": 0}))
            synced = await wait_for(socket_, lambda m: m.get("type") == "synced", 10)
            check(synced is not None, f"{name}: signed in and synced")
        last = INSTANCES - 1
        started = time.perf_counter()
        status = (await asyncio.to_thread(sign, petition.pk, signer_token, instance=last))[0]
        check(status == 201, f"a citizen signs on instance {last} directly: {status}")
        for name, socket_ in sockets.items():
            notification = await wait_for(
                socket_,
                lambda m: (
                    m.get("type") == "notification" and m["notification"].get("kind") == "petition.threshold_reached"
                ),
                15 - (time.perf_counter() - started),
            )
            check(
                notification is not None,
                f"{name} receives the author's notification"
                + (f" {time.perf_counter() - started:.2f} s after the signature" if notification else ""),
            )
    finally:
        for socket_ in sockets.values():
            await socket_.close()
    source = f"127.{random.randint(1, 254)}.{random.randint(0, 254)}.{random.randint(1, 254)}"
    status, _headers, body = await asyncio.to_thread(sign, petition.pk, second_signer_token, source=source)
    check(status == 201, f"a citizen signs through the proxy: {status}" + ("" if status == 201 else f" {body[:200]}"))


async def wait_for(socket_, wanted, seconds):
    deadline = time.perf_counter() + max(0.1, seconds)
    while (left := deadline - time.perf_counter()) > 0:
        try:
            message = json.loads(await asyncio.wait_for(socket_.recv(), left))
        except TimeoutError:
            return None
        if wanted(message):
            return message
    return None


def open_petition_page_cached(petition):
    """An open petition's page is the same for every visitor (a link to sign in, no CSRF token): Varnish keeps
    it, for PAGE_CACHE_LIVE_SECONDS (its count moves)."""
    path = f"/ar/participate/petitions/{petition.pk}/"
    for _ in range(3):  # the purge that the petition's creation sent may still be on its way through the worker
        first, second = request("GET", path), request("GET", path)
        state = headers_of(second).get("x-cache", "?")
        if state.upper().startswith("HIT"):
            break
        time.sleep(1)
    check(
        first[0] == 200 and "csrfmiddlewaretoken" not in first[2] and state.upper().startswith("HIT"),
        f"an open petition's page is served to visitors from Varnish's cache, without a CSRF token: {state} "
        f"(Cache-Control: {headers_of(second).get('cache-control', 'none')})",
    )


def notifications_and_signatures():
    from django.utils import timezone

    from cms.models import Authority
    from participation.models import Petition, PetitionSignature

    author, author_key = citizen("author")
    signer, signer_token = citizen("signer")
    second, second_token = citizen("second")
    authority = Authority.objects.order_by("pk").first()
    now = timezone.now()
    petition = Petition.objects.create(
        authority=authority,
        author=author,
        title="عريضة اختبار التشغيل",
        body="<p>نص العريضة.</p>",
        state=Petition.State.OPEN,
        opened_at=now,
        closes_at=now + timezone.timedelta(days=30),
        response_threshold=1,
    )
    try:
        asyncio.run(socket_and_signatures(petition, author_key, signer_token, second_token))
        check(PetitionSignature.objects.filter(petition=petition).count() == 2, "two signature rows")
        open_petition_page_cached(petition)
    finally:
        petition.delete()
        for user in (author, signer, second):
            user.delete()


def probes():
    """A load balancer's checks over plain HTTP: /healthz and /readyz answered there, everything else redirected."""
    for path, expected in (("/healthz", 200), ("/readyz", 200), ("/ar/", 301)):
        connection = http.client.HTTPConnection("127.0.0.1", BASE, timeout=10)
        connection.request("GET", path, headers={"Host": HOST.split(":")[0]})
        status = connection.getresponse().status
        connection.close()
        check(status == expected, f"plain HTTP {path}: {status} (expected {expected})")


def _readyz_count():
    """The requests to /readyz that instance 0's /metrics counts (asked as the loopback's scraper, no proxy)."""
    connection = http.client.HTTPConnection("127.0.0.1", web_port(0), timeout=30)
    try:
        connection.request("GET", "/metrics", headers={"Host": HOST.split(":")[0]})
        response = connection.getresponse()
        text = response.read().decode()
    finally:
        connection.close()
    if response.status != 200:
        return None
    total = 0.0
    for line in text.splitlines():
        if line.startswith("django_http_requests_total_by_view_transport_method_total{") and 'view="readyz"' in line:
            total += float(line.rsplit(" ", 1)[1])
    return total


def _readyz(_):
    connection = http.client.HTTPConnection("127.0.0.1", web_port(0), timeout=30)
    try:
        connection.request("GET", "/readyz", headers={"Host": HOST.split(":")[0]})
        return connection.getresponse().status
    finally:
        connection.close()


def metrics_add_up():
    from concurrent.futures import ThreadPoolExecutor

    folder = os.environ.get("PORTAL_METRICS_DIR")
    if not check(bool(folder), "PORTAL_METRICS_DIR is set"):
        return
    folder = Path(folder) / f"web-{web_port(0)}"
    before = _readyz_count()
    if not check(before is not None, "/metrics answers the loopback"):
        return
    sent = 40
    with ThreadPoolExecutor(8) as pool:  # at once, on new connections: every worker takes some
        statuses = list(pool.map(_readyz, range(sent)))
    check(statuses.count(200) == sent, f"{sent} requests to /readyz on instance 0: {statuses.count(200)} answered 200")
    after = _readyz_count()
    check(after - before == sent, f"/metrics counts all {sent} of them across its workers: {after - before:g}")
    workers = {name.rsplit("_", 1)[-1] for name in os.listdir(folder) if name.startswith("counter_")}
    expected = int(os.environ.get("PORTAL_WEB_WORKERS", "1"))
    check(len(workers) >= expected, f"metrics files of {len(workers)} worker(s) in {folder} (expected {expected})")


def main():
    setup_django()
    started = time.perf_counter()
    print(f"smoke test of the production layout at {ORIGIN} ({INSTANCES} instances)")
    probes()
    found = pages()
    if found:
        purge_after_publish(*found)
    notifications_and_signatures()
    metrics_add_up()
    print(f"{'FAILED' if failures else 'passed'} in {time.perf_counter() - started:.1f} s")
    for failure in failures:
        print(f"  failed: {failure}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
