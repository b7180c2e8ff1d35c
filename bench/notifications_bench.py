"""Live notifications benchmark: N websocket clients against the real ASGI server with Redis.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal python bench/notifications_bench.py   (or: make bench)

What runs: a database of its own (<name>_notifications_bench, dropped at the end); a redis-server of its own on
a free port (never the shared one: this benchmark kills and restarts it); uvicorn serving `portal.asgi` with
the production settings and the Redis channel layer (BENCH_SERVER_WORKERS, 2 by default). BENCH_WS_CLIENTS
people (1,000 by default), each signed in (a session cookie) and following one target, connect from
BENCH_CLIENT_PROCESSES separate processes (asyncio + `websockets`), resync, and wait.

Phases: (1) the server's CPU while every client sits connected and idle, over BENCH_IDLE_SECONDS (10);
(2) BENCH_NOTIFICATIONS (10) notifications published to every follower, the way the worker does it (rows in
bulk, then the push after commit): delivered / expected, deliveries per second, p50 / p95 publish-to-receive
latency; (3) as many again published over a few seconds while Redis is killed and restarted: the clients are
disconnected, reconnect with backoff, resync from the last id they saw, and the benchmark checks that each
has every notification, once. Targets on 2 cores: 100 % delivered, ≥ 1,000 deliveries/s, p95 ≤ 500 ms, idle
≤ 50 % of one core.

The database is migrated whole, as production's is: loading a signed-in user joins identity's tables, and a
database with only some apps' tables answered every handshake with a 500. The clients count every error they
meet and send its description to this process: an error before the outage (a refused handshake, a dropped
socket) is printed and fails the bench at once instead of being retried in silence; the errors during the
outage are expected and printed. BENCH_SMOKE=1: 20 clients, 3 notifications, a second of idle (bench/benchlib.py).
Figures go to bench/results.json under "notifications"."""

import asyncio
import json
import multiprocessing
import os
import queue
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from benchlib import SMOKE, Errors, describe, free_port, percentile, record, setting

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = setting("BENCH_WS_CLIENTS", 1000, 20)
CLIENT_PROCESSES = setting("BENCH_CLIENT_PROCESSES", 2, 1)
NOTIFICATIONS = setting("BENCH_NOTIFICATIONS", 10, 3)
SERVER_WORKERS = setting("BENCH_SERVER_WORKERS", 2, 2)
IDLE_SECONDS = setting("BENCH_IDLE_SECONDS", 10.0, 1.0)
CONNECT_SECONDS = setting("BENCH_CONNECT_SECONDS", 300, 60)
TARGET = "bench:1"
TICKS = os.sysconf("SC_CLK_TCK")


# --- Redis of its own --------------------------------------------------------------------------------


def start_redis(port, folder):
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            folder,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.05)
    sys.exit("redis-server did not start")


# --- The clients (separate processes) ----------------------------------------------------------------


def client_process(url, origin, people, delivered, reconnects, ready, stop, results, errors):
    received = {}  # notification id -> (person, receive time)

    async def person(user_id, key, synced):
        from websockets.asyncio.client import connect

        last, seen, first = 0, set(), True
        attempt = 0
        while not stop.is_set():
            try:
                async with connect(
                    url,
                    origin=origin,
                    additional_headers={"Cookie": f"sessionid={key}"},
                    ping_interval=None,
                    open_timeout=30,
                    max_queue=None,
                ) as socket_:
                    attempt = 0
                    await socket_.send(json.dumps({"type": "resync", "after": last}))
                    async for raw in socket_:
                        message = json.loads(raw)
                        if message["type"] == "notification":
                            now = time.time()
                            notification = message["notification"]
                            if notification["id"] not in seen:
                                seen.add(notification["id"])
                                received[(user_id, notification["id"])] = now
                                with delivered.get_lock():
                                    delivered.value += 1
                        elif message["type"] == "heartbeat":
                            # As live.js does: anything pushed while this socket was out of its group arrives now.
                            await socket_.send(json.dumps({"type": "resync", "after": last}))
                        elif message["type"] == "synced":
                            # As live.js does: only a resync moves the cursor (a push may be lost, later ones not).
                            last = max(last, message["last_id"])
                            if message["more"]:
                                await socket_.send(json.dumps({"type": "resync", "after": last}))
                            elif first:
                                first = False
                                synced.append(user_id)
            except Exception as error:  # noqa: BLE001 — counted and reported, then retried with backoff
                if stop.is_set():
                    return
                errors.put(describe(error))
                with reconnects.get_lock():
                    reconnects.value += 1
                attempt += 1
                await asyncio.sleep(min(5.0, 0.2 * 2**attempt) * random.uniform(0.5, 1.0))

    async def main():
        synced = []
        tasks = []
        for user_id, key in people:
            tasks.append(asyncio.ensure_future(person(user_id, key, synced)))
            await asyncio.sleep(0.002)  # no thundering herd on connect
        while len(synced) < len(people):
            await asyncio.sleep(0.1)
        ready.put(len(people))
        while not stop.is_set():
            await asyncio.sleep(0.2)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    asyncio.run(main())
    results.put(received)


