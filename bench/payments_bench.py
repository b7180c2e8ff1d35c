"""Payments benchmark through the production server layout on PostgreSQL: payments created through the API and
gateway callbacks processed, each per second beside a one-row insert baseline measured in the same run the
same way.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal REDIS_URL=redis://127.0.0.1:6379/0 \\
        python bench/payments_bench.py          (or: make bench; BENCH_SECONDS=20 for a shorter run)

What runs: a database of its own (<name>_payments_bench, dropped at the end) and a Redis database of its own
(number BENCH_REDIS_DB, 13 by default, flushed at the start and the end); the production layout for plain HTTP
(bench/benchlib.py, as petition_bench.py runs it) — gunicorn with BENCH_WORKERS (2) workers of BENCH_THREADS (4)
threads serving `portal.wsgi` under `bench.petition_bench_settings` (the production settings: DEBUG off, Redis
cache, persistent database connections; tasks queued in the database as the production layout does, no worker
running them; plus the baseline view) — loaded from BENCH_GENERATORS (2) processes separate from the server
over keep-alive HTTP/1.1 connections, BENCH_CONNECTIONS (16) in flight in all. The server listens on a free
port (BENCH_PORT to choose one).

Phases, in one run:

1. baseline — POST to a view that inserts one row into a table of its own and does nothing else
   (bench/petition_bench_urls.py's `/bench/baseline/`), for BENCH_BASELINE_SECONDS (30): inserts per second.
2. create — POST /api/v1/payments/ with an authority's API key (scope `payments`; amount, descriptions,
   metadata), for BENCH_SECONDS (120): payments per second.
3. callbacks — the sandbox gateway's signed "paid" result POSTed to /payments/gateway/sandbox/callback/ for each
   payment phase 2 made, twice (a replay, the two on two connections at once), until every one is sent or
   BENCH_SECONDS have passed: callbacks answered per second (a first callback credits; its replay is logged
   and ignored).

Then the ledger is checked in the database: every payment whose callback was answered is `success` with
exactly one credit and one transition to success, no credit exists twice, every callback sent is in the log
(zero double credits, zero lost events), and every 201 of phase 2 is a payment (none lost). Prints each phase's
rate, its ratio to the baseline, p50/p95 and the answers that were not the expected status, and writes them
under "payments" in bench/results.json (benchlib). The issue's target on 2 cores: ≥ 200 payments created/s and
≥ 200 callbacks/s. Exits with status 1 on any error a client met, a double credit or a lost event.
BENCH_SMOKE=1: 2 seconds a phase, 4 connections from one process.
"""

import asyncio
import json
import multiprocessing
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import benchlib
from benchlib import BASE_HEADERS, SMOKE, Connection, Errors, free_port, percentile, record, setting

ROOT = Path(__file__).resolve().parent.parent
PORT = int(os.environ.get("BENCH_PORT") or "0")  # 0: a free port, chosen in main()
SECONDS = setting("BENCH_SECONDS", 120.0, 2.0)
BASELINE_SECONDS = setting("BENCH_BASELINE_SECONDS", min(30.0, SECONDS), 2.0)
CONNECTIONS = setting("BENCH_CONNECTIONS", 16, 4)
GENERATORS = setting("BENCH_GENERATORS", 2, 1)
SERVER_WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
SERVER_THREADS = int(os.environ.get("BENCH_THREADS", "4"))
REDIS_DB = int(os.environ.get("BENCH_REDIS_DB", "13"))
TARGET_PER_SECOND = 200
BODY = json.dumps(
    {
        "amount": 12_500,
        "description_ar": "غرامة مرورية",
        "description_en": "Traffic fine",
        "metadata": {"case": "TR-77"},
    }
).encode()


# --- The load generator (separate processes; no Django in them) --------------------------------------


async def generate(port, requests, expected, deadline, connections):
    """Send `requests` ((path, headers, body), in order, each taken by the next free connection) until they
    run out or the deadline passes. A 201 answer's `reference` is kept (the payments made)."""
    pending = iter(requests)
    latencies, statuses, references, errors = [], {}, [], Errors()

    async def one_connection():
        connection = Connection(port)
        while time.time() < deadline:
            try:
                path, headers, body = next(pending)
            except StopIteration:
                break
            started = time.perf_counter()
            try:
                status, content = await connection.request("POST", path, {**BASE_HEADERS, **headers}, body)
            except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError, IndexError) as error:
                status, content = 0, b""
                errors.met(error)
            latencies.append((time.perf_counter() - started) * 1000)
            statuses[status] = statuses.get(status, 0) + 1
            if status == 201 and content[:1] == b"{":
                references.append(json.loads(content)["reference"])
            elif status and status != expected:
                errors.met(status)
        connection.close()

    await asyncio.gather(*(one_connection() for _ in range(connections)))
    return {"latencies": latencies, "statuses": statuses, "references": references, "errors": errors}


