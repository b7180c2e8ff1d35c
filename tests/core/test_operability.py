"""Operable (issue 15 item 5): Prometheus metrics at /metrics, structured JSON logs with a request id (also in the
X-Request-ID header), /healthz and /readyz answering over plain HTTP for a load balancer."""

import io
import json
import logging
import re
import uuid
from unittest import mock

import pytest
from django.db import OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError

from portal.logs import formatter

pytestmark = pytest.mark.django_db


def metric(text, name, **labels):
    """The value of one sample in Prometheus's text format (0.0 if absent)."""
    wanted = ",".join(f'{key}="{value}"' for key, value in labels.items())
    total = 0.0
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        sample, _, value = line.rpartition(" ")
        sample_name, _, sample_labels = sample.partition("{")
        if sample_name == name and all(part in sample_labels for part in wanted.split(",") if part):
            total += float(value)
    return total


def scrape(client):
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode()


# --- /metrics -------------------------------------------------------------------------------------------------


def test_metrics_count_requests_latency_queries_and_cache_reads(client):
    before = scrape(client)
    client.get("/healthz")
    client.get("/api/v1/no-such-endpoint/")
    after = scrape(client)
    requests = "django_http_requests_total_by_view_transport_method_total"
    assert metric(after, requests, view="healthz") == metric(before, requests, view="healthz") + 1
    assert metric(after, "django_http_responses_total_by_status_total", status="404") >= 1 + metric(
        before, "django_http_responses_total_by_status_total", status="404"
    )
    latency = "django_http_requests_latency_seconds_by_view_method_count"
    assert metric(after, latency, view="healthz") == metric(before, latency, view="healthz") + 1
    assert metric(after, "django_db_execute_total") > metric(before, "django_db_execute_total")  # SELECT 1
    assert metric(after, "django_cache_get_total") > metric(before, "django_cache_get_total")
    assert metric(after, "django_cache_get_hits_total") > metric(before, "django_cache_get_hits_total")


def test_metrics_show_the_websocket_clients_and_the_task_queue(client):
    from core.metrics import websocket_clients

    text = scrape(client)
    assert "# TYPE portal_websocket_clients gauge" in text
    assert "# TYPE portal_task_queue_depth gauge" in text
    assert metric(text, "portal_task_queue_depth") == 0  # tasks run inline here
    websocket_clients.labels("notifications").inc()
    try:
        assert (
            metric(scrape(client), "portal_websocket_clients", consumer="notifications")
            == metric(text, "portal_websocket_clients", consumer="notifications") + 1
        )
    finally:
        websocket_clients.labels("notifications").dec()