# --- The server and the publisher (Django, in this process) ------------------------------------------


def create_people(count):
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from identity.middleware import LAST_SEEN_KEY
    from notifications.models import Follow

    User = get_user_model()
    unusable = make_password(None)
    users = User.objects.bulk_create([User(username=f"bench{n}", password=unusable) for n in range(count)])
    store = SessionStore()
    expires = timezone.now() + timezone.timedelta(days=1)
    people, sessions = [], []
    for user in users:
        key = secrets.token_hex(16)
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[0],
            HASH_SESSION_KEY: user.get_session_auth_hash(),
            LAST_SEEN_KEY: int(time.time()),
        }
        sessions.append(Session(session_key=key, session_data=store.encode(data), expire_date=expires))
        people.append((user.pk, key))
    Session.objects.bulk_create(sessions)
    Follow.objects.bulk_create([Follow(user=user, target=TARGET) for user in users])
    return people


def publish(number):
    """One notification to every follower, as the worker's fan-out writes and pushes it."""
    from core.events import Event
    from notifications import services
    from notifications.registry import Notice

    notice = Notice(
        kind="bench", target=TARGET, text={"ar": f"إشعار {number}", "en": f"Notification {number}"}, followers=[TARGET]
    )
    return services.fan_out(Event("bench.published", {"n": number}), notice)


def server_pids(root_pid):
    pids, queue = [], [root_pid]
    while queue:
        pid = queue.pop()
        pids.append(pid)
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                children = Path(f"/proc/{pid}/task/{task}/children").read_text().split()
                queue.extend(int(child) for child in children)
        except OSError:
            pass
    return pids


def cpu_seconds(pids):
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except OSError:
            pass
    return total / TICKS


def drain(errors, into):
    """Count the error descriptions the clients have sent so far."""
    while True:
        try:
            into[errors.get_nowait()] += 1
        except queue.Empty:
            return


def wait_for(counter, expected, timeout, errors=None, into=None):
    deadline = time.time() + timeout
    while counter.value < expected and time.time() < deadline:
        time.sleep(0.01)
        if errors is not None:
            drain(errors, into)
    return time.time()


