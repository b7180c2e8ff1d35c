"""Labour cube benchmark on PostgreSQL: one million observations imported, aggregated and drawn.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal python bench/labour_bench.py   (or: make bench)

Creates a database of its own (<name>_labour_bench) on the server of DATABASE_URL and migrates it. Then:

1. import — writes an SDMX-CSV file of about 1,000,000 generated cells (6 measures × 40 quarters ×
   8 nationalities × 4 sectors × 22 activities × 3 sexes × 2 governorates) and imports it with
   `labour.services.import_indicators` (checking every row, then writing): observations per second, against
   the target of 20,000/s; then imports the same file again (every cell compared, nothing written).
2. open-data API — GET /api/v1/labour/series/ through Django's test client, broken down by every pair of
   dimensions (15 pairs) for a few measures, a few rounds: p50/p95 against the target of 100 ms.
3. dashboard — a dashboard page with three charts (line, bar, stacked bar over 8 quarters) served through
   the test client, no cache: p50/p95 against the target of 150 ms.
4. marginal-labour report — 2,000 establishments (imported as a register) and 300,000 wage records (50,000
   workers × 6 months, imported with `import_wages`), then `labour.selectors.marginal_signals` over the last 3
   months, every signal, a few times: seconds per report (no target in the issue; docs/benchmarks.md).

The page cache is off (PAGE_CACHE_IN_PROCESS=false): the dashboard is rendered for every request. Beside each
wall-clock figure the bench gives the CPU time it cost — this process's (time.process_time) and, when PostgreSQL
runs on this machine and /proc shows its backend, the backend's — which a machine shared with other work
disturbs far less than the wall clock; and the load average at the start and the end.

Prints the figures and writes them under "labour" in bench/results.json (benchlib). Drops its database at the
end. In smoke mode (BENCH_SMOKE=1) the cube holds one year (101,376 observations) and each phase runs a few
requests: the figures mean nothing, the errors do.
"""

import datetime
import itertools
import os

os.environ["PAGE_CACHE_IN_PROCESS"] = "false"  # the dashboard is measured uncached
# The wage-protection file's civil IDs are kept as keyed hashes: a key of the bench's own unless one is set.
os.environ.setdefault("NATIONAL_ID_HASH_KEY", "labour-bench-only")
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchlib import SMOKE, Errors, backend_cpu, percentile, record, run_in_scratch_database, setting

TARGET_IMPORT_RATE = 20_000
TARGET_API_P95_MS = 100.0
TARGET_PAGE_P95_MS = 150.0
YEARS = setting("BENCH_LABOUR_YEARS", 10, 1)  # 10 years of quarters: 1,013,760 observations
ROUNDS = setting("BENCH_ROUNDS", 4, 1)
PAGE_REQUESTS = setting("BENCH_PAGE_REQUESTS", 60, 3)
ESTABLISHMENTS = setting("BENCH_LABOUR_ESTABLISHMENTS", 2_000, 100)
WORKERS = setting("BENCH_LABOUR_WORKERS", 50_000, 2_500)
WAGE_MONTHS = ["2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10"]
REPORTS = setting("BENCH_LABOUR_REPORTS", 5, 2)

MEASURES = ["EMP", "WP_ISS", "WP_CAN", "WP_TRF", "JOBSEEK", "EST"]
NATIONALITIES = ["_T", "KWT", "NKW", "GCC", "ARB", "ASI", "AFR", "OTH"]
SECTORS = ["_T", "GOV", "PRV", "DOM"]
ACTIVITIES = ["_T", *"ABCDEFGHIJKLMNOPQRSTU"]
SEXES = ["_T", "M", "F"]
GOVERNORATES = ["_T", "KW-KU"]
QUARTERS = [f"{year}-Q{quarter}" for year in range(2025 - YEARS, 2025) for quarter in range(1, 5)]


def write_file(path):
    """The SDMX-CSV file; values vary deterministically with the cell."""
    count = 0
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("DATAFLOW,MEASURE,NATIONALITY,SECTOR,ACTIVITY,SEX,GOVERNORATE,TIME_PERIOD,OBS_VALUE\n")
        for cell in itertools.product(MEASURES, NATIONALITIES, SECTORS, ACTIVITIES, SEXES, GOVERNORATES, QUARTERS):
            count += 1
            handle.write(f"KW_MSAL:LABOUR(1.0),{','.join(cell)},{(count * 7919) % 100_000}\n")
    return count


