"""The public site through the production layout (issue 15): wrk at 32 connections against nginx (TLS) → Varnish →
two application instances, each figure a ratio to a bare JSON view measured through the same proxy in the
same run.

- bare JSON view (`/bench/bare/`, never cached: it is not marked public): the reference, 1.0;
- the Arabic home page and a service page through the cache (target ≥ 0.5 of the bare view, p95 ≤ 20 ms);
- the same pages uncached (Varnish bypassed with the layout's token; target ≥ 0.1, p95 ≤ 60 ms);
- the content API's v2 listing of 20 services (`type=cms.ServicePage&locale=ar&fields=*&limit=20`) against stock
  Wagtail 8's v2 listing of 20 plain pages (`/bench/stock-v2/pages/?limit=20`), both uncached (target ≥ 2×);
- `/api/v1/search/?q=اذن عمل` uncached (target ≥ 0.15);
- a published change visible through the proxy (target ≤ 1 s): a service page's title changed and published
  with the ORM, then asked for every 20 ms through the proxy.

The layout is deploy/run-prod.sh's (started here, stopped at the end) with bench/site_bench_settings.py, on the
database `<name of DATABASE_URL>_prod` (made, migrated and given the demo content when empty; kept, like
`make run-prod`'s) and Redis db BENCH_REDIS_DB (5) of REDIS_URL's server, on ports from BENCH_PORT_BASE (8450).
BENCH_RUNS (3) runs of BENCH_SECONDS (10) per URL, BENCH_CONNECTIONS (32); the spread over the runs is reported.
wrk (Debian's package) is installed by `make bench` when missing. Smoke mode: one run of 2 s per URL, 4
connections."""

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from benchlib import ROOT, SMOKE, Errors, record, setting

RUNS = setting("BENCH_RUNS", 3, 1)
SECONDS = setting("BENCH_SECONDS", 10, 2)
CONNECTIONS = setting("BENCH_CONNECTIONS", 32, 4)
THREADS = setting("BENCH_WRK_THREADS", 2, 1)
PORT_BASE = setting("BENCH_PORT_BASE", 8450, 8450)
REDIS_DB = setting("BENCH_REDIS_DB", 5, 5)
PUBLISHES = setting("BENCH_PUBLISHES", 5, 2)

SEARCH = "/api/v1/search/?q=" + quote("اذن عمل")
V2_SERVICES = "/api/v2/pages/?type=cms.ServicePage&locale=ar&fields=*&limit=20"
V2_STOCK = "/bench/stock-v2/pages/?limit=20"

# wrk prints its summary in its own format; this prints what the bench needs (latencies in microseconds).
WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, "status": %d, '
    .. '"timeout": %d, "p50": %d, "p95": %d, "p99": %d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def layout_environment():
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("DATABASE_URL must point at PostgreSQL, e.g. postgres://postgres@127.0.0.1:5432/portal")
    parts = urlsplit(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0")
    return {
        **os.environ,
        "PROD_DATABASE_URL": os.environ.get("PROD_DATABASE_URL") or url.rstrip("/") + "_prod",
        "PROD_REDIS_URL": os.environ.get("PROD_REDIS_URL") or urlunsplit(parts._replace(path=f"/{REDIS_DB}")),
        "PROD_PORT_BASE": str(PORT_BASE),
        "DJANGO_SETTINGS_MODULE": "bench.site_bench_settings",
        # Varnish is the cache measured: the portal's own page cache (in Redis) off, so that "uncached" is rendered.
        "PAGE_CACHE_IN_PROCESS": "false",
    }


def run_prod(command, environment):
    return subprocess.run(
        [str(ROOT / "deploy" / "run-prod.sh"), command],
        env=environment,
        cwd=ROOT,
        check=True,
        capture_output=command == "env",
        text=True,
    )


def adopt(environment):
    """This process takes the layout's environment (its settings, database, Redis) to prepare and publish."""
    printed = run_prod("env", environment).stdout
    for line in printed.splitlines():
        for assignment in line.removeprefix("export ").split(" "):
            name, _, value = assignment.partition("=")
            if name:
                os.environ[name] = value
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.site_bench_settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def wrk(url, headers, script):
    command = ["wrk", "-t", str(THREADS), "-c", str(CONNECTIONS), "-d", f"{SECONDS}s", "--timeout", "5s", "-s", script]
    for name, value in {"Accept-Encoding": "gzip", **headers}.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("WRKJSON "))
    figures = json.loads(line.removeprefix("WRKJSON "))
    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1e6)
    return figures