def bench(database_url, redis_port, folder):
    import django

    http_port = free_port()
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": database_url,
        "DATABASE_CONN_MAX_AGE": "60",
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "PORTAL_DATA_DIR": folder,
        "STATIC_ROOT": str(Path(folder) / "static"),
        "LOG_LEVEL": "ERROR",
        "PYTHONPATH": str(ROOT),
    }
    os.environ.update(environment)
    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from notifications.models import Notification

    call_command("migrate", verbosity=0, interactive=False)
    people = create_people(CLIENTS)
    connection.close()

    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "portal.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(http_port),
            "--workers",
            str(SERVER_WORKERS),
            "--lifespan",
            "off",
            "--no-access-log",
            "--log-level",
            "critical",
        ],
        cwd=ROOT,
        env=environment,
    )
    clients = []
    try:
        for _ in range(120):
            time.sleep(0.5)
            try:
                request = urllib.request.Request(f"http://127.0.0.1:{http_port}/healthz", headers={"Host": "127.0.0.1"})
                with urllib.request.urlopen(request, timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                if server.poll() is not None:
                    sys.exit("the server did not start")
        context = multiprocessing.get_context("spawn")
        delivered, reconnects = context.Value("l", 0), context.Value("l", 0)
        ready, results, stop, errors = context.Queue(), context.Queue(), context.Event(), context.Queue()
        url = f"ws://127.0.0.1:{http_port}/ws/notifications/"
        origin = f"http://127.0.0.1:{http_port}"
        for index in range(CLIENT_PROCESSES):
            share = people[index::CLIENT_PROCESSES]
            process = context.Process(
                target=client_process,
                args=(url, origin, share, delivered, reconnects, ready, stop, results, errors),
            )
            process.start()
            clients.append(process)
        started = time.perf_counter()
        before_outage = Errors()
        connected, waiting = 0, len(clients)
        while waiting:
            try:
                connected += ready.get(timeout=0.5)
                waiting -= 1
            except queue.Empty:
                pass
            drain(errors, before_outage)
            if sum(before_outage.values()) >= CLIENTS or time.perf_counter() - started > CONNECT_SECONDS:
                before_outage.report("the clients while connecting")
                print(f"  RESULT: the clients could not connect ({connected:,} of {CLIENTS:,} synced)")
                return False
        print(f"  {connected:,} clients connected and synced in {time.perf_counter() - started:.1f} s")

        pids = server_pids(server.pid)
        before = cpu_seconds(pids)
        time.sleep(IDLE_SECONDS)
        idle = (cpu_seconds(pids) - before) / IDLE_SECONDS * 100

        # Phase 2: publish.
        published_at = time.time()
        publishing = []  # seconds each publish took: rows written, then pushed, as the worker does it
        fan_out_started = {}  # notification number -> when its fan-out began
        for number in range(NOTIFICATIONS):
            started = time.perf_counter()
            fan_out_started[f"Notification {number}"] = time.time()
            publish(number)
            publishing.append(time.perf_counter() - started)
        expected = CLIENTS * NOTIFICATIONS
        finished = wait_for(delivered, expected, timeout=120, errors=errors, into=before_outage)
        phase_two = delivered.value
        drain(errors, before_outage)
        during_outage = Errors()

        # Phase 3: the same again while Redis is killed and restarted.
        boundary = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        phase_three_started = time.time()
        global_redis = redis_holder["process"]

        def outage():
            time.sleep(1.0)
            global_redis.kill()
            global_redis.wait()
            time.sleep(2.0)
            redis_holder["process"] = start_redis(redis_port, folder)

        breaker = threading.Thread(target=outage)
        breaker.start()
        for number in range(NOTIFICATIONS, 2 * NOTIFICATIONS):
            publish(number)
            time.sleep(5.0 / NOTIFICATIONS)
        breaker.join()
        connection.close()
        recovered_at = wait_for(delivered, 2 * expected, timeout=180, errors=errors, into=during_outage)

        stop.set()
        received, answered, deadline = {}, 0, time.time() + 120
        while answered < len(clients) and time.time() < deadline:
            drain(errors, during_outage)
            try:
                received.update(results.get(timeout=0.5))
                answered += 1
            except queue.Empty:
                pass
        for process in clients:
            process.join(timeout=30)
        drain(errors, during_outage)

        rows, texts = {}, {}
        for pk, recipient, created, text in Notification.objects.values_list(
            "pk", "recipient_id", "created_at", "text_en"
        ):
            rows[(recipient, pk)] = created
            texts[(recipient, pk)] = text
        # From the notification's row being written (its batch of the fan-out) to its arrival at the socket.
        latencies = [
            (received[key] - created.timestamp()) * 1000
            for key, created in rows.items()
            if key in received and key[1] <= boundary
        ]
        # From the start of the whole fan-out to every follower: what the last of 1,000 followers waits.
        from_event = [
            (received[key] - fan_out_started[texts[key]]) * 1000
            for key in rows
            if key in received and key[1] <= boundary and texts[key] in fan_out_started
        ]
        missing = [key for key in rows if key not in received]
        extra = [key for key in received if key not in rows]
        seconds = max(finished - published_at, 1e-9)
        print(f"  load average during the run: {os.getloadavg()[0]:.1f}")
        print(
            f"  one publish to {CLIENTS:,} followers (rows, then the push) took {statistics.median(publishing) * 1000:.0f} ms "
            f"(median of {len(publishing)})"
        )
        print(f"  server CPU with {CLIENTS:,} idle clients: {idle:.1f} % of one core (target ≤ 50 %)")
        print(
            f"  publish {NOTIFICATIONS} × {CLIENTS:,}: delivered {phase_two:,} / {expected:,} "
            f"({phase_two / expected * 100:.2f} %), {phase_two / seconds:,.0f} deliveries/s (target ≥ 1,000)"
        )
        print(
            f"  publish → receive latency: p50 {percentile(latencies, 0.5):.0f} ms, "
            f"p95 {percentile(latencies, 0.95):.0f} ms, max {max(latencies, default=0):.0f} ms (target p95 ≤ 500 ms)"
        )
        print(
            f"  fan-out start → receive: p50 {percentile(from_event, 0.5):.0f} ms, "
            f"p95 {percentile(from_event, 0.95):.0f} ms, max {max(from_event, default=0):.0f} ms"
        )
        print(
            f"  Redis killed and restarted mid-run: {reconnects.value:,} reconnects; delivered "
            f"{len(received):,} / {len(rows):,} rows in all, {len(missing):,} missing, {len(extra):,} unknown; "
            f"all recovered {recovered_at - phase_three_started:.1f} s after the second phase began"
        )
        before_outage.report("the clients before the outage (none expected)")
        during_outage.report("the clients during and after the outage (expected: Redis was killed)")
        ok = not missing and not extra and phase_two == expected and not before_outage
        print("  RESULT:", "every notification delivered, once" if ok else "NOT every notification delivered")
        deliveries_per_second = phase_two / seconds
        record(
            "notifications",
            {
                "clients": CLIENTS,
                "notifications": NOTIFICATIONS,
                "server": f"uvicorn × {SERVER_WORKERS} workers",
                "idle_cpu_percent_of_one_core": round(idle, 1),
                "delivered": phase_two,
                "expected": expected,
                "deliveries_per_second": round(deliveries_per_second),
                "latency_ms": {"p50": round(percentile(latencies, 0.5)), "p95": round(percentile(latencies, 0.95))},
                "outage": {"reconnects": reconnects.value, "missing": len(missing), "unknown": len(extra)},
                "errors_before_outage": before_outage.as_dict(),
                "errors_during_outage": during_outage.as_dict(),
                "targets": {
                    "deliveries_per_second_min": 1000,
                    "p95_ms_max": 500,
                    "idle_cpu_percent_max": 50,
                    "met": deliveries_per_second >= 1000 and percentile(latencies, 0.95) <= 500 and idle <= 50,
                },
                "ok": ok,
            },
        )
        return ok
    finally:
        for process in clients:
            if process.is_alive():
                process.terminate()
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


redis_holder = {}


def main():
    import psycopg

    url = os.environ.get("DATABASE_URL")
    if not url or not url.startswith(("postgres://", "postgresql://")):
        sys.exit("DATABASE_URL must point at PostgreSQL, e.g. postgres://postgres@127.0.0.1:5432/portal")
    if not shutil.which("redis-server"):
        sys.exit("redis-server is needed (the benchmark restarts a Redis of its own)")
    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'portal'}_notifications_bench"
    server = urlunsplit(parts._replace(path="/postgres")).replace("postgres://", "postgresql://", 1)
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    folder = tempfile.mkdtemp(prefix="portal-notifications-bench-")
    redis_port = free_port()
    redis_holder["process"] = start_redis(redis_port, folder)
    print(
        f"live notifications benchmark{' (smoke run)' if SMOKE else ''} — {CLIENTS:,} websocket clients in {CLIENT_PROCESSES} processes, uvicorn × "
        f"{SERVER_WORKERS} workers, Redis of its own on port {redis_port}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f} before starting"
    )
    ok = False
    try:
        ok = bench(urlunsplit(parts._replace(path=f"/{name}")), redis_port, folder)
    finally:
        from django.db import connections

        connections.close_all()
        redis_holder["process"].kill()
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(folder, ignore_errors=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