def register_and_wages():
    """A register of ESTABLISHMENTS establishments and a wage-protection file of WORKERS workers over WAGE_MONTHS,
    shaped so that every signal occurs: some establishments over their licence, some workers paid nothing for
    months, some reported absent."""
    register = [
        "licence_number,name_ar,name_en,activity,isic_division,governorate,licensed_capacity,nationality,occupation,"
        "workers"
    ]
    activities = "CFGIKN"
    per = WORKERS // ESTABLISHMENTS
    for number in range(ESTABLISHMENTS):
        capacity = per + 5 if number % 7 else per - 5  # one in seven employs more than its licence allows
        activity = activities[number % len(activities)]
        licence = f"B-{number:05d}"
        register.append(
            f"{licence},منشأة {number},Establishment {number},{activity},,KW-HA,{capacity},KWT,2,{per // 5}"
        )
        register.append(
            f"{licence},منشأة {number},Establishment {number},{activity},,KW-HA,{capacity},ASI,9,{per - per // 5}"
        )
    wages = ["licence_number,civil_id,month,salary_fils,absence_reported"]
    for worker in range(WORKERS):
        licence = f"B-{worker % ESTABLISHMENTS:05d}"
        civil_id = f"{280000000000 + worker}"
        unpaid, absent = worker % 41 == 0, worker % 53 == 0
        for month in WAGE_MONTHS:
            wages.append(f"{licence},{civil_id},{month},{0 if unpaid else 350_000},{1 if absent else 0}")
    return "\n".join(register).encode(), "\n".join(wages).encode()


class Cpu:
    """CPU seconds spent between start() and stop(): this process's and the database backend's (or None)."""

    def __init__(self, connection):
        self.connection = connection

    def start(self):
        self.process, self.backend = time.process_time(), backend_cpu(self.connection)[1]

    def stop(self):
        backend = backend_cpu(self.connection)[1]
        self.process = time.process_time() - self.process
        self.backend = None if backend is None or self.backend is None else backend - self.backend
        return self

    def figures(self, per=1, unit="s"):
        scale = 1000 if unit == "ms" else 1
        return {
            f"client_cpu_{unit}": round(self.process * scale / per, 2),
            f"database_cpu_{unit}": None if self.backend is None else round(self.backend * scale / per, 2),
        }


