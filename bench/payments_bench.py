"""Payments benchmark on PostgreSQL: payments created through the API and gateway callbacks processed, each per
second beside a one-row insert baseline measured in the same run the same way.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal python bench/payments_bench.py   (or: make bench)

Creates a database of its own (<name>_payments_bench) on the server of DATABASE_URL, migrates it, and makes an
authority and an API key (scope `payments`). Then, each phase for BENCH_SECONDS (120) from BENCH_THREADS (4)
threads, each with its own Django test client and database connection, in this process (DEBUG off; not the
gunicorn layout of petition_bench.py — the figures compare the three phases with each other):

1. baseline — POST to a view that inserts one row into a table of its own and does nothing else
   (bench/petition_bench_urls.py's `/bench/baseline/`): inserts per second.
2. create — POST /api/v1/payments/ with the API key (amount, descriptions, metadata): payments per second.
3. callbacks — the sandbox gateway's signed "paid" result POSTed to /payments/gateway/sandbox/callback/ for the
   payments phase 2 made, each payment's callback sent twice (a replay) from different threads: callbacks per
   second. Then the ledger is checked: every payment whose callback was answered is `success` with exactly one
   credit and one transition to success, no credit exists twice, and every callback sent is in the log (zero
   double credits, zero lost events).

Prints the figures and the ratios to the baseline and writes them under "payments" in bench/results.json
(benchlib). The issue's target on 2 cores: ≥ 200 payments created/s and ≥ 200 callbacks/s. Exits with status 1
on any error a client met, a double credit or a lost event. BENCH_SMOKE=1: 2 seconds a phase from 2 threads.
"""

import os
import sys
import threading
import time

from benchlib import SMOKE, Errors, percentile, record, run_in_scratch_database, setting

SECONDS = setting("BENCH_SECONDS", 120.0, 2.0)
THREADS = setting("BENCH_THREADS", 4, 2)
TARGET_PER_SECOND = 200