def main():
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: `make bench-tools` installs Debian's package")
    environment = layout_environment()
    print(
        f"== the public site through the production layout ({'smoke' if SMOKE else 'full'}): "
        f"{RUNS} run(s) of {SECONDS} s per URL, wrk {THREADS} threads × {CONNECTIONS} connections"
    )
    run_prod("start", environment)
    try:
        adopt(environment)
        return bench()
    finally:
        run_prod("stop", environment)


def bench():
    from cms.models import ServicePage
    from deploy import smoke

    origin = os.environ["PROD_ORIGIN"]
    bypass = {"X-Cache-Bypass": (Path(os.environ["PROD_DIR"]) / "bypass_token").read_text().strip()}
    service = ServicePage.objects.live().filter(locale__language_code="ar").order_by("pk").first()
    service_path = service.get_url_parts()[2]
    targets = [
        # name, path, headers, ratio target (to the bare view), p95 target in ms
        ("bare JSON view", "/bench/bare/", {}, None, None),
        ("home /ar/, cached", "/ar/", {}, 0.5, 20),
        ("service page, cached", service_path, {}, 0.5, 20),
        ("home /ar/, uncached", "/ar/", bypass, 0.1, 60),
        ("service page, uncached", service_path, bypass, 0.1, 60),
        ("v2 listing, 20 services", V2_SERVICES, bypass, None, None),
        ("stock Wagtail v2 listing, 20 pages", V2_STOCK, bypass, None, None),
        ("/api/v1/search/", SEARCH, bypass, 0.15, None),
    ]
    errors = Errors()
    cache_states = {}
    for name, path, headers, _ratio, _p95 in targets:
        answers = [smoke.request("GET", path, headers=headers) for _ in range(3)]  # warm-up, and the cache's state
        if any(status != 200 for status, _h, _b in answers):
            errors.met(f"{name}: HTTP {answers[-1][0]} before the load")
        cache_states[name] = smoke.headers_of(answers[-1]).get("x-cache", "?")
    runs = []
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(WRK_SCRIPT)
        script.flush()
        for number in range(RUNS):
            load_before = os.getloadavg()
            figures = {}
            for name, path, headers, _ratio, _p95 in targets:
                result = wrk(origin + path, headers, script.name)
                for kind in ("connect", "read", "write", "timeout", "status"):
                    if result[kind]:
                        errors[f"{name}: {kind} errors" if kind != "status" else f"{name}: non-2xx/3xx"] += result[kind]
                figures[name] = result
            runs.append({"figures": figures, "load_before": load_before, "load_after": os.getloadavg()})
            print(f"  run {number + 1}: load {load_before[0]:.1f} before, {os.getloadavg()[0]:.1f} after")
            for name, result in figures.items():
                ratio = result["rps"] / figures["bare JSON view"]["rps"]
                print(
                    f"    {name:<36} {result['rps']:>9,.0f}/s  ratio {ratio:5.3f}  p50 {result['p50'] / 1000:6.1f} ms"
                    f"  p95 {result['p95'] / 1000:6.1f} ms"
                )
    visible = publish_visibility(service, service_path, smoke)
    for failure in smoke.failures:  # a PURGE Varnish refused
        errors.met(failure)
    return report(targets, runs, cache_states, visible, errors)