def generator_process(port, requests, expected, deadline, connections, results):
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    part = asyncio.run(generate(port, requests, expected, deadline, connections))
    part["finished"] = time.time()
    results.put(part)


def run_load(shares, expected, seconds):
    """Send each process's share of requests from GENERATORS processes for at most `seconds`; merge what
    they saw. The phase lasted until the last answer came back."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    deadline = time.time() + seconds
    per_process = max(1, CONNECTIONS // len(shares))
    processes = [
        context.Process(target=generator_process, args=(PORT, share, expected, deadline, per_process, results))
        for share in shares
    ]
    started = time.time()
    for process in processes:
        process.start()
    merged = benchlib.collect(processes, results, started, ["references"], timeout=seconds + 120)
    merged["ok"] = merged["statuses"].get(expected, 0)
    merged["rate"] = merged["ok"] / merged["seconds"] if merged["seconds"] else 0.0
    return merged


def endless(request, count):
    """`count` copies of one request (enough for any rate the phase can reach)."""
    return [request] * count


# --- The run -----------------------------------------------------------------------------------------


def prepare():
    """Migrate the bench database; an authority, its API key, the baseline's table."""
    from django.core.management import call_command
    from django.db import connection
    from wagtail.models import Locale

    from cms.models import Authority
    from payments import services

    call_command("migrate", verbosity=0, interactive=False)
    if not (Path(os.environ["STATIC_ROOT"]) / "staticfiles.json").exists():  # kept between runs: it takes a while
        call_command("collectstatic", verbosity=0, interactive=False)
    locale, _created = Locale.objects.get_or_create(language_code="ar")
    authority = Authority.objects.create(code="BENCH", locale=locale, name="جهة القياس")
    _key, token = services.create_api_key(authority=authority, name="bench", scopes=["payments"])
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_baseline_row (id bigserial PRIMARY KEY, token varchar(64) NOT NULL)")
    return token


def figures(phase, baseline_rate):
    return {
        "done": phase["ok"],
        "seconds": round(phase["seconds"], 1),
        "per_second": round(phase["rate"]),
        "ratio_to_baseline": round(phase["rate"] / baseline_rate, 3) if baseline_rate else 0.0,
        "ratio_to_target": round(phase["rate"] / TARGET_PER_SECOND, 2),
        "p50_ms": round(percentile(phase["latencies"], 0.5), 1),
        "p95_ms": round(percentile(phase["latencies"], 0.95), 1),
        "statuses": {str(status): n for status, n in sorted(phase["statuses"].items())},
        "errors": phase["errors"].as_dict(),
    }