def run_phase(name, threads, seconds, work):
    """`work(client, index)` from `threads` threads until the time is up; returns (done, seconds, latencies, errors).
    `work` returns True for a success, or a status/exception for an error."""
    from django.db import connections
    from django.test import Client

    deadline = time.perf_counter() + seconds
    lock = threading.Lock()
    counter = iter(range(10**9))
    done, latencies, errors = [0], [], Errors()

    def run():
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        try:
            while time.perf_counter() < deadline:
                with lock:
                    index = next(counter)
                started = time.perf_counter()
                try:
                    outcome = work(client, index)
                except StopIteration:
                    return
                except Exception as error:  # noqa: BLE001 — counted and reported, never retried
                    outcome = error
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed * 1000)
                    if outcome is True:
                        done[0] += 1
                    else:
                        errors.met(outcome)
        finally:
            connections.close_all()

    started = time.perf_counter()
    workers = [threading.Thread(target=run, name=f"{name}-{n}") for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return done[0], time.perf_counter() - started, latencies, errors


def bench(database_url):
    import django

    os.environ["DATABASE_URL"] = database_url
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import override_settings, setup_test_environment
    from wagtail.models import Locale

    from cms.models import Authority
    from payments import services
    from payments.gateways.sandbox import SandboxGateway
    from payments.models import Credit, Payment, PaymentEvent, PaymentState

    call_command("migrate", verbosity=0)
    setup_test_environment()
    locale, _created = Locale.objects.get_or_create(language_code="ar")
    authority, _created = Authority.objects.get_or_create(code="BENCH", locale=locale, defaults={"name": "جهة"})
    _key, token = services.create_api_key(authority=authority, name="bench", scopes=["payments"])
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_baseline_row (id bigserial PRIMARY KEY, token varchar(64) NOT NULL)")
    results, failures = {}, 0

    with override_settings(ROOT_URLCONF="bench.petition_bench_urls"):

        def baseline(client, _index):
            status = client.post("/bench/baseline/", HTTP_X_SESSION_TOKEN="b").status_code
            return True if status == 201 else status

        run_phase("warm-up", 1, min(1.0, SECONDS), baseline)
        done, seconds, latencies, errors = run_phase("baseline", THREADS, SECONDS, baseline)
        baseline_rate = done / seconds
        failures += errors.report("the baseline's clients")
        results["baseline"] = {"inserts": done, "per_second": round(baseline_rate), "seconds": round(seconds, 1)}

        created = []
        body = {
            "amount": 12_500,
            "description_ar": "غرامة مرورية",
            "description_en": "Traffic fine",
            "metadata": {"case": "TR-77"},
        }

        def create(client, _index):
            response = client.post(
                "/api/v1/payments/", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
            )
            if response.status_code != 201:
                return response.status_code
            created.append(response.json()["reference"])
            return True

        done, seconds, create_latencies, errors = run_phase("create", THREADS, SECONDS, create)
        failures += errors.report("the API's clients")
        results["create"] = _figures(done, seconds, create_latencies, baseline_rate)

        sandbox = SandboxGateway()
        payments = {payment.reference: payment for payment in Payment.objects.filter(reference__in=created)}
        signed = [sandbox.signed_result(payments[reference], "success") for reference in created]
        answered = set()
        sent = [0]
        lock = threading.Lock()

        def callback(client, index):
            # Each payment's result twice: index 2k and 2k+1 go to different threads (a replay at once).
            if index // 2 >= len(signed):
                raise StopIteration
            with lock:
                sent[0] += 1
            response = client.post("/payments/gateway/sandbox/callback/", {"result": signed[index // 2]})
            if response.status_code not in (302, 303):
                return response.status_code
            with lock:
                answered.add(created[index // 2])
            return True

        done, seconds, callback_latencies, errors = run_phase("callbacks", THREADS, SECONDS, callback)
        failures += errors.report("the gateway's callbacks")
        results["callbacks"] = _figures(done, seconds, callback_latencies, baseline_rate)

    paid = Payment.objects.filter(reference__in=answered)
    double_credits = Credit.objects.count() - Credit.objects.values("payment").distinct().count()
    not_credited = paid.exclude(state=PaymentState.SUCCESS).count() + (
        paid.count() - Credit.objects.filter(payment__in=paid).count()
    )
    transitions = PaymentEvent.objects.filter(payment__in=paid, kind="transition", to_state="success").count()
    logged = PaymentEvent.objects.filter(payment__reference__in=created, kind="gateway").count()
    lost_events = max(0, sent[0] - logged) + abs(transitions - paid.count())
    results["ledger"] = {
        "payments_paid": paid.count(),
        "callbacks_sent": sent[0],
        "double_credits": double_credits,
        "not_credited": not_credited,
        "lost_events": lost_events,
    }
    failures += double_credits + not_credited + lost_events

    print(
        f"payments benchmark — PostgreSQL, {THREADS} threads, {SECONDS:.0f} s a phase{' (smoke run)' if SMOKE else ''}"
    )
    print(f"  baseline (one INSERT per request): {results['baseline']['per_second']:8,} /s")
    for name, label in (("create", "payments created"), ("callbacks", "callbacks processed")):
        figures = results[name]
        print(
            f"  {label:20} {figures['per_second']:8,} /s  ratio to baseline {figures['ratio_to_baseline']:.2f}"
            f"  p50 {figures['p50_ms']:.1f} ms  p95 {figures['p95_ms']:.1f} ms  target {TARGET_PER_SECOND}/s"
        )
    print(
        f"  ledger: {paid.count():,} paid, {sent[0]:,} callbacks sent (each payment's twice); double credits "
        f"{double_credits}, not credited {not_credited}, lost events {lost_events}"
    )
    results["target_per_second"] = TARGET_PER_SECOND
    results["threads"] = THREADS
    results["errors"] = failures
    record("payments", results)
    return failures == 0


def _figures(done, seconds, latencies, baseline_rate):
    rate = done / seconds if seconds else 0.0
    return {
        "done": done,
        "seconds": round(seconds, 1),
        "per_second": round(rate),
        "ratio_to_baseline": round(rate / baseline_rate, 3) if baseline_rate else 0.0,
        "ratio_to_target": round(rate / TARGET_PER_SECOND, 2),
        "p50_ms": round(percentile(latencies, 0.5), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
    }


def main():
    ok = run_in_scratch_database("payments_bench", bench)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