def test_the_task_queue_depth_counts_tasks_waiting_for_a_worker(client, settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    DBTaskResult.objects.create(
        task_path="notifications.tasks.x",
        args_kwargs={"args": [], "kwargs": {}},
        queue_name="default",
        backend_name="default",
    )
    assert metric(scrape(client), "portal_task_queue_depth", queue="default") == 1


@pytest.mark.django_db(transaction=True)
def test_a_websocket_client_is_counted_while_it_is_connected():
    from asgiref.sync import async_to_sync
    from channels.testing import WebsocketCommunicator

    from core.metrics import websocket_clients
    from notifications.consumers import NotificationConsumer

    gauge = websocket_clients.labels("notifications")

    async def session():
        communicator = WebsocketCommunicator(NotificationConsumer.as_asgi(), "/ws/notifications/")
        connected, _ = await communicator.connect()
        assert connected
        during = gauge._value.get()
        await communicator.disconnect()
        return during

    before = gauge._value.get()
    assert async_to_sync(session)() == before + 1
    assert gauge._value.get() == before


def test_metrics_are_refused_through_a_proxy_and_from_afar_without_the_token(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 200  # the test client is 127.0.0.1: a local scraper
    assert client.get("/metrics", REMOTE_ADDR="10.0.0.7").status_code == 404
    # A proxy on the same machine connects from the loopback, but says whom it forwards.
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 404


def test_with_a_token_metrics_need_it_from_anywhere(client, settings):
    settings.METRICS_TOKEN = "s3cret-token-for-the-scraper"
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    good = client.get("/metrics", REMOTE_ADDR="10.0.0.7", HTTP_AUTHORIZATION="Bearer s3cret-token-for-the-scraper")
    assert good.status_code == 200
    assert b"django_http_requests" in good.content


# --- The request id: logs and header ---------------------------------------------------------------------------


@pytest.fixture
def json_log():
    """Every log line (the standard library's and structlog's) rendered as the portal renders it, as dicts."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter("json"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def test_every_log_line_of_a_request_carries_its_id_which_the_response_names(client, json_log):
    response = client.get("/api/v1/no-such-endpoint/")
    request_id = response["X-Request-ID"]
    assert uuid.UUID(request_id)
    lines = json_log()
    finished = [line for line in lines if line.get("event") == "request_finished"]
    assert finished and finished[-1]["request_id"] == request_id
    assert finished[-1]["code"] == 404
    assert finished[-1]["request"] == "GET /api/v1/no-such-endpoint/"
    assert {"timestamp", "level", "logger"} <= set(finished[-1])


def test_a_standard_library_log_line_within_a_request_carries_the_id(client, json_log):
    with mock.patch(
        "core.views.check_database", side_effect=lambda: logging.getLogger("portal.test").warning("x %s", 1) or "ok"
    ):
        response = client.get("/healthz")
    line = next(line for line in json_log() if line.get("logger") == "portal.test")
    assert line["event"] == "x 1"
    assert line["request_id"] == response["X-Request-ID"]
    assert line["level"] == "warning"


def test_a_well_formed_incoming_request_id_is_kept_and_a_malformed_one_replaced(client, json_log):
    kept = client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a9c2e-0001")
    assert kept["X-Request-ID"] == "lb-7f3a9c2e-0001"
    for forged in ("short", "a" * 200, 'x" injected\n{"level": "error"}', "has space 123456"):
        replaced = client.get("/healthz", HTTP_X_REQUEST_ID=forged)
        assert replaced["X-Request-ID"] != forged
        assert uuid.UUID(replaced["X-Request-ID"])
    ids = [line["request_id"] for line in json_log() if line.get("event") == "request_finished"]
    assert ids[0] == "lb-7f3a9c2e-0001"
    assert all(re.fullmatch(r"[A-Za-z0-9._:-]{8,128}", request_id) for request_id in ids)


# --- /healthz and /readyz ----------------------------------------------------------------------------------------


def test_readyz_answers_when_database_cache_and_channel_layer_do(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok", "channel_layer": "ok"}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_readyz_is_503_naming_the_database_when_it_is_down(client):
    with mock.patch("django.db.backends.base.base.BaseDatabaseWrapper.cursor", side_effect=OperationalError("down")):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["database"] == "OperationalError"
    assert response.json()["status"] == "unhealthy"


def test_readyz_is_503_naming_the_cache_when_it_is_down(client):
    with mock.patch("core.views.cache.set", side_effect=RedisConnectionError("Connection refused")):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["cache"] == "ConnectionError"
    assert response.json()["database"] == "ok"


def test_readyz_is_503_naming_the_channel_layer_when_it_is_down(client):
    class DownLayer:
        async def group_send(self, group, message):
            raise RedisConnectionError("Connection refused")

    with mock.patch("core.views.get_channel_layer", return_value=DownLayer()):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["channel_layer"] == "ConnectionError"


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics"])
def test_probes_answer_over_plain_http_when_https_is_enforced(client, settings, path):
    settings.SECURE_SSL_REDIRECT = True  # as in production; SECURE_REDIRECT_EXEMPT is the portal's own
    assert client.get(path).status_code == 200
    assert client.get("/ar/").status_code == 301


_WORKER = """
import os, sys
import django
django.setup()
from core import metrics
metrics.websocket_clients.labels("notifications").inc(int(sys.argv[1]))
import prometheus_client
prometheus_client.Counter("portal_test_requests", "requests", registry=None).inc(int(sys.argv[1]))
print(os.getpid())
"""

_SCRAPER = """
import sys, types
import django
django.setup()
from portal import gunicorn_conf
from core import metrics
if len(sys.argv) > 1:
    gunicorn_conf.child_exit(None, types.SimpleNamespace(pid=int(sys.argv[1])))
print(metrics.exposition()[0].decode())
"""


def test_with_a_metrics_folder_metrics_add_up_over_processes_and_forget_a_dead_workers_gauges(tmp_path):
    """What deploy/bin/portal-web sets up for gunicorn's workers (PROMETHEUS_MULTIPROC_DIR, portal/gunicorn_conf.py):
    /metrics in any process sums the counters of every worker, and a worker that exits leaves the websocket
    gauge (summed over live processes) but not the counters."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "portal.settings.test"}

    def run(script, *args):
        done = subprocess.run(
            [sys.executable, "-c", script, *map(str, args)], env=env, capture_output=True, text=True, check=True
        )
        return done.stdout

    first, second = int(run(_WORKER, 2)), int(run(_WORKER, 3))

    def value(text, name):
        return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name))

    both = run(_SCRAPER)
    assert value(both, "portal_test_requests_total") == 5
    assert value(both, 'portal_websocket_clients{consumer="notifications"}') == 5
    # Neither worker is alive any more; gunicorn's child_exit hook says so for the second one.
    after = run(_SCRAPER, second)
    assert value(after, "portal_test_requests_total") == 5
    assert value(after, 'portal_websocket_clients{consumer="notifications"}') == 2
    assert first != second