def bench(database_url):
    import django

    os.environ["DATABASE_URL"] = database_url
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from wagtail.models import Locale, Page, Site

    from labour.models import LabourDashboardPage, Observation
    from labour.services import import_indicators

    call_command("migrate", verbosity=0)
    setup_test_environment()  # the test client's host and no CSRF checks; DEBUG stays off
    results = {"load_average_start": [round(load, 2) for load in os.getloadavg()]}
    errors = Errors()
    cpu = Cpu(connection)

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "cube.csv"
        rows = write_file(path)
        data = path.read_bytes()
        cpu.start()
        started = time.perf_counter()
        initial = import_indicators(data, file_name=path.name)
        seconds = time.perf_counter() - started
        import_cpu = cpu.stop().figures()
        assert initial.created == rows == Observation.objects.count()
        cpu.start()
        started = time.perf_counter()
        again = import_indicators(data, file_name=path.name)
        again_seconds = time.perf_counter() - started
        reimport_cpu = cpu.stop().figures()
        assert again.created == again.updated == 0
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE labour_observation")
    results["import"] = {
        "observations": rows,
        "seconds": round(seconds, 1),
        "per_second": round(rows / seconds),
        "target_per_second": TARGET_IMPORT_RATE,
        "ratio_to_target": round(rows / seconds / TARGET_IMPORT_RATE, 2),
        "reimport_seconds": round(again_seconds, 1),
        **import_cpu,
        "reimport_cpu": reimport_cpu,
    }

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    pairs = list(itertools.combinations(["nationality", "sector", "activity", "occupation", "sex", "governorate"], 2))
    urls = [
        f"/api/v1/labour/series/?measure={measure}&by={first},{second}"
        for measure in ("EMP", "WP_ISS", "EST")
        for first, second in pairs
    ]
    for url in urls[:5]:
        client.get(url)  # warm-up
    latencies = []
    cpu.start()
    for _round in range(ROUNDS):
        for url in urls:
            started = time.perf_counter()
            response = client.get(url)
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                errors.met(response.status_code)
    api_cpu = cpu.stop().figures(len(latencies), "ms")
    results["api"] = {
        "requests": len(latencies),
        **{f"{name}_per_request": value for name, value in api_cpu.items()},
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "target_p95_ms": TARGET_API_P95_MS,
        "ratio_to_target": round(percentile(latencies, 0.95) / TARGET_API_P95_MS, 2),
    }

    root = Page.get_first_root_node()
    locale = Locale.objects.get(language_code="en") if Locale.objects.filter(language_code="en").exists() else None
    locale = locale or Locale.objects.create(language_code="en")
    base = {"series_codes": "", "filters": "", "frequency": "Q", "periods": 8}
    page = LabourDashboardPage(
        title="Labour market",
        slug="labour-bench",
        locale=locale,
        body=[
            {
                "type": "indicator_chart",
                "value": {**base, "title": "By sector", "indicator": "EMP", "series_by": "sector", "kind": "line"},
            },
            {
                "type": "indicator_chart",
                "value": {
                    **base,
                    "title": "Kuwaitisation",
                    "indicator": "KWT_SHARE",
                    "series_by": "sector",
                    "kind": "bar",
                },
            },
            {
                "type": "indicator_chart",
                "value": {**base, "title": "By sex", "indicator": "EMP", "series_by": "sex", "kind": "stacked"},
            },
        ],
    )
    root.add_child(instance=page)
    page.save_revision().publish()
    Site.objects.update_or_create(
        is_default_site=True, defaults={"hostname": "testserver", "root_page": page, "port": 80, "site_name": "bench"}
    )
    url = "/en/"
    response = client.get(url)
    if response.status_code != 200 or response.content.count(b'<svg class="labour-chart-svg"') != 3:
        errors.met(f"the dashboard page: HTTP {response.status_code}, not three charts")
    page_latencies = []
    cpu.start()
    for _request in range(PAGE_REQUESTS):
        started = time.perf_counter()
        response = client.get(url)
        page_latencies.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            errors.met(response.status_code)
    page_cpu = cpu.stop().figures(len(page_latencies), "ms")
    results["dashboard"] = {
        "requests": len(page_latencies),
        **{f"{name}_per_request": value for name, value in page_cpu.items()},
        "charts": 3,
        "p50_ms": round(statistics.median(page_latencies), 1),
        "p95_ms": round(percentile(page_latencies, 0.95), 1),
        "target_p95_ms": TARGET_PAGE_P95_MS,
        "ratio_to_target": round(percentile(page_latencies, 0.95) / TARGET_PAGE_P95_MS, 2),
    }

    from labour.selectors import marginal_signals
    from labour.services import import_establishments, import_wages

    register, wages = register_and_wages()
    import_establishments(register)
    started = time.perf_counter()
    import_wages(wages, file_name="wages.csv", today=datetime.date(2026, 11, 15))
    wages_seconds = time.perf_counter() - started
    report_seconds = []
    cpu.start()
    for _report in range(REPORTS):
        started = time.perf_counter()
        signals = marginal_signals(months=3)
        report_seconds.append(time.perf_counter() - started)
    report_cpu = cpu.stop().figures(REPORTS)
    if not signals:
        errors.met("the marginal-labour report found no signal")
    results["marginal_labour"] = {
        "establishments": ESTABLISHMENTS,
        "wage_records": WORKERS * len(WAGE_MONTHS),
        "wage_import_seconds": round(wages_seconds, 1),
        "signals": len(signals),
        "reports": REPORTS,
        "median_seconds": round(statistics.median(report_seconds), 2),
        "max_seconds": round(max(report_seconds), 2),
        **{f"{name}_per_report": value for name, value in report_cpu.items()},
    }

    results["load_average_end"] = [round(load, 2) for load in os.getloadavg()]
    imported = results["import"]
    print(f"labour benchmark — PostgreSQL, {rows:,} observations{' (smoke run)' if SMOKE else ''}")
    print(
        f"  import:    {imported['per_second']:8,} observations/s ({imported['seconds']} s)"
        f"  ratio to target {imported['ratio_to_target']:.2f}; the same file again: {imported['reimport_seconds']} s"
    )
    print(
        f"             CPU: this process {imported['client_cpu_s']} s, database backend {imported['database_cpu_s']} s"
        f" ({1e6 * (imported['client_cpu_s'] + (imported['database_cpu_s'] or 0)) / rows:.1f} µs an observation);"
        f" again: {reimport_cpu['client_cpu_s']} s + {reimport_cpu['database_cpu_s']} s"
    )
    for name in ("api", "dashboard"):
        figures = results[name]
        print(
            f"  {name:9}  p50 {figures['p50_ms']:7.1f} ms  p95 {figures['p95_ms']:7.1f} ms"
            f"  ({figures['requests']} requests)  p95 / target ({figures['target_p95_ms']:.0f} ms):"
            f" {figures['ratio_to_target']:.2f}"
        )
        print(
            f"             CPU a request: this process {figures['client_cpu_ms_per_request']} ms,"
            f" database backend {figures['database_cpu_ms_per_request']} ms"
        )
    report = results["marginal_labour"]
    print(
        f"  marginal-labour report: {report['establishments']:,} establishments, {report['wage_records']:,} wage"
        f" records (imported in {report['wage_import_seconds']} s): {report['signals']:,} signals in"
        f" {report['median_seconds']} s (median of {report['reports']}, at most {report['max_seconds']} s); CPU a"
        f" report: this process {report['client_cpu_s_per_report']} s, database backend"
        f" {report['database_cpu_s_per_report']} s"
    )
    print(f"  load average: {results['load_average_start']} at the start, {results['load_average_end']} at the end")
    failures = errors.report("the requests")
    results["errors"] = errors.as_dict()
    record("labour", results)
    return failures == 0


def main():
    ok = run_in_scratch_database("labour_bench", bench)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
