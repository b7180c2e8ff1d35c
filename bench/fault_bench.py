"""Fault run: PostgreSQL and then Redis restarted in the middle of sustained petition signing and of a notification
fan-out (issue 16, item 12).

    python bench/fault_bench.py          (or: make bench; BENCH_SMOKE=1 for a run of seconds, as CI does)

What runs, all of its own, so that restarting them disturbs nobody: a PostgreSQL cluster made with `initdb` in a
temporary folder on port BENCH_FAULT_PG_PORT (55432; run as the `postgres` user when this runs as root), found
under /usr/lib/postgresql/*/bin (PG_BIN to choose); a redis-server on BENCH_FAULT_REDIS_PORT (56379). Against
them, the production layout as bench/petition_bench.py serves it (gunicorn 2 workers × 4 threads, portal.wsgi,
the production settings with per-user sign limits only) and uvicorn serving portal.asgi for the websockets.

For BENCH_SECONDS (60; 12 in smoke mode): BENCH_CONNECTIONS (16) keep-alive connections sign petitions as L2
citizens with their session tokens; a prober asks for a page (HTML) and an API resource (JSON) five times a
second; BENCH_WS_CLIENTS (200) signed-in websocket clients follow one target and a notification is fanned out to
them every second (rows, then the push, as the worker does). At 30 % of the run PostgreSQL gets a fast restart
(`pg_ctl restart -m fast`), at 65 % Redis is killed and started again.

It checks, and exits with status 1 if any fails:
- nothing lost: every 2xx signature answer has its row; nothing doubled: no (petition, person) twice;
- during the outages only 503s with Retry-After (the JSON error under /api/, HTML for pages): never a 500,
  never HTML under /api/, and no websocket handshake answered 500;
- recovery within RECOVERY_TARGET (5 s) of each service being back: the first signature answered 2xx;
- every notification row reaches its follower's socket once (the clients reconnect and resync by themselves).

The clients count every error they meet and the bench prints them, by phase (before, during, after the
outages). The servers' logs go to the temporary folder; the 500s in them are counted. Figures go to
bench/results.json under "fault_run"."""

import asyncio
import glob
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import benchlib
import notifications_bench
import petition_bench
from benchlib import SMOKE, Errors, free_port, record, setting

ROOT = Path(__file__).resolve().parent.parent
SECONDS = setting("BENCH_SECONDS", 60.0, 12.0)
CONNECTIONS = setting("BENCH_CONNECTIONS", 16, 4)
WS_CLIENTS = setting("BENCH_WS_CLIENTS", 200, 10)
# Each citizen signs a petition at most once a minute (the per-user limit): enough of them for the whole run.
CITIZENS = setting("BENCH_CITIZENS", 30_000, 3_000)
PG_PORT = int(os.environ.get("BENCH_FAULT_PG_PORT") or 55432)
REDIS_PORT = int(os.environ.get("BENCH_FAULT_REDIS_PORT") or 56379)
PG_RESTART_AT, REDIS_RESTART_AT = 0.30, 0.65  # fractions of the run
REDIS_DOWN_SECONDS = 1.0
PUBLISH_EVERY = 1.0
RECOVERY_TARGET = 5.0
PROBE_EVERY = 0.2
HEADERS = {"Host": "127.0.0.1", "X-Forwarded-Proto": "https", "Accept-Language": "ar"}


# --- PostgreSQL and Redis of its own -------------------------------------------------------------------------


def postgres_bin():
    chosen = os.environ.get("PG_BIN")
    if chosen:
        return Path(chosen)
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda path: int(Path(path).parent.name))
    if not found:
        sys.exit("PostgreSQL's programs were not found under /usr/lib/postgresql/*/bin (set PG_BIN)")
    return Path(found[-1])


class OwnPostgres:
    """A throw-away cluster in `folder`, on the loopback at `port`, as the `postgres` user when run as root."""

    def __init__(self, folder, port):
        self.bin, self.port = postgres_bin(), port
        self.folder = Path(folder) / "postgres"
        self.data = self.folder / "data"
        self.folder.mkdir()
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            shutil.chown(self.folder, "postgres", "postgres")
            os.chmod(folder, 0o755)

    def run(self, program, *args, check=True):
        """Run one of PostgreSQL's programs. Its output goes to a file, never to a pipe: the server that `pg_ctl`
        starts inherits pg_ctl's output, and a pipe it holds open would keep this process waiting."""
        command = [str(self.bin / program), *args]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        with open(self.folder.parent / "pg_ctl.out", "ab") as output:
            finished = subprocess.run(command, stdout=output, stderr=subprocess.STDOUT)
        if check and finished.returncode:
            tail = (self.folder.parent / "pg_ctl.out").read_text(errors="replace")[-2000:]
            sys.exit(f"{program} failed ({finished.returncode}):\n{tail}")
        return finished

    def start(self):
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C")
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c max_connections=200"
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "log"), "-o", options, "-w", "start")

    def restart(self):
        """A fast restart (open transactions rolled back, connections cut); returns when it accepts again."""
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "log"), "-m", "fast", "-w", "restart")

    def stop(self):
        self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)

    def url(self, name):
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"


