"""Petition signing benchmark: sustained signing through the production server layout on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal REDIS_URL=redis://127.0.0.1:6379/0 \
        python bench/petition_bench.py          (or: make bench; BENCH_SECONDS=60 for a shorter run)

What runs: a database of its own (<name>_petition_bench, dropped at the end) and a Redis database of its own
(number BENCH_REDIS_DB, 14 by default, flushed at the start and the end); the production layout for plain
HTTP — gunicorn with 2 workers of 4 threads serving `portal.wsgi` (BENCH_SERVER=uvicorn: uvicorn with 2 workers
serving `portal.asgi`, to compare) — under `bench.petition_bench_settings`: the production settings (DEBUG off,
Redis cache, persistent database connections) with signing rate-limited **per user only** (the production per-address
limit of 1 a minute would refuse a load that all comes from 127.0.0.1) and one extra view that inserts one
row into a table of its own and does nothing else (the baseline). Many pre-created L2 citizens sign through
`POST /api/v1/petitions/{id}/signatures/` with allauth's `X-Session-Token`, from load-generator processes
separate from the server (keep-alive HTTP/1.1 connections, BENCH_CONNECTIONS in flight in all).

Phases, in one run: the baseline view for BENCH_BASELINE_SECONDS (30), then signing for BENCH_SECONDS (300)
while a poller reads the public count twice a second and compares it with COUNT(*). Then it checks that
every 2xx has exactly one signature row and that no other rows exist, and prints the figures against the
target (≥ 300 signatures/s sustained on 2 cores, zero lost, zero duplicate, count lag ≤ 5 s).

The load processes count every answer that is not a 2xx and every request that got no answer, under a short
description (the status, or the exception), and the bench prints them; a 5xx, a request without an answer, a lost
or duplicate signature makes it exit with status 1. The server listens on a free port (BENCH_PORT to choose one).
BENCH_SMOKE=1: 5 seconds of signing, 4 connections from one process, 500 citizens (bench/benchlib.py). Figures go
to bench/results.json under "petition_signing".
"""

import asyncio
import json
import multiprocessing
import os
import secrets
import statistics
import sys
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import benchlib
from benchlib import BASE_HEADERS, SMOKE, Connection, Errors, free_port, percentile, record, server_command, setting

ROOT = Path(__file__).resolve().parent.parent
PORT = int(os.environ.get("BENCH_PORT") or "0")  # 0: a free port, chosen in main()
SECONDS = setting("BENCH_SECONDS", 300.0, 5.0)
BASELINE_SECONDS = setting("BENCH_BASELINE_SECONDS", min(30.0, SECONDS), 2.0)
CONNECTIONS = setting("BENCH_CONNECTIONS", 32, 4)
GENERATORS = setting("BENCH_GENERATORS", 2, 1)
# The production layout serves plain HTTP from gunicorn (threaded workers) and only websockets from uvicorn
# (docs/operations.md); BENCH_SERVER=uvicorn serves everything from uvicorn instead, to compare.
SERVER = os.environ.get("BENCH_SERVER", "gunicorn")
SERVER_WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
SERVER_THREADS = int(os.environ.get("BENCH_THREADS", "4"))
REDIS_DB = int(os.environ.get("BENCH_REDIS_DB", "14"))
# Database connections: gunicorn's threads are long-lived, so each keeps its connection (CONN_MAX_AGE); under
# uvicorn (BENCH_SERVER=uvicorn) a pool per process instead (docs/operations.md). BENCH_POOL_MAX_SIZE=0: no pool.
POOL_SIZE = os.environ.get("BENCH_POOL_MAX_SIZE", "8" if SERVER == "uvicorn" else "0")
CONN_MAX_AGE = os.environ.get("BENCH_CONN_MAX_AGE", "0" if SERVER == "uvicorn" else "60")
# Enough citizens that each signs the hot petition once at up to ~500/s; past that they sign a second one.
CITIZENS = setting("BENCH_CITIZENS", int(max(5_000, min(150_000, SECONDS * 500))), 500)
PETITIONS = 4
TARGET_RATE = 300.0
TARGET_LAG_SECONDS = 5.0
POLL_SECONDS = 0.25  # COUNT(*) this often; the public count every other time
GOVERNORATES = ["capital", "hawalli", "farwaniya", "mubarak_al_kabeer", "ahmadi", "jahra"]


