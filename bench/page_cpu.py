"""CPU per request of the public site's uncached URLs, measured in one process (not a `make bench` bench: it
writes nothing to bench/results.json, and is not named *_bench.py).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_cpu REDIS_URL=redis://127.0.0.1:6379/5 \\
        .venv/bin/python bench/page_cpu.py [--requests 300] [--runs 3] [--profile NAME]

It serves bench/site_bench.py's URLs — the bare JSON view, the Arabic home page, the service page the site bench
uses, the content API's v2 listing of 20 services, stock Wagtail's v2 listing of 20 pages and the search — through
Django's WSGI handler in this process, with the site bench's settings (bench/site_bench_settings.py: production,
DEBUG off) and the site bench's conditions: the portal's page cache off (PAGE_CACHE_IN_PROCESS=false), the
fragments it keeps until a purge warm, the request as Varnish passes it on (X-Forwarded-Proto: https,
anonymous). Each URL is asked for --requests times in a row, the URLs one after the other, --runs times; for each
it prints the CPU of a request in milliseconds — this process's (time.process_time), the PostgreSQL backend's
(from /proc, when the server runs on this machine, in steps of the kernel's clock tick) and their sum — and the
wall clock, each the median over the runs with the lowest and highest, and the ratio of the bare view's CPU to
the URL's (what the site bench's ratio to the bare view would be if the two cores were given to these alone; it
leaves out nginx, Varnish and Redis). The machine's load disturbs CPU time far less than the wall clock.

The database of DATABASE_URL gets the site bench's demo content when it has no service (migrated, load_demo,
load_participation_demo, search_reindex, as deploy/run-prod.sh does); the static files are collected into
STATIC_ROOT (/tmp/portal-page-cpu/static unless set) when they are not there. `--profile NAME` (a URL's name, e.g.
`v2`) runs that URL under cProfile instead and prints where the time went."""

import argparse
import cProfile
import io
import os
import pstats
import secrets
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from benchlib import backend_cpu  # noqa: E402 (bench/ on the path first)

os.environ["DJANGO_SETTINGS_MODULE"] = "bench.site_bench_settings"
os.environ["PAGE_CACHE_IN_PROCESS"] = "false"  # the site bench's "uncached": the portal renders every request
os.environ.setdefault("PORTAL_DATA_DIR", "/tmp/portal-page-cpu")
os.environ.setdefault("STATIC_ROOT", "/tmp/portal-page-cpu/static")  # collected on first use (manifest storage)
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(40))
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
os.environ.setdefault("BEHIND_TLS_PROXY", "true")
os.environ.setdefault("PORTAL_CLIENT_IP_HEADER", "X-Real-IP")
os.environ.setdefault("CACHE_KEY_PREFIX", "pagecpu")
os.environ.setdefault("DATABASE_CONN_MAX_AGE", "86400")  # one connection kept, as deploy/bin/portal-web does
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("REQUEST_LOG_LEVEL", "WARNING")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
os.environ.setdefault("TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")

SEARCH = "/api/v1/search/?q=" + quote("اذن عمل")
V2_SERVICES = "/api/v2/pages/?type=cms.ServicePage&locale=ar&fields=*&limit=20"
V2_STOCK = "/bench/stock-v2/pages/?limit=20"


def ensure_demo():
    from django.conf import settings
    from django.core.management import call_command

    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        call_command("collectstatic", verbosity=0, interactive=False)
    call_command("migrate", verbosity=0, interactive=False)
    from cms.models import ServicePage

    if not ServicePage.objects.exists():
        print("loading the demo content (an empty database)", file=sys.stderr)
        for command in ("load_demo", "load_participation_demo", "search_reindex"):
            call_command(command)


def environ(url):
    parts = urlsplit(url)
    return {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        # WSGI gives the path as bytes decoded as ISO-8859-1, as gunicorn does.
        "PATH_INFO": parts.path.encode().decode("iso-8859-1"),
        "QUERY_STRING": parts.query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8451",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8451",
        "HTTP_ACCEPT_ENCODING": "gzip",
        "HTTP_X_FORWARDED_PROTO": "https",
        "HTTP_X_REAL_IP": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0),
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }


