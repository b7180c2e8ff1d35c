"""What every bench shares: the smoke mode, the errors its clients meet, and bench/results.json.

- Smoke mode (`BENCH_SMOKE=1`, `make bench-smoke`, run by CI): each bench runs for seconds with a few clients, so
  that a change that breaks a bench fails CI at once. Its figures mean nothing; its errors do.
- Errors: a client never retries silently. Each error it meets is counted under a short description (the
  exception's type and message, or the HTTP status), the counts are printed, and a bench whose clients met an
  error it did not cause on purpose exits with status 1.
- Results: each bench writes its figures under its own name into bench/results.json (bench/results-smoke.json in
  smoke mode; BENCH_RESULTS names another file), keeping the other benches' figures. The files are not committed:
  docs/operations.md gives the measured figures and their spread."""

import json
import os
import platform
import socket
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SMOKE = os.environ.get("BENCH_SMOKE", "").lower() not in ("", "0", "false", "no")
# The servers a bench starts log only the 4xx and 5xx request lines (docs/operations.md, REQUEST_LOG_LEVEL): one
# JSON line per request would flood the bench's output and measure the terminal.
os.environ.setdefault("REQUEST_LOG_LEVEL", "WARNING")
RESULTS = Path(os.environ.get("BENCH_RESULTS") or ROOT / "bench" / ("results-smoke.json" if SMOKE else "results.json"))


def setting(name, full, smoke):
    """An integer or float setting from the environment, else its full or its smoke-mode default."""
    default = smoke if SMOKE else full
    value = os.environ.get(name)
    return type(default)(value) if value not in (None, "") else default


def describe(error):
    """A short, stable description of what a client met: an HTTP status or an exception's type and message."""
    if isinstance(error, int):
        return f"HTTP {error}" if error else "no answer"
    text = " ".join(str(error).split())[:120]
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


class Errors(Counter):
    """Errors met, counted by description. Picklable: client processes send theirs back to be merged."""

    def met(self, error):
        self[describe(error)] += 1

    def report(self, who="the clients", limit=8):
        total = sum(self.values())
        print(f"  errors met by {who}: {total:,}")
        for description, count in self.most_common(limit):
            print(f"    {count:>8,} × {description}")
        if len(self) > limit:
            print(f"    … and {len(self) - limit} other kinds")
        return total

    def as_dict(self):
        return dict(self.most_common())


def record(bench, figures):
    """Write this bench's figures into the results file, beside the other benches' last figures."""
    try:
        results = json.loads(RESULTS.read_text())
    except (OSError, ValueError):
        results = {}
    results[bench] = {
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "smoke": SMOKE,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        **figures,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
    print(f"  figures written to {RESULTS.relative_to(ROOT) if RESULTS.is_relative_to(ROOT) else RESULTS}")


def free_port():
    """A port no one listens on now, on loopback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def percentile(values, fraction):
    """The value below which `fraction` of `values` lie (nearest rank); 0.0 for no values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))] if ordered else 0.0


def run_in_scratch_database(suffix, bench):
    """Call `bench(database_url)` on a new PostgreSQL database `<name of DATABASE_URL>_<suffix>`, made on the
    server of DATABASE_URL for this run and dropped after it, with the portal's settings pointed at it."""
    import sys
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    url = os.environ.get("DATABASE_URL")
    if not url or not url.startswith(("postgres://", "postgresql://")):
        sys.exit("DATABASE_URL must point at PostgreSQL, e.g. postgres://postgres@127.0.0.1:5432/portal")
    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'portal'}_{suffix}"
    server = urlunsplit(parts._replace(path="/postgres")).replace("postgres://", "postgresql://", 1)
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
        os.environ.setdefault("SECRET_KEY", suffix)
        os.environ["DEBUG"] = "false"  # no query logging in the timings
        os.environ.pop("ELASTICSEARCH_URL", None)
        os.environ["PORTAL_DATA_DIR"] = os.environ.get("PORTAL_DATA_DIR") or str(Path("/tmp") / f"portal-{suffix}")
        sys.path.insert(0, str(ROOT))
        return bench(urlunsplit(parts._replace(path=f"/{name}")))
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