def port_is_free(port):
    import socket

    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


# --- The load (separate processes; no Django in them) ------------------------------------------------------------


def is_json(content):
    try:
        json.loads(content)
        return True
    except ValueError:
        return False


async def load(port, citizens, petition_ids, deadline, connections, probe_paths):
    """Sign from `connections` connections and probe `probe_paths`; every answer as (done at, status, shape)."""
    items = petition_bench.work_items(citizens, petition_ids)
    answers, signed, errors = [], [], Errors()

    async def signer():
        connection = benchlib.Connection(port)
        while time.time() < deadline:
            try:
                petition_id, user_id, token, governorate, keep_informed = next(items)
            except StopIteration:
                return
            body = json.dumps({"governorate": governorate, "keep_informed": keep_informed}).encode()
            headers = {**HEADERS, "X-Session-Token": token, "Content-Type": "application/json"}
            try:
                status, content = await connection.request(
                    "POST", f"/api/v1/petitions/{petition_id}/signatures/", headers, body
                )
            except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError, IndexError) as error:
                status, content = 0, b""
                errors.met(error)
                await asyncio.sleep(0.05)
            answers.append((time.time(), "sign", status, is_json(content)))
            if 200 <= status < 300:
                signed.append((petition_id, user_id))
            elif status:
                errors.met(status)

    async def prober():
        connection = benchlib.Connection(port)
        while time.time() < deadline:
            for path in probe_paths:
                try:
                    status, content = await connection.request("GET", path, HEADERS)
                except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError, IndexError) as error:
                    status, content = 0, b""
                    errors.met(error)
                kind = "json" if is_json(content) else ("html" if b"<html" in content[:2000].lower() else "other")
                answers.append((time.time(), path, status, kind))
                if status >= 500 or not status:
                    errors.met(f"{status or 'no answer'} on GET {path.split('?')[0]}")
            await asyncio.sleep(PROBE_EVERY)

    await asyncio.gather(*(signer() for _ in range(connections)), prober())
    return {"answers": answers, "signed": signed, "errors": errors}


def load_process(port, citizens, petition_ids, deadline, connections, probe_paths, results):
    results.put(asyncio.run(load(port, citizens, petition_ids, deadline, connections, probe_paths)))


# --- The run -------------------------------------------------------------------------------------------------------


def start_logged(command, environment, log_path):
    log = open(log_path, "ab")  # noqa: SIM115 — closed when the server stops
    return subprocess.Popen(command, cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT)