def bench(database_url, redis_url):
    import django

    environment = benchlib.server_environment(
        database_url,
        redis_url,
        "payments-bench",
        PAYMENTS_GATEWAY="sandbox",
        # As the production layout: work after a commit (the payer's notifications) is queued in the database.
        TASKS_BACKEND="django_tasks_db.DatabaseBackend",
        DATABASE_POOL_MAX_SIZE="",
    )
    os.environ.update(environment)
    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.db import connections

    from payments.gateways.sandbox import SandboxGateway
    from payments.models import Credit, Payment, PaymentEvent, PaymentState

    label = f"gunicorn × {SERVER_WORKERS} workers × {SERVER_THREADS} threads"
    print(
        f"payments benchmark{' (smoke run)' if SMOKE else ''} — {label}, production settings, PostgreSQL, Redis db "
        f"{REDIS_DB}; {CONNECTIONS} connections from {GENERATORS} load processes; load average "
        f"{' '.join(f'{n:.2f}' for n in os.getloadavg())}"
    )
    token = prepare()
    connections.close_all()
    command = benchlib.server_command("gunicorn", PORT, SERVER_WORKERS, SERVER_THREADS)
    server = benchlib.start_server(command, environment, PORT)
    baseline_request = ("/bench/baseline/", {"X-Session-Token": "b"}, b"")
    create_request = (
        "/api/v1/payments/",
        {"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Accept-Language": "en"},
        BODY,
    )
    room = int(max(SECONDS, BASELINE_SECONDS) * 2_000)  # more requests than any phase can send
    try:
        run_load([endless(baseline_request, room)], 201, min(2.0, SECONDS))  # warm-up: connections, imports
        run_load([endless(create_request, room)], 201, min(2.0, SECONDS))
        baseline = run_load([endless(baseline_request, room)] * GENERATORS, 201, BASELINE_SECONDS)
        create = run_load([endless(create_request, room)] * GENERATORS, 201, SECONDS)
        created = create["references"]
        sandbox = SandboxGateway()
        payments = Payment.objects.filter(reference__in=created).only("reference", "amount_fils", "currency")
        signed = {payment.reference: sandbox.signed_result(payment, "success") for payment in payments}
        connections.close_all()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        shares = [[] for _ in range(GENERATORS)]
        for index, reference in enumerate(created):
            body = urlencode({"result": signed.get(reference, "")}).encode()
            # Twice in a row: the next two free connections send the same result at about the same moment.
            shares[index % GENERATORS] += [("/payments/gateway/sandbox/callback/", headers, body)] * 2
        callbacks = run_load(shares, 302, SECONDS)
    finally:
        server.terminate()
        server.wait(timeout=30)

    results, failures = {"server": label, "connections": CONNECTIONS, "generators": GENERATORS}, 0
    results["load_average"] = [round(n, 2) for n in os.getloadavg()]
    baseline_rate = baseline["rate"]
    results["baseline"] = figures(baseline, baseline_rate)
    results["create"] = figures(create, baseline_rate)
    results["callbacks"] = figures(callbacks, baseline_rate)
    for phase in (baseline, create, callbacks):
        failures += sum(phase["errors"].values())

    # The ledger, as the database has it.
    sent = sum(callbacks["statuses"].values())
    answered_twice = callbacks["ok"]
    paid = Payment.objects.filter(reference__in=created, state=PaymentState.SUCCESS)
    made = Payment.objects.filter(reference__in=created).count()
    double_credits = Credit.objects.count() - Credit.objects.values("payment").distinct().count()
    credited = Credit.objects.filter(payment__in=paid).count()
    transitions = PaymentEvent.objects.filter(payment__in=paid, kind="transition", to_state="success").count()
    logged = PaymentEvent.objects.filter(payment__reference__in=created, kind="gateway").count()
    # Every callback that got an answer is in the log; each paid payment has one credit and one success.
    lost_events = max(0, answered_twice - logged) + abs(transitions - paid.count()) + abs(credited - paid.count())
    lost_payments = len(set(created)) - made
    unpaid_answered = (
        Payment.objects.filter(reference__in=created, events__kind="gateway")
        .exclude(state=PaymentState.SUCCESS)
        .distinct()
        .count()
    )
    results["ledger"] = {
        "payments_created": len(created),
        "payments_in_database": made,
        "payments_paid": paid.count(),
        "callbacks_sent": sent,
        "callbacks_answered": answered_twice,
        "double_credits": double_credits,
        "answered_but_not_paid": unpaid_answered,
        "lost_events": lost_events,
        "lost_payments": lost_payments,
    }
    failures += double_credits + lost_events + lost_payments + unpaid_answered
    if not created:
        failures += 1

    print(f"  baseline (one INSERT per request): {baseline_rate:8,.0f} /s over {baseline['seconds']:.0f} s")
    for name, label_ in (("create", "payments created"), ("callbacks", "callbacks processed")):
        phase = results[name]
        print(
            f"  {label_:20} {phase['per_second']:8,} /s  ratio to baseline {phase['ratio_to_baseline']:.2f}"
            f"  p50 {phase['p50_ms']:.1f} ms  p95 {phase['p95_ms']:.1f} ms  over {phase['seconds']:.0f} s"
            f"  target {TARGET_PER_SECOND}/s {'met' if phase['per_second'] >= TARGET_PER_SECOND else 'NOT MET'}"
        )
    print(
        f"  ledger: {len(created):,} payments created ({made:,} in the database), {paid.count():,} paid; "
        f"{sent:,} callbacks sent (each payment's twice), {answered_twice:,} answered; double credits "
        f"{double_credits}, answered but not paid {unpaid_answered}, lost events {lost_events}, "
        f"lost payments {lost_payments}"
    )
    baseline["errors"].report("the baseline's clients")
    create["errors"].report("the API's clients")
    callbacks["errors"].report("the gateway's callbacks")
    print(f"  load average at the end: {' '.join(f'{n:.2f}' for n in os.getloadavg())}")
    results["target_per_second"] = TARGET_PER_SECOND
    results["errors"] = failures
    results["ok"] = failures == 0
    print("  RESULT:", "no error, no double credit, nothing lost" if failures == 0 else "ERRORS: see above")
    record("payments", results)
    return failures == 0


def main():
    global PORT
    PORT = PORT or free_port()
    import redis as redis_client

    redis = urlsplit(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0")
    redis_url = urlunsplit(redis._replace(path=f"/{REDIS_DB}"))
    redis_client.Redis.from_url(redis_url).flushdb()
    # The bench's settings module, before run_in_scratch_database names the development one by default.
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.petition_bench_settings"
    try:
        ok = benchlib.run_in_scratch_database("payments_bench", lambda url: bench(url, redis_url))
    finally:
        redis_client.Redis.from_url(redis_url).flushdb()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
