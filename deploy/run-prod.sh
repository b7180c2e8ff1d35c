#!/usr/bin/env bash
# The production layout on loopback, without systemd (`make run-prod`, the smoke test, bench/site_bench.py):
# nginx (TLS with a self-signed certificate, static and media files, /ws/) → Varnish (the HTTP cache) → N
# application instances, each a gunicorn (HTTP) and a uvicorn (websockets), sharing PostgreSQL and Redis; the
# task worker and the scheduler. Every process is started with the same command its systemd unit runs
# (deploy/bin/portal-*, deploy/systemd/), with production settings. nginx, Varnish and openssl are installed
# from Debian's packages when missing.
#
#   deploy/run-prod.sh            start, wait, stop everything on Ctrl-C or SIGTERM
#   deploy/run-prod.sh start      start in the background and return once the portal answers through the proxy
#   deploy/run-prod.sh stop       stop what `start` started
#   deploy/run-prod.sh env        print the environment the processes run with (to source it in a shell)
#
# Settings (environment):
#   PROD_DATABASE_URL  postgres://postgres@127.0.0.1:5432/portal_prod (made if missing, migrated)
#   PROD_REDIS_URL     redis://127.0.0.1:6379/5
#   PROD_PORT_BASE     8400: nginx http on +0, https on +1, Varnish on +2 (its admin on +3), instance i's
#                      gunicorn on +10+10i and uvicorn on +11+10i
#   PROD_INSTANCES     2 application instances; PORTAL_WEB_WORKERS (1) × PORTAL_WEB_THREADS (4) each
#   PROD_DIR           /tmp/portal-prod-<port base>: certificate, secret key, rendered configurations, logs
#   PROD_DEMO          1: load the demo content into an empty database; `catalogue`: only the service catalogue
#                      (what the smoke test needs); 0: nothing
#   DJANGO_SETTINGS_MODULE  portal.settings.production
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