# --- The load generator (separate processes; no Django in them) --------------------------------------


def work_items(citizens, petition_ids):
    """Every citizen signs the first (hot) petition, then the next: one citizen's signatures are a whole
    round of the others apart, which keeps them inside the per-user limits."""
    for round_number, petition_id in enumerate(petition_ids):
        for index, (user_id, token) in enumerate(citizens):
            yield petition_id, user_id, token, GOVERNORATES[(index + round_number) % 6], index % 3 == 0


async def generate(mode, port, citizens, petition_ids, deadline, connections, progress, slot):
    items = work_items(citizens, petition_ids)
    latencies, signed, statuses, errors = [], [], {}, Errors()

    async def one_connection():
        connection = Connection(port)
        while time.time() < deadline:
            try:
                petition_id, user_id, token, governorate, keep_informed = next(items)
            except StopIteration:
                return
            headers = {**BASE_HEADERS, "X-Session-Token": token}
            if mode == "sign":
                headers["Content-Type"] = "application/json"
                path = f"/api/v1/petitions/{petition_id}/signatures/"
                body = json.dumps({"governorate": governorate, "keep_informed": keep_informed}).encode()
            else:
                path, body = "/bench/baseline/", b""
            started = time.perf_counter()
            try:
                status, _content = await connection.request("POST", path, headers, body)
            except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError, IndexError) as error:
                status = 0  # no answer: counted as an error; the row check shows whether it was written
                errors.met(error)
            latencies.append(time.perf_counter() - started)
            statuses[status] = statuses.get(status, 0) + 1
            if 200 <= status < 300:
                signed.append((petition_id, user_id))
                progress[slot * 2] += 1
            else:
                progress[slot * 2 + 1] += 1
                if status:
                    errors.met(status)
        connection.close()

    await asyncio.gather(*(one_connection() for _ in range(connections)))
    return {"latencies": latencies, "signed": signed, "statuses": statuses, "errors": errors, "finished": time.time()}


def generator_process(mode, port, citizens, petition_ids, deadline, connections, progress, slot, results):
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    results.put(asyncio.run(generate(mode, port, citizens, petition_ids, deadline, connections, progress, slot)))


