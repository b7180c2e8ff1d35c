"""The portal's own Prometheus metrics, beside django-prometheus's (requests, latency, database queries, cache
reads): the websocket clients connected and the background tasks waiting. `exposition(request)` is what /metrics
answers, and `may_read_metrics(request)` who may read it (docs/operations.md, docs/security.md).

Several server processes (gunicorn's workers, uvicorn's) each count their own. With `PROMETHEUS_MULTIPROC_DIR`
set (an empty folder, the same for every process of one machine, emptied when they start) /metrics answers the
sum over all of them, whichever process serves it; without it, the counts of the one process that answered."""

import hmac
import ipaddress
import os

import prometheus_client
from django.conf import settings
from prometheus_client import multiprocess
from prometheus_client.core import GaugeMetricFamily

# Open websockets, by consumer ("notifications", "health"); in multiprocess mode the sum over live processes.
websocket_clients = prometheus_client.Gauge(
    "portal_websocket_clients",
    "Websocket clients connected now",
    ["consumer"],
    multiprocess_mode="livesum",
)


class TaskQueueCollector:
    """`portal_task_queue_depth`: tasks ready to run and not yet taken by a worker (django-tasks-db's table),
    read when /metrics is scraped. With tasks run inline (the embedded default) nothing ever waits: 0."""

    def describe(self):
        return [GaugeMetricFamily("portal_task_queue_depth", "Background tasks waiting for a worker")]

    def collect(self):
        family = GaugeMetricFamily("portal_task_queue_depth", "Background tasks waiting for a worker", labels=["queue"])
        if "django_tasks_db" in settings.TASKS["default"]["BACKEND"]:
            from django.db.models import Count
            from django_tasks_db.models import DBTaskResult

            try:
                waiting = DBTaskResult.objects.ready().values_list("queue_name").annotate(n=Count("id"))
                for queue, count in waiting:
                    family.add_metric([queue], count)
            except Exception:  # noqa: BLE001 — the database is down: /readyz says so; the other metrics still answer
                pass
        else:
            family.add_metric(["default"], 0)
        yield family


_task_queue = TaskQueueCollector()
prometheus_client.REGISTRY.register(_task_queue)


def registry():
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        combined = prometheus_client.CollectorRegistry()
        multiprocess.MultiProcessCollector(combined)
        combined.register(_task_queue)
        return combined
    return prometheus_client.REGISTRY


def exposition():
    """The metrics in Prometheus's text format, and its content type."""
    return prometheus_client.generate_latest(registry()), prometheus_client.CONTENT_TYPE_LATEST


FORWARDING_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP", "HTTP_FORWARDED")


def may_read_metrics(request):
    """With METRICS_TOKEN set: the request carries `Authorization: Bearer <METRICS_TOKEN>`. Without it: the request
    comes from the loopback and not through a proxy (a proxy on the same machine connects from the loopback too,
    and adds X-Forwarded-For)."""
    token = settings.METRICS_TOKEN
    if token:
        given = request.META.get("HTTP_AUTHORIZATION", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    try:
        loopback = ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False
    return loopback and not any(request.META.get(header) for header in FORWARDING_HEADERS)
