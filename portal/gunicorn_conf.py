"""gunicorn's settings beyond the command line of deploy/bin/portal-web (`--config python:portal.gunicorn_conf`).

With several workers, each counts its own metrics; prometheus-client's multiprocess mode (PROMETHEUS_MULTIPROC_DIR,
which portal-web sets from PORTAL_METRICS_DIR and empties before gunicorn starts) writes them to files that
/metrics adds up (core/metrics.py). A worker that exits (a crash, a restart after max-requests, a reload) is
marked dead here, so that the gauges summed over live processes (`portal_websocket_clients`) forget it; its
counters stay in the sum, as Prometheus expects of counters."""

import os


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