def run_load(mode, citizens, petition_ids, seconds, on_tick=None):
    """Run `mode` ("sign" or "baseline") from GENERATORS processes for `seconds`; merge what they saw."""
    context = multiprocessing.get_context("spawn")
    progress = context.Array("q", GENERATORS * 2, lock=False)
    results = context.Queue()
    deadline = time.time() + seconds
    shares = [citizens[number::GENERATORS] for number in range(GENERATORS)]
    per_process = max(1, CONNECTIONS // GENERATORS)
    processes = [
        context.Process(
            target=generator_process,
            args=(mode, PORT, shares[n], petition_ids, deadline, per_process, progress, n, results),
        )
        for n in range(GENERATORS)
    ]
    for process in processes:
        process.start()
    started = time.time()
    while time.time() < deadline:
        time.sleep(min(1.0, max(0.0, deadline - time.time())))
        if on_tick:
            ok = sum(progress[n * 2] for n in range(GENERATORS))
            failed = sum(progress[n * 2 + 1] for n in range(GENERATORS))
            on_tick(time.time() - started, ok, failed)
    return benchlib.collect(processes, results, started, ["signed"])


# --- Setting up (Django, in this process) ------------------------------------------------------------


def create_citizens(count, prefix="bench"):
    """`count` L2 citizens (verified e-mail, national-ID grant), each with a signed-in session whose key
    is their X-Session-Token. Bulk inserts: no password hashing, no sign-in flow."""
    from allauth.account.models import EmailAddress
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from identity.middleware import LAST_SEEN_KEY
    from identity.models import AssuranceGrant

    User = get_user_model()
    backend = settings.AUTHENTICATION_BACKENDS[0]
    expires = timezone.now() + timezone.timedelta(days=1)
    store = SessionStore()
    citizens = []
    batch = 5_000
    unusable = make_password(None)
    for start in range(0, count, batch):
        users = User.objects.bulk_create(
            [
                User(username=f"{prefix}{n}", email=f"{prefix}{n}@example.org", password=unusable)
                for n in range(start, min(count, start + batch))
            ]
        )
        EmailAddress.objects.bulk_create(
            [EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in users]
        )
        AssuranceGrant.objects.bulk_create(
            [AssuranceGrant(user=user, level="L2", method="national-id") for user in users]
        )
        sessions = []
        for user in users:
            key = secrets.token_hex(16)
            data = {
                SESSION_KEY: str(user.pk),
                BACKEND_SESSION_KEY: backend,
                HASH_SESSION_KEY: user.get_session_auth_hash(),
                LAST_SEEN_KEY: int(time.time()),
            }
            sessions.append(Session(session_key=key, session_data=store.encode(data), expire_date=expires))
            citizens.append((user.pk, key))
        Session.objects.bulk_create(sessions)
    return citizens


def prepare():
    """Migrate the bench database and create the authority, the petitions, the citizens, the baseline table."""
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from wagtail.models import Locale

    from cms.models import Authority
    from identity.receipts import issue_receipt, pseudonymous_subject
    from participation.models import Petition

    call_command("migrate", verbosity=0, interactive=False)
    if not (Path(os.environ["STATIC_ROOT"]) / "staticfiles.json").exists():  # kept between runs: it takes a while
        call_command("collectstatic", verbosity=0, interactive=False)
    Locale.objects.get_or_create(language_code="ar")
    authority = Authority.objects.create(code="BENCH", name="جهة القياس")
    author = create_citizens(1, prefix="author")[0][0]
    now = timezone.now()
    petitions = [
        Petition.objects.create(
            authority=authority,
            author_id=author,
            title=f"عريضة القياس {n + 1}",
            body="<p>نص العريضة.</p>",
            state=Petition.State.OPEN,
            opened_at=now,
            closes_at=now + timezone.timedelta(days=183),
        ).pk
        for n in range(PETITIONS)
    ]
    # The receipt signing key is generated here, once, rather than by two server workers at the same moment.
    issue_receipt("petition.signed", subject=pseudonymous_subject(author, "bench"), reference="bench", title="-")
    started = time.perf_counter()
    citizens = create_citizens(CITIZENS)
    print(f"  {len(citizens):,} L2 citizens with sessions created in {time.perf_counter() - started:.0f} s")
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_baseline_row (id bigserial PRIMARY KEY, token varchar(64) NOT NULL)")
        cursor.execute("ANALYZE")
    return petitions, citizens


SERVER_LABEL = (
    f"uvicorn × {SERVER_WORKERS} workers"
    if SERVER == "uvicorn"
    else f"gunicorn × {SERVER_WORKERS} workers × {SERVER_THREADS} threads"
)


def start_server(environment):
    return benchlib.start_server(server_command(SERVER, PORT, SERVER_WORKERS, SERVER_THREADS), environment, PORT)


def http_request(path):
    return benchlib.http_request(PORT, path)


# --- Measuring the count lag -------------------------------------------------------------------------


class CountPoller(threading.Thread):
    """COUNT(*) in the database four times a second, the count the public API shows twice a second."""

    def __init__(self, database_url, petition_id):
        super().__init__(daemon=True)
        self.database_url, self.petition_id = database_url, petition_id
        self.database_samples, self.shown_samples = [], []
        self.stopping = threading.Event()

    def run(self):
        import psycopg

        with psycopg.connect(self.database_url, autocommit=True) as db:
            tick = 0
            while not self.stopping.wait(POLL_SECONDS):
                tick += 1
                counted = db.execute(
                    "SELECT count(*) FROM participation_petitionsignature"
                    " WHERE petition_id = %s AND invalidated_at IS NULL",
                    [self.petition_id],
                ).fetchone()[0]
                self.database_samples.append((time.time(), counted))
                if tick % 2:
                    continue
                try:
                    with urllib.request.urlopen(
                        http_request(f"/api/v1/petitions/{self.petition_id}/"), timeout=10
                    ) as r:
                        shown = json.load(r)["signature_count"]
                except OSError:
                    continue
                self.shown_samples.append((time.time(), shown))

    def lag(self, shown_at, shown):
        """How old the shown count is: the time since the last database sample it was still true of."""
        still_true = [at for at, counted in self.database_samples if at <= shown_at and counted <= shown]
        return shown_at - max(still_true) if still_true else 0.0

    def max_lag(self):
        return max((self.lag(at, shown) for at, shown in self.shown_samples), default=0.0)


# --- The run -----------------------------------------------------------------------------------------


def bench(database_url, redis_url):
    import django
    import psycopg

    environment = benchlib.server_environment(
        database_url,
        redis_url,
        "petition-bench",
        DATABASE_CONN_MAX_AGE=CONN_MAX_AGE,
        # A pool of connections per server process (docs/operations.md); BENCH_POOL_MAX_SIZE=0 turns it off.
        DATABASE_POOL_MAX_SIZE="" if POOL_SIZE == "0" else POOL_SIZE,
    )
    os.environ.update(environment)
    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.db import connections

    print(
        f"petition signing benchmark{' (smoke run)' if SMOKE else ''} — {SERVER_LABEL}, production settings with per-user "
        f"sign limits only, PostgreSQL, Redis db {REDIS_DB}; {CONNECTIONS} connections from {GENERATORS} load processes"
    )
    petition_ids, citizens = prepare()
    connections.close_all()
    server = start_server(environment)
    try:
        run_load("baseline", citizens[:2000], [0], 3)  # warm-up: connections, imports, caches
        baseline = run_load("baseline", citizens, [0], BASELINE_SECONDS)
        baseline_ok = sum(n for status, n in baseline["statuses"].items() if 200 <= status < 300)
        baseline_rate = baseline_ok / baseline["seconds"]
        print(f"  baseline (one INSERT per request): {baseline_rate:,.0f} inserts/s over {baseline['seconds']:.0f} s")
        baseline["errors"].report("the baseline's clients")

        poller = CountPoller(database_url.replace("postgres://", "postgresql://", 1), petition_ids[0])
        poller.start()
        last = {"at": 0.0, "ok": 0}

        def tick(elapsed, ok, failed):
            if elapsed - last["at"] >= 10 or elapsed >= SECONDS - 0.5:
                rate = (ok - last["ok"]) / max(elapsed - last["at"], 1e-9)
                shown = poller.shown_samples[-1][1] if poller.shown_samples else 0
                print(
                    f"  {elapsed:5.0f} s  {ok:>9,} signed  {rate:7,.0f}/s now  {failed:,} refused or failed"
                    f"  shown count {shown:,}  max lag so far {poller.max_lag():.1f} s",
                    flush=True,
                )
                last.update(at=elapsed, ok=ok)

        signing = run_load("sign", citizens, petition_ids, SECONDS, on_tick=tick)
        time.sleep(POLL_SECONDS * 2)
        poller.stopping.set()
        poller.join()
    finally:
        server.terminate()
        server.wait(timeout=30)

    with psycopg.connect(database_url.replace("postgres://", "postgresql://", 1), autocommit=True) as db:
        rows = db.execute("SELECT petition_id, user_id FROM participation_petitionsignature").fetchall()
        duplicates = db.execute(
            "SELECT count(*) FROM (SELECT 1 FROM participation_petitionsignature"
            " GROUP BY petition_id, user_id HAVING count(*) > 1) d"
        ).fetchone()[0]
        baseline_rows = db.execute("SELECT count(*) FROM bench_baseline_row").fetchone()[0]
    answered = signing["signed"]
    answered_set, row_set = set(answered), set(rows)
    lost = len(answered_set - row_set)
    unanswered_rows = len(row_set - answered_set)
    repeated_2xx = len(answered) - len(answered_set)
    statuses = signing["statuses"]
    ok = sum(n for status, n in statuses.items() if 200 <= status < 300)
    rate = ok / signing["seconds"]
    latencies_ms = [seconds * 1000 for seconds in signing["latencies"]]
    max_lag = poller.max_lag()
    refused = {status: n for status, n in sorted(statuses.items()) if not 200 <= status < 300}

    def verdict(good):
        return "ok" if good else "MISSED"

    print()
    print(f"  {'signing, sustained for':<36} {signing['seconds']:>10.0f} s")
    print(f"  {'signatures/s':<36} {rate:>10,.0f}     target ≥ {TARGET_RATE:.0f}  {verdict(rate >= TARGET_RATE)}")
    print(
        f"  {'latency p50 / p95':<36} {statistics.median(latencies_ms or [0]):>7.1f} / {percentile(latencies_ms, 0.95):.1f} ms"
    )
    print(f"  {'2xx answers':<36} {ok:>10,}")
    print(f"  {'other answers (status: count)':<36} {json.dumps(refused) if refused else 'none':>10}")
    print(f"  {'signature rows':<36} {len(rows):>10,}     rows vs 2xx: {len(rows) - ok:+d}")
    print(f"  {'2xx without a row (lost)':<36} {lost:>10}     {verdict(lost == 0)}")
    print(f"  {'rows without a 2xx':<36} {unanswered_rows:>10}     {verdict(unanswered_rows == 0)}")
    print(
        f"  {'duplicates (rows / repeated 2xx)':<36} {duplicates:>6} / {repeated_2xx:<3}   {verdict(duplicates == repeated_2xx == 0)}"
    )
    print(
        f"  {'max count lag (+0.25 s)':<36} {max_lag:>10.1f} s   target ≤ {TARGET_LAG_SECONDS:.0f} s  {verdict(max_lag <= TARGET_LAG_SECONDS)}"
    )
    print(f"  {f'baseline inserts/s (rows: {baseline_rows:,})':<36} {baseline_rate:>10,.0f}")
    print(f"  {'signing / baseline':<36} {rate / baseline_rate if baseline_rate else 0:>10.2f}")
    print("  (signing rate-limited per user only: the per-address limit is off for a load from one address)")
    signing["errors"].report("the signing clients")
    broken = sum(n for status, n in statuses.items() if status == 0 or status >= 500)
    broken += sum(n for status, n in baseline["statuses"].items() if not 200 <= status < 300)
    ok_run = broken == 0 and lost == 0 and unanswered_rows == 0 and duplicates == repeated_2xx == 0 and ok > 0
    print("  RESULT:", "every signature answered and written once" if ok_run else "ERRORS: see above")
    record(
        "petition_signing",
        {
            "server": SERVER_LABEL,
            "connections": CONNECTIONS,
            "seconds": round(signing["seconds"], 1),
            "signatures_per_second": round(rate),
            "baseline_inserts_per_second": round(baseline_rate),
            "ratio_to_baseline": round(rate / baseline_rate, 3) if baseline_rate else None,
            "latency_ms": {
                "p50": round(statistics.median(latencies_ms or [0]), 1),
                "p95": round(percentile(latencies_ms, 0.95), 1),
            },
            "statuses": {str(status): n for status, n in sorted(statuses.items())},
            "errors": signing["errors"].as_dict(),
            "baseline_errors": baseline["errors"].as_dict(),
            "lost": lost,
            "rows_without_answer": unanswered_rows,
            "duplicates": duplicates,
            "max_count_lag_seconds": round(max_lag, 2),
            "targets": {
                "signatures_per_second_min": TARGET_RATE,
                "max_count_lag_seconds": TARGET_LAG_SECONDS,
                "met": rate >= TARGET_RATE and max_lag <= TARGET_LAG_SECONDS,
            },
            "ok": ok_run,
        },
    )
    return ok_run


def main():
    import psycopg

    global PORT
    PORT = PORT or free_port()
    url = os.environ.get("DATABASE_URL")
    if not url or not url.startswith(("postgres://", "postgresql://")):
        sys.exit("DATABASE_URL must point at PostgreSQL, e.g. postgres://postgres@127.0.0.1:5432/portal")
    redis = urlsplit(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0")
    redis_url = urlunsplit(redis._replace(path=f"/{REDIS_DB}"))
    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'portal'}_petition_bench"
    server = urlunsplit(parts._replace(path="/postgres")).replace("postgres://", "postgresql://", 1)
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    import redis as redis_client

    redis_client.Redis.from_url(redis_url).flushdb()
    ok = False
    try:
        ok = bench(urlunsplit(parts._replace(path=f"/{name}")), redis_url)
    finally:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001 - Django may not have been set up
            pass
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        redis_client.Redis.from_url(redis_url).flushdb()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