def wait_for_health(port, process, what):
    for _ in range(240):
        time.sleep(0.5)
        try:
            request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers=HEADERS)
            with urllib.request.urlopen(request, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            if process.poll() is not None:
                sys.exit(f"{what} did not start")
    sys.exit(f"{what} did not answer /healthz in 120 s")


def publisher(stop, published, failures):
    """A notification fanned out to every follower each second, as the worker does it; a failure is counted."""
    from django.db import connection

    number = 0
    while not stop.wait(PUBLISH_EVERY):
        number += 1
        try:
            notifications_bench.publish(number)
            published.append(number)
        except Exception as error:  # noqa: BLE001 — counted: expected only while a service is down
            failures.append((time.time(), error))
            connection.close()


def window_figures(answers, began, back):
    """What the signing clients met from `began` (the restart started) until the first 2xx after `back`."""
    recovered = next(
        (at for at, kind, status, _ in answers if kind == "sign" and at >= back and 200 <= status < 300), None
    )
    end = recovered or float("inf")
    during = [(kind, status, shape) for at, kind, status, shape in answers if began <= at <= end]
    statuses = {}
    for kind, status, _shape in during:
        key = f"{'sign' if kind == 'sign' else 'probe'} {status or 'no answer'}"
        statuses[key] = statuses.get(key, 0) + 1
    failed = [at for at, kind, status, _ in answers if began <= at <= end and not 200 <= status < 300]
    return {
        "service_down_seconds": round(back - began, 2),
        "recovered_after_back_seconds": round(recovered - back, 2) if recovered else None,
        "first_refusal_to_recovery_seconds": round(end - min(failed), 2) if failed and recovered else 0.0,
        "answers": statuses,
    }


def bench(folder, postgres):
    import django
    import psycopg

    started = time.perf_counter()
    postgres.start()
    print(
        f"  PostgreSQL of its own ({postgres.bin}) on port {PG_PORT}, started in {time.perf_counter() - started:.1f} s"
    )
    with psycopg.connect(postgres.url("postgres").replace("postgres://", "postgresql://", 1), autocommit=True) as db:
        db.execute('CREATE DATABASE "portal_fault_bench"')
    database_url = postgres.url("portal_fault_bench")
    redis_holder = notifications_bench.redis_holder
    redis_holder["process"] = notifications_bench.start_redis(REDIS_PORT, folder)
    http_port = int(os.environ.get("BENCH_PORT") or 0) or free_port()
    ws_port = free_port() if not os.environ.get("BENCH_PORT") else http_port + 1
    environment = benchlib.server_environment(
        database_url,
        f"redis://127.0.0.1:{REDIS_PORT}/0",
        "fault-bench",
        SECURE_SSL_REDIRECT="false",  # the websocket clients connect over ws://
        PORTAL_DATA_DIR=str(Path(folder) / "data"),
        # Sockets re-join their groups and resync every 5 s instead of 25 s, so a short run sees them recover.
        NOTIFICATIONS_HEARTBEAT_SECONDS="5",
        # The servers' logs (in the temporary folder): warnings, and the 4xx and 5xx request lines with their code.
        LOG_LEVEL="WARNING",
        REQUEST_LOG_LEVEL="WARNING",
    )
    environment.pop("DATABASE_POOL_MAX_SIZE", None)
    os.environ.update(environment)
    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.db import connection

    from notifications.models import Follow, Notification

    petition_bench.CITIZENS = CITIZENS
    started = time.perf_counter()
    petition_ids, citizens = petition_bench.prepare()
    followers = petition_bench.create_citizens(WS_CLIENTS, prefix="follower")
    Follow.objects.bulk_create([Follow(user_id=user_id, target=notifications_bench.TARGET) for user_id, _ in followers])
    print(f"  database migrated and filled in {time.perf_counter() - started:.0f} s")
    connection.close()

    petition_bench.PORT = http_port
    http_server = start_logged(
        benchlib.server_command(
            petition_bench.SERVER, http_port, petition_bench.SERVER_WORKERS, petition_bench.SERVER_THREADS
        ),
        environment,
        Path(folder) / "gunicorn.log",
    )
    ws_server = start_logged(
        [
            *(
                sys.executable,
                "-m",
                "uvicorn",
                "portal.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(ws_port),
            ),
            *("--workers", "1", "--lifespan", "off", "--no-access-log", "--log-level", "warning"),
        ],
        environment,
        Path(folder) / "uvicorn.log",
    )
    context = multiprocessing.get_context("spawn")
    clients, load_processes = [], []
    try:
        wait_for_health(http_port, http_server, "gunicorn")
        wait_for_health(ws_port, ws_server, "uvicorn")
        delivered, reconnects = context.Value("l", 0), context.Value("l", 0)
        ready, ws_results, stop, ws_errors = context.Queue(), context.Queue(), context.Event(), context.Queue()
        client = context.Process(
            target=notifications_bench.client_process,
            args=(
                f"ws://127.0.0.1:{ws_port}/ws/notifications/",
                f"http://127.0.0.1:{ws_port}",
                followers,
                delivered,
                reconnects,
                ready,
                stop,
                ws_results,
                ws_errors,
            ),
        )
        client.start()
        clients.append(client)
        ready.get(timeout=120)
        print(f"  {WS_CLIENTS} websocket clients connected; signing from {CONNECTIONS} connections for {SECONDS:.0f} s")

        results = context.Queue()
        began = time.time()
        deadline = began + SECONDS
        probes = ["/ar/participate/petitions/", f"/api/v1/petitions/{petition_ids[0]}/"]
        process = context.Process(
            target=load_process, args=(http_port, citizens, petition_ids, deadline, CONNECTIONS, probes, results)
        )
        process.start()
        load_processes.append(process)

        published, publish_failures, stopping = [], [], threading.Event()
        publishing = threading.Thread(target=publisher, args=(stopping, published, publish_failures), daemon=True)
        publishing.start()
        faults = {}
        time.sleep(max(0.0, began + SECONDS * PG_RESTART_AT - time.time()))
        faults["postgresql"] = {"began": time.time()}
        postgres.restart()
        faults["postgresql"]["back"] = time.time()
        print(
            f"  {faults['postgresql']['began'] - began:5.1f} s  PostgreSQL restarted (fast), "
            f"back after {faults['postgresql']['back'] - faults['postgresql']['began']:.1f} s",
            flush=True,
        )
        time.sleep(max(0.0, began + SECONDS * REDIS_RESTART_AT - time.time()))
        faults["redis"] = {"began": time.time()}
        redis_holder["process"].kill()
        redis_holder["process"].wait()
        time.sleep(REDIS_DOWN_SECONDS)
        redis_holder["process"] = notifications_bench.start_redis(REDIS_PORT, folder)
        faults["redis"]["back"] = time.time()
        print(
            f"  {faults['redis']['began'] - began:5.1f} s  Redis killed and started again, "
            f"back after {faults['redis']['back'] - faults['redis']['began']:.1f} s",
            flush=True,
        )

        outcome = results.get(timeout=SECONDS + 120)
        process.join(timeout=30)
        stopping.set()
        publishing.join(timeout=30)
        # Every notification row written reaches its follower (sockets resync at their next heartbeat).
        connection.close()
        rows_expected = Notification.objects.count()
        wait_deadline = time.time() + 60
        while delivered.value < rows_expected and time.time() < wait_deadline:
            time.sleep(0.2)
        stop.set()
        received = ws_results.get(timeout=60)
        client.join(timeout=30)
        ws_error_counts = Errors()
        notifications_bench.drain(ws_errors, ws_error_counts)
    finally:
        for process in clients + load_processes:
            if process.is_alive():
                process.terminate()
        for server in (http_server, ws_server):
            server.terminate()
        for server in (http_server, ws_server):
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()

    connection.close()
    with psycopg.connect(database_url.replace("postgres://", "postgresql://", 1), autocommit=True) as db:
        rows = db.execute("SELECT petition_id, user_id FROM participation_petitionsignature").fetchall()
        duplicates = db.execute(
            "SELECT count(*) FROM (SELECT 1 FROM participation_petitionsignature"
            " GROUP BY petition_id, user_id HAVING count(*) > 1) d"
        ).fetchone()[0]
        notification_rows = set(db.execute("SELECT recipient_id, id FROM notifications_notification").fetchall())

    answers = sorted(outcome["answers"])
    signed = outcome["signed"]
    answered_set, row_set = set(signed), set(rows)
    lost = len(answered_set - row_set)
    unanswered_rows = len(row_set - answered_set)
    repeated = len(signed) - len(answered_set)
    missing = len(notification_rows - set(received))
    unknown = len(set(received) - notification_rows)

    # What may be answered, and how: a 2xx, a refusal (409, 429), or a 503 — never another 5xx, never HTML under /api/.
    bad = Errors()
    for _at, kind, status, shape in answers:
        api = kind == "sign" or kind.startswith("/api/")
        if status >= 500 and status != 503:
            bad.met(f"{status} on {'signing' if kind == 'sign' else 'GET ' + kind.split('?')[0]}")
        if api and status and not shape and kind == "sign":
            bad.met(f"{status} without a JSON body under /api/ (signing)")
        if api and kind != "sign" and status and shape != "json":
            bad.met(f"{status} as {shape} under /api/")
        if not api and status == 503 and shape != "html":
            bad.met(f"503 as {shape} on a page")
    websocket_500s = sum(n for description, n in ws_error_counts.items() if "HTTP 500" in description)
    if websocket_500s:
        bad["websocket handshakes answered HTTP 500"] += websocket_500s

    def log_500s(name):
        text = (Path(folder) / name).read_text(errors="replace")
        return text.count('"code": 500') + text.count("Internal Server Error")

    server_500s = log_500s("gunicorn.log") + log_500s("uvicorn.log")
    windows = {name: window_figures(answers, fault["began"], fault["back"]) for name, fault in faults.items()}
    sign_answers = [a for a in answers if a[1] == "sign"]
    ok_count = sum(1 for a in sign_answers if 200 <= a[2] < 300)
    statuses = {}
    for _at, _kind, status, _shape in sign_answers:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    recovered = all(
        window["recovered_after_back_seconds"] is not None and window["recovered_after_back_seconds"] <= RECOVERY_TARGET
        for window in windows.values()
    )
    publish_errors = Errors()
    for _at, error in publish_failures:
        publish_errors.met(error)

    def verdict(good):
        return "ok" if good else "FAILED"

    print()
    print(f"  {'signing answers (status: count)':<44} {json.dumps(statuses)}")
    print(f"  {'signatures/s over the run':<44} {ok_count / SECONDS:,.0f}")
    print(f"  {'2xx answers / signature rows':<44} {ok_count:,} / {len(rows):,}")
    print(f"  {'2xx without a row (lost)':<44} {lost:<8} {verdict(lost == 0)}")
    print(f"  {'rows without a 2xx (answer lost in flight)':<44} {unanswered_rows}")
    print(
        f"  {'duplicates (rows / repeated 2xx)':<44} {duplicates} / {repeated:<4} {verdict(duplicates == repeated == 0)}"
    )
    for name, window in windows.items():
        after = window["recovered_after_back_seconds"]
        print(
            f"  {name + ' outage':<44} down {window['service_down_seconds']:.1f} s; first 2xx "
            f"{'never' if after is None else f'{after:.2f} s'} after it was back "
            f"(target ≤ {RECOVERY_TARGET:.0f} s) {verdict(after is not None and after <= RECOVERY_TARGET)}; "
            f"refusals for {window['first_refusal_to_recovery_seconds']:.1f} s"
        )
        print(f"  {'':<44} answers meanwhile: {json.dumps(window['answers'])}")
    print(
        f"  {'notifications':<44} {len(published)} fanned out ({len(publish_failures)} fan-outs failed while a "
        f"service was down), {len(notification_rows):,} rows: {len(received):,} delivered, {missing} missing, "
        f"{unknown} unknown, {reconnects.value:,} reconnects  {verdict(missing == unknown == 0)}"
    )
    print(f"  {'500s in the servers’ logs':<44} {server_500s:<8} {verdict(server_500s == 0)}")
    outcome["errors"].report("the HTTP clients (signing and probes)")
    ws_error_counts.report("the websocket clients")
    publish_errors.report("the publisher")
    bad.report("answers that must never happen")
    ok_run = (
        not bad
        and server_500s == 0
        and lost == 0
        and duplicates == repeated == 0
        and missing == unknown == 0
        and recovered
        and ok_count > 0
    )
    print("  RESULT:", "nothing lost or doubled, only 503s while down, recovered" if ok_run else "ERRORS: see above")
    record(
        "fault_run",
        {
            "seconds": SECONDS,
            "connections": CONNECTIONS,
            "websocket_clients": WS_CLIENTS,
            "signing_statuses": statuses,
            "signatures_per_second": round(ok_count / SECONDS),
            "lost": lost,
            "rows_without_answer": unanswered_rows,
            "duplicates": duplicates,
            "outages": windows,
            "notifications": {
                "fanned_out": len(published),
                "fan_outs_failed": len(publish_failures),
                "rows": len(notification_rows),
                "missing": missing,
                "unknown": unknown,
                "reconnects": reconnects.value,
            },
            "never": bad.as_dict(),
            "server_500s": server_500s,
            "errors": outcome["errors"].as_dict(),
            "websocket_errors": ws_error_counts.as_dict(),
            "targets": {"recovery_seconds_max": RECOVERY_TARGET, "met": recovered},
            "ok": ok_run,
        },
    )
    return ok_run


def main():
    if not shutil.which("redis-server"):
        sys.exit("redis-server is needed (the bench restarts a Redis of its own)")
    for port in (PG_PORT, REDIS_PORT):
        if not port_is_free(port):
            sys.exit(f"port {port} is taken: the fault run starts its own PostgreSQL and Redis there")
    folder = tempfile.mkdtemp(prefix="portal-fault-bench-")
    print(
        f"fault run{' (smoke run)' if SMOKE else ''} — PostgreSQL and Redis of its own restarted during signing "
        f"and a notification fan-out; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} before starting"
    )
    postgres = OwnPostgres(folder, PG_PORT)
    ok = False
    try:
        ok = bench(folder, postgres)
    finally:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001 — Django may not have been set up
            pass
        process = notifications_bench.redis_holder.get("process")
        if process is not None:
            process.kill()
        if postgres.data.exists():
            postgres.stop()
        if os.environ.get("BENCH_KEEP_LOGS"):
            print(f"  logs kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