def request(handler, url):
    status = []
    body = b"".join(handler(environ(url), lambda code, headers, *_: status.append(code)))
    if not status[0].startswith("200"):
        raise SystemExit(f"{url}: {status[0]}\n{body[:500]!r}")
    return body


def measure(handler, connection, url, count):
    backend = backend_cpu(connection)
    started, wall = time.process_time(), time.perf_counter()
    for _ in range(count):
        request(handler, url)
    process = time.process_time() - started
    wall = time.perf_counter() - wall
    after = backend_cpu(connection)
    same = backend[0] == after[0] and None not in (backend[1], after[1])  # not a new connection in between
    return {
        "process": process / count * 1000,
        "backend": (after[1] - backend[1]) / count * 1000 if same else None,
        "wall": wall / count * 1000,
    }


def spread(values):
    values = [value for value in values if value is not None]
    if not values:
        return "—"
    return f"{statistics.median(values):6.2f} ({min(values):.2f}–{max(values):.2f})"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", help="the name of one URL to profile (bare, home, service, v2, stock, search)")
    parser.add_argument("--sort", default="cumulative", help="cProfile's sort key for --profile")
    parser.add_argument("--lines", type=int, default=60)
    parser.add_argument("--save", help="with --profile: also write the profile's statistics to this file")
    arguments = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        sys.exit("DATABASE_URL must point at PostgreSQL, e.g. postgres://postgres@127.0.0.1:5432/portal_cpu")

    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection

    from cms.models import ServicePage

    ensure_demo()
    service = ServicePage.objects.live().filter(locale__language_code="ar").order_by("pk").first()
    urls = {
        "bare": "/bench/bare/",
        "home": "/ar/",
        "service": service.get_url_parts()[2],
        "v2": V2_SERVICES,
        "stock": V2_STOCK,
        "search": SEARCH,
    }
    handler = WSGIHandler()
    connection.ensure_connection()
    for url in urls.values():  # the fragments a purge empties, and the process's own first-request work
        for _ in range(5):
            request(handler, url)

    if arguments.profile:
        url = urls[arguments.profile]
        profile = cProfile.Profile(time.process_time)  # CPU time, not waiting
        profile.enable()
        for _ in range(arguments.requests):
            request(handler, url)
        profile.disable()
        print(f"{arguments.profile}: {url}, {arguments.requests} requests")
        if arguments.save:
            profile.dump_stats(arguments.save)
        pstats.Stats(profile).sort_stats(arguments.sort).print_stats(arguments.lines)
        return 0

    print(
        f"CPU per request, ms: {arguments.runs} runs of {arguments.requests} requests per URL, load "
        f"{os.getloadavg()[0]:.1f}; median (lowest–highest)"
    )
    runs = []
    for _ in range(arguments.runs):
        runs.append({name: measure(handler, connection, url, arguments.requests) for name, url in urls.items()})
    for run in runs:
        for figures in run.values():
            figures["total"] = figures["process"] + (figures["backend"] or 0)
    print(f"  {'':<8} {'process':>21} {'database':>21} {'process+database':>21} {'wall':>21} {'bare/this':>9}")
    for name, url in urls.items():
        ratios = [run["bare"]["total"] / run[name]["total"] for run in runs]
        print(
            f"  {name:<8} {spread([run[name]['process'] for run in runs]):>21}"
            f" {spread([run[name]['backend'] for run in runs]):>21} {spread([run[name]['total'] for run in runs]):>21}"
            f" {spread([run[name]['wall'] for run in runs]):>21} {statistics.median(ratios):>9.3f}  {url}"
        )
    stock = statistics.median(run["stock"]["total"] / run["v2"]["total"] for run in runs)
    print(f"  stock Wagtail's listing of 20 pages costs {stock:.2f}× the portal's listing of 20 services")
    print(f"  load {os.getloadavg()[0]:.1f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
