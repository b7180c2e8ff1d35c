"""What every bench shares: the smoke mode, the errors its clients meet, and bench/results.json.

- Smoke mode (`BENCH_SMOKE=1`, `make bench-smoke`, run by CI): each bench runs for seconds with a few clients, so
  that a change that breaks a bench fails CI at once. Its figures mean nothing; its errors do.
- Errors: a client never retries silently. Each error it meets is counted under a short description (the
  exception's type and message, or the HTTP status), the counts are printed, and a bench whose clients met an
  error it did not cause on purpose exits with status 1.
- Results: each bench writes its figures under its own name into bench/results.json (bench/results-smoke.json in
  smoke mode; BENCH_RESULTS names another file), keeping the other benches' figures. The files are not committed:
  docs/operations.md gives the measured figures and their spread."""

import asyncio
import json
import os
import platform
import socket
import subprocess
import sys
import time
import urllib.request
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


# --- The production server layout, and a client for it (petition_bench.py, payments_bench.py) ------------

# What a request through the TLS proxy carries: the proxy's host and scheme (the production settings redirect
# plain HTTP to HTTPS otherwise).
BASE_HEADERS = {"Host": "127.0.0.1", "X-Forwarded-Proto": "https", "Accept-Language": "ar"}


def collect(processes, results, started, lists, timeout=120):
    """What the load processes put on `results`, merged: the lists named in `lists` (and `latencies`) joined,
    the `statuses` counts added, the `errors` merged; `seconds` from `started` to the last process's last
    answer (handing the results over afterwards is not part of the load). Joins the processes."""
    merged = {"latencies": [], "statuses": {}, "errors": Errors(), **{name: [] for name in lists}}
    finished = []
    for _ in processes:
        part = results.get(timeout=timeout)
        finished.append(part["finished"])
        for name in ("latencies", *lists):
            merged[name] += part[name]
        merged["errors"].update(part["errors"])
        for status, count in part["statuses"].items():
            merged["statuses"][status] = merged["statuses"].get(status, 0) + count
    for process in processes:
        process.join(timeout=30)
    merged["seconds"] = max(finished) - started
    return merged


def server_environment(database_url, redis_url, name, **overrides):
    """The environment a bench's server runs in: the production settings with the benchmark's baseline view
    (`bench.petition_bench_settings`), DEBUG off, behind a TLS proxy, persistent database connections, a new
    SECRET_KEY, its data and static files under /tmp/portal-<name>[-static]; `overrides` win."""
    import secrets

    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.petition_bench_settings",
        "PYTHONPATH": str(ROOT),
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DATABASE_CONN_MAX_AGE": "60",
        "BEHIND_TLS_PROXY": "true",
        "DEBUG": "false",
        "PORTAL_DATA_DIR": str(Path("/tmp") / f"portal-{name}"),
        "STATIC_ROOT": str(Path("/tmp") / f"portal-{name}-static"),
        **overrides,
    }
    environment.pop("ELASTICSEARCH_URL", None)
    return environment


def server_command(server, port, workers, threads):
    """The production layout for plain HTTP: gunicorn, `workers` workers of `threads` threads, serving
    `portal.wsgi`; `server="uvicorn"`: uvicorn with `workers` workers serving `portal.asgi`, to compare."""
    if server == "uvicorn":
        return [
            *(sys.executable, "-m", "uvicorn", "portal.asgi:application", "--host", "127.0.0.1", "--port", str(port)),
            *("--workers", str(workers), "--lifespan", "off", "--no-access-log", "--log-level", "warning"),
        ]
    return [
        *(sys.executable, "-m", "gunicorn", "portal.wsgi:application", "--bind", f"127.0.0.1:{port}"),
        *("--workers", str(workers), "--worker-class", "gthread", "--threads", str(threads)),
        *("--keep-alive", "5", "--log-level", "warning"),
    ]


def http_request(port, path):
    return urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=BASE_HEADERS)


def start_server(command, environment, port):
    """Start the server `command` from the repository's root with `environment`; return it once /healthz
    answers 200 (exits the bench if it does not within 60 s). The caller terminates it."""
    server = subprocess.Popen(command, cwd=ROOT, env=environment)
    for _ in range(120):
        time.sleep(0.5)
        try:
            with urllib.request.urlopen(http_request(port, "/healthz"), timeout=2) as answer:
                if answer.status == 200:
                    return server
        except OSError:
            if server.poll() is not None:
                sys.exit("the server did not start")
    server.terminate()
    sys.exit("the server did not answer /healthz in 60 s")


class Connection:
    """One keep-alive HTTP/1.1 connection, just enough of the protocol for these requests."""

    def __init__(self, port):
        self.port = port
        self.reader = self.writer = None

    async def request(self, method, path, headers, body=b""):
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        lines = [f"{method} {path} HTTP/1.1", f"Content-Length: {len(body)}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        try:
            status_line = await self.reader.readline()
            if not status_line:
                raise ConnectionError("closed by the server")
            status = int(status_line.split()[1])
            length, chunked, closing = 0, False, False
            while (line := await self.reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                name, value = name.strip().lower(), value.strip().lower()
                if name == "content-length":
                    length = int(value)
                elif name == "transfer-encoding" and "chunked" in value:
                    chunked = True
                elif name == "connection" and value == "close":
                    closing = True
            if chunked:
                content = b""
                while size := int((await self.reader.readline()).strip() or b"0", 16):
                    content += await self.reader.readexactly(size)
                    await self.reader.readline()
                await self.reader.readline()
            else:
                content = await self.reader.readexactly(length)
        except Exception:
            self.close()
            raise
        if closing:
            self.close()
        return status, content

    def close(self):
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def backend_cpu(connection):
    """(pid, seconds of CPU) the PostgreSQL backend of `connection` has used so far (utime + stime from /proc); the
    seconds are None when they cannot be read (the server on another machine)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return pid, None
    return pid, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