def publish_visibility(service, path, smoke):
    """Seconds from a publish to the new title through the proxy, BENCH_PUBLISHES times."""
    from django.conf import settings

    portal_purges = smoke.purges_the_proxy(settings)
    original = service.title
    seen = []
    try:
        for number in range(PUBLISHES):
            smoke.request("GET", path)
            smoke.request("GET", path)  # cached, if the portal lets it be
            service.title = f"{original} {number}"
            service.save_revision().publish()
            published = time.perf_counter()
            if not portal_purges:
                smoke.purge(path)
            while time.perf_counter() - published < 10:
                if service.title in smoke.request("GET", path)[2]:
                    break
                time.sleep(0.02)
            seen.append(time.perf_counter() - published)
    finally:
        service.title = original
        service.save_revision().publish()
        if not portal_purges:
            smoke.purge(path)
    return {"seconds": seen, "purged_by": "the portal" if portal_purges else "the bench (the portal sends no PURGE)"}


def spread(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def report(targets, runs, cache_states, visible, errors):
    bare = [run["figures"]["bare JSON view"]["rps"] for run in runs]
    table = {}
    verdicts = {}
    for name, _path, _headers, ratio_target, p95_target in targets:
        rps = [run["figures"][name]["rps"] for run in runs]
        ratios = [run["figures"][name]["rps"] / run["figures"]["bare JSON view"]["rps"] for run in runs]
        p95 = [run["figures"][name]["p95"] / 1000 for run in runs]
        table[name] = {
            "requests_per_second": spread(rps),
            "ratio_to_bare": spread(ratios),
            "p95_ms": spread(p95),
            "p50_ms": spread([run["figures"][name]["p50"] / 1000 for run in runs]),
            "x_cache": cache_states[name],
        }
        if ratio_target is not None:
            verdicts[f"{name}: ratio ≥ {ratio_target}"] = min(ratios) >= ratio_target
        if p95_target is not None:
            verdicts[f"{name}: p95 ≤ {p95_target} ms"] = max(p95) <= p95_target
    services_vs_stock = [
        run["figures"]["v2 listing, 20 services"]["rps"] / run["figures"]["stock Wagtail v2 listing, 20 pages"]["rps"]
        for run in runs
    ]
    verdicts["v2 listing of 20 services ≥ 2× stock Wagtail's of 20 pages"] = min(services_vs_stock) >= 2
    verdicts["a published change visible ≤ 1 s"] = max(visible["seconds"]) <= 1.0
    print("  summary (median, and min–max over the runs):")
    print(f"    {'':<36} {'requests/s':>10} {'ratio to bare':>22} {'p95 ms':>18}  cache")
    for name, row in table.items():
        r, q, p = row["requests_per_second"], row["ratio_to_bare"], row["p95_ms"]
        print(
            f"    {name:<36} {r['median']:>10,.0f} {q['median']:>7.3f} ({q['min']:.3f}–{q['max']:.3f})"
            f" {p['median']:>6.1f} ({p['min']:.1f}–{p['max']:.1f})  {row['x_cache']}"
        )
    s = spread(services_vs_stock)
    print(f"    v2 services / stock v2: {s['median']:.2f}× ({s['min']:.2f}–{s['max']:.2f})")
    print(
        f"    a published change visible after {', '.join(f'{v:.2f}' for v in visible['seconds'])} s "
        f"(purged by {visible['purged_by']})"
    )
    for verdict, met in verdicts.items():
        print(f"    {'met    ' if met else 'NOT MET'} {verdict}")
    total = errors.report()
    record(
        "site",
        {
            "layout": "nginx (TLS) → Varnish → 2 instances × gunicorn 1 worker × 4 threads; wrk "
            f"{THREADS} threads × {CONNECTIONS} connections, {SECONDS} s per URL, {RUNS} runs",
            "bare_requests_per_second": spread(bare),
            "urls": table,
            "v2_services_over_stock": s,
            "publish_visible_seconds": visible,
            "load_average": [[run["load_before"][0], run["load_after"][0]] for run in runs],
            "targets_met": verdicts,
            "errors": errors.as_dict(),
        },
    )
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