PROD_DATABASE_URL=${PROD_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/portal_prod}
PROD_REDIS_URL=${PROD_REDIS_URL:-redis://127.0.0.1:6379/5}
PROD_PORT_BASE=${PROD_PORT_BASE:-8400}
PROD_INSTANCES=${PROD_INSTANCES:-2}
PROD_DIR=${PROD_DIR:-/tmp/portal-prod-$PROD_PORT_BASE}
PROD_DEMO=${PROD_DEMO:-1}
PY="$ROOT/.venv/bin/python"

HTTP_PORT=$PROD_PORT_BASE
HTTPS_PORT=$((PROD_PORT_BASE + 1))
CACHE_PORT=$((PROD_PORT_BASE + 2))
CACHE_ADMIN_PORT=$((PROD_PORT_BASE + 3))
ORIGIN="https://127.0.0.1:$HTTPS_PORT"
web_port() { echo $((PROD_PORT_BASE + 10 + 10 * $1)); }
ws_port() { echo $((PROD_PORT_BASE + 11 + 10 * $1)); }

log() { echo "run-prod: $*" >&2; }

ensure_packages() {
    local missing=()
    command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
    command -v varnishd >/dev/null || [ -x /usr/sbin/varnishd ] || missing+=(varnish)
    command -v openssl >/dev/null || missing+=(openssl)
    command -v curl >/dev/null || missing+=(curl)
    [ ${#missing[@]} -eq 0 ] && return
    log "installing ${missing[*]} from Debian's packages"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null ||
        { DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
          DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; }
    # Debian's packages start their own services where an init system runs them: this layout runs its own.
    for service in nginx varnish; do
        command -v service >/dev/null && service "$service" stop >/dev/null 2>&1 || true
    done
}

write_environment() {
    mkdir -p "$PROD_DIR"/{logs,run,static,media}
    # Varnish's child runs as Debian's vcache user and must reach its working directory inside this one.
    chmod 711 "$PROD_DIR"
    umask 077
    [ -s "$PROD_DIR/secret_key" ] || "$PY" -c 'import secrets; print(secrets.token_urlsafe(50))' >"$PROD_DIR/secret_key"
    [ -s "$PROD_DIR/bypass_token" ] || "$PY" -c 'import secrets; print(secrets.token_hex(24))' >"$PROD_DIR/bypass_token"
    if [ ! -s "$PROD_DIR/tls.crt" ]; then
        openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=127.0.0.1" \
            -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
            -keyout "$PROD_DIR/tls.key" -out "$PROD_DIR/tls.crt" 2>/dev/null
    fi
    umask 022
    # The same variables an operator puts in /etc/portal/environment (deploy/portal.env.example).
    (umask 077; cat >"$PROD_DIR/environment") <<EOF
DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-portal.settings.production}
SECRET_KEY=$(cat "$PROD_DIR/secret_key")
ALLOWED_HOSTS=127.0.0.1,localhost
CSRF_TRUSTED_ORIGINS=$ORIGIN
PORTAL_BASE_URL=$ORIGIN
PAYMENTS_PUBLIC_URL=$ORIGIN
BEHIND_TLS_PROXY=true
PORTAL_CLIENT_IP_HEADER=X-Real-IP
FRONTEND_CACHE_PURGE_URL=http://127.0.0.1:$CACHE_PORT
DATABASE_URL=$PROD_DATABASE_URL
REDIS_URL=$PROD_REDIS_URL
CACHE_KEY_PREFIX=prod$PROD_PORT_BASE
TASKS_BACKEND=django_tasks_db.DatabaseBackend
PORTAL_DATA_DIR=$PROD_DIR
STATIC_ROOT=$PROD_DIR/static
MEDIA_ROOT=$PROD_DIR/media
EMAIL_BACKEND=django.core.mail.backends.console.EmailBackend
PORTAL_WEB_WORKERS=${PORTAL_WEB_WORKERS:-1}
PORTAL_METRICS_DIR=$PROD_DIR/metrics
PORTAL_WEB_THREADS=${PORTAL_WEB_THREADS:-4}
PORTAL_ACCESS_LOG=${PORTAL_ACCESS_LOG:-/dev/null}
LOG_LEVEL=${LOG_LEVEL:-WARNING}
${PAGE_CACHE_IN_PROCESS:+PAGE_CACHE_IN_PROCESS=$PAGE_CACHE_IN_PROCESS}
EOF
}

load_environment() {
    set -a
    # shellcheck disable=SC1091
    . "$PROD_DIR/environment"
    set +a
}

ensure_database() {
    "$PY" - "$PROD_DATABASE_URL" <<'EOF'
import sys
from urllib.parse import urlsplit, urlunsplit

import psycopg

parts = urlsplit(sys.argv[1])
name = parts.path.lstrip("/")
server = urlunsplit(parts._replace(path="/postgres", scheme="postgresql"))
with psycopg.connect(server, autocommit=True) as admin:
    if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
        admin.execute(f'CREATE DATABASE "{name}"')
        print(f"run-prod: database {name} created", file=sys.stderr)
EOF
}

release() {
    log "migrate and collectstatic (deploy/bin/portal-release; output in $PROD_DIR/logs/release.log)"
    deploy/bin/portal-release >>"$PROD_DIR/logs/release.log" 2>&1 || { tail -20 "$PROD_DIR/logs/release.log" >&2; return 1; }
    if [ "$PROD_DEMO" != 0 ] && [ "$("$PY" manage.py shell --no-imports -c 'from cms.models import ServicePage; print(ServicePage.objects.exists())')" = False ]; then
        log "loading the demo content (an empty database)"
        # Inline tasks while loading: a thousand page saves would otherwise queue their indexing for the worker.
        (export TASKS_BACKEND=django_tasks.backends.immediate.ImmediateBackend
         "$PY" manage.py load_demo &&
             { [ "$PROD_DEMO" = catalogue ] || "$PY" manage.py load_participation_demo; } &&
             "$PY" manage.py search_reindex) \
            >>"$PROD_DIR/logs/release.log" 2>&1 || { tail -20 "$PROD_DIR/logs/release.log" >&2; return 1; }
    fi
    # The site's address is the proxy's, so that the pages' URLs (and the purges sent for them) name it.
    "$PY" manage.py shell --no-imports -c "
from wagtail.models import Site
Site.objects.filter(is_default_site=True).update(hostname='127.0.0.1', port=$HTTPS_PORT)"
}

render() {
    local backends="" members="" ws_servers="" i
    for ((i = 0; i < PROD_INSTANCES; i++)); do
        backends+="backend web$i { .host = \"127.0.0.1\"; .port = \"$(web_port $i)\"; .probe = portal_health; .connect_timeout = 2s; .first_byte_timeout = 75s; }"$'\n'
        members+="portal.add_backend(web$i); "
        ws_servers+="server 127.0.0.1:$(ws_port $i); "
    done
    "$PY" - "$PROD_DIR" <<EOF
import pathlib, re, sys
out = pathlib.Path(sys.argv[1])
values = {
    "BACKENDS": """$backends""",
    "DIRECTOR_MEMBERS": "$members",
    "PURGERS": "",
    "SESSION_COOKIE": "sessionid",
    "BYPASS_TOKEN": (out / "bypass_token").read_text().strip(),
    "HEALTH_HOST": "127.0.0.1",
    "CACHE_ADDRESS": "127.0.0.1:$CACHE_PORT",
    "WS_SERVERS": "$ws_servers",
    "HTTP_PORT": "127.0.0.1:$HTTP_PORT",
    "HTTPS_PORT": "127.0.0.1:$HTTPS_PORT",
    "HTTPS_PORT_SUFFIX": ":$HTTPS_PORT",
    "SERVER_NAME": "127.0.0.1 localhost",
    "CERTIFICATE": str(out / "tls.crt"),
    "CERTIFICATE_KEY": str(out / "tls.key"),
    "STATIC_ROOT": str(out / "static"),
    "MEDIA_ROOT": str(out / "media"),
}
for source, target in (("deploy/varnish/portal.vcl", "portal.vcl"), ("deploy/nginx/portal.conf", "nginx-site.conf")):
    text = pathlib.Path(source).read_text()
    for name, value in values.items():
        text = text.replace(f"@{name}@", value)
    left = re.findall(r"@[A-Z_]+@", "\n".join(l for l in text.splitlines() if not l.lstrip().startswith("#")))
    assert not left, f"{source}: {left} not replaced"
    (out / target).write_text(text)
EOF
    cat >"$PROD_DIR/nginx.conf" <<EOF
# Written by deploy/run-prod.sh: Debian's nginx running deploy/nginx/portal.conf on loopback.
user root;
worker_processes 1;
pid $PROD_DIR/run/nginx.pid;
error_log $PROD_DIR/logs/nginx-error.log warn;
events { worker_connections 4096; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    access_log $PROD_DIR/logs/nginx-access.log combined buffer=64k flush=5s;
    client_body_temp_path $PROD_DIR/run/nginx-body;
    proxy_temp_path $PROD_DIR/run/nginx-proxy;
    fastcgi_temp_path $PROD_DIR/run/nginx-fastcgi;
    uwsgi_temp_path $PROD_DIR/run/nginx-uwsgi;
    scgi_temp_path $PROD_DIR/run/nginx-scgi;
    include $PROD_DIR/nginx-site.conf;
}
EOF
}

# Each process in its own process group, its pid in run/<name>.pid, its output in logs/<name>.log.
spawn() {
    local name=$1
    shift
    setsid "$@" >>"$PROD_DIR/logs/$name.log" 2>&1 </dev/null &
    echo $! >"$PROD_DIR/run/$name.pid"
}

start_processes() {
    local i
    for ((i = 0; i < PROD_INSTANCES; i++)); do
        spawn "web$i" deploy/bin/portal-web "$(web_port $i)"
        spawn "ws$i" deploy/bin/portal-ws "$(ws_port $i)"
    done
    spawn worker deploy/bin/portal-worker
    spawn scheduler deploy/bin/portal-scheduler
    # The same arguments as deploy/systemd/varnish.service.d/portal.conf, in the foreground (-F).
    spawn varnish varnishd -F -a "127.0.0.1:$CACHE_PORT" -T "127.0.0.1:$CACHE_ADMIN_PORT" \
        -f "$PROD_DIR/portal.vcl" -s malloc,256m -n "$PROD_DIR/varnish" -p default_grace=0s
    nginx -t -q -c "$PROD_DIR/nginx.conf"
    spawn nginx nginx -c "$PROD_DIR/nginx.conf" -g "daemon off;"
}

wait_until_up() {
    local i
    for i in $(seq 120); do
        if curl -skf -o /dev/null "$ORIGIN/healthz"; then
            # Varnish marks a backend healthy after its probe's threshold: wait for every instance.
            local healthy=0
            healthy=$(varnishadm -n "$PROD_DIR/varnish" backend.list 2>/dev/null | grep -c -i "healthy" || true)
            if [ "$healthy" -ge "$PROD_INSTANCES" ]; then
                log "up: $ORIGIN/ (nginx), Varnish on 127.0.0.1:$CACHE_PORT, $PROD_INSTANCES instances"
                return 0
            fi
        fi
        for pidfile in "$PROD_DIR"/run/*.pid; do
            if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
                log "$(basename "$pidfile" .pid) exited; its log:"
                tail -20 "$PROD_DIR/logs/$(basename "$pidfile" .pid).log" >&2
                return 1
            fi
        done
        sleep 1
    done
    log "the portal did not answer through the proxy within 120 s"
    return 1
}

stop() {
    local pidfile pid name
    for pidfile in "$PROD_DIR"/run/*.pid; do
        [ -e "$pidfile" ] || continue
        pid=$(cat "$pidfile")
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    done
    for pidfile in "$PROD_DIR"/run/*.pid; do
        [ -e "$pidfile" ] || continue
        pid=$(cat "$pidfile")
        name=$(basename "$pidfile" .pid)
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        if kill -0 "$pid" 2>/dev/null; then
            log "$name did not stop within 20 s: killed"
            kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
        fi
        rm -f "$pidfile"
    done
    log "stopped"
}

start() {
    if ls "$PROD_DIR"/run/*.pid >/dev/null 2>&1; then
        log "already running from $PROD_DIR (deploy/run-prod.sh stop first)"
        return 1
    fi
    ensure_packages
    write_environment
    load_environment
    ensure_database
    release
    render
    start_processes
    wait_until_up || { stop; return 1; }
}

case "${1:-foreground}" in
    start) start ;;
    stop) stop ;;
    env)
        [ -s "$PROD_DIR/environment" ] || write_environment
        grep -v '^$' "$PROD_DIR/environment" | sed 's/^/export /'
        echo "export PROD_ORIGIN=$ORIGIN PROD_DIR=$PROD_DIR PROD_CACHE_URL=http://127.0.0.1:$CACHE_PORT PROD_PORT_BASE=$PROD_PORT_BASE PROD_INSTANCES=$PROD_INSTANCES"
        ;;
    foreground)
        start
        trap 'stop; exit 0' INT TERM
        log "serving $ORIGIN/ (self-signed certificate); Ctrl-C stops everything"
        while true; do
            for pidfile in "$PROD_DIR"/run/*.pid; do
                if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
                    log "$(basename "$pidfile" .pid) exited; stopping"
                    stop
                    exit 1
                fi
            done
            sleep 2
        done
        ;;
    *) echo "usage: $0 [start|stop|env]" >&2; exit 2 ;;
esac
