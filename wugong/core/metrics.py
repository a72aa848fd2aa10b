"""Prometheus metrics at ``/metrics``: request latency and counts by view, the background-task
queue, task failures and database connection errors.

Several granian worker processes serve one node. When ``PROMETHEUS_MULTIPROC_DIR`` is set
(``wugong serve`` sets it), prometheus_client keeps each process's counters in files there and
``/metrics`` adds them up, so any worker answering the scrape reports the whole node. Without it
(tests, runserver) the process's own default registry is used.

The task figures are read from the database at scrape time (django-tasks, database backend),
so they are the same whichever node is scraped and need no process state.
"""

import hmac
import ipaddress
import os
import sys
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import DatabaseError, InterfaceError, OperationalError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

# Bounded labels only: the view's name (its route, never the raw path), the method, the
# status class. Buckets in seconds, from a cached page to a slow report.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
REQUEST_LATENCY = Histogram(
    "wugong_http_request_duration_seconds",
    "Time to answer an HTTP request, by view name, method and status class.",
    ["view", "method", "status"],
    buckets=LATENCY_BUCKETS,
)
REQUESTS = Counter(
    "wugong_http_requests",
    "HTTP requests answered, by view name, method and status class.",
    ["view", "method", "status"],
)
DB_CONNECTION_ERRORS = Counter(
    "wugong_db_connection_errors",
    "Requests that failed because the database could not be reached or dropped the connection.",
)
KNOWN_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def view_label(request: HttpRequest) -> str:
    """The matched URL pattern's name (e.g. ``needs:detail``), or its route when unnamed;
    static files and anything unmatched share one label each."""
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name or match.route or "<unnamed>"
    static = "/" + settings.STATIC_URL.lstrip("/")
    if request.path.startswith(static):
        return "<static>"
    return "<unmatched>"


def request_observe(request: HttpRequest, status: int, seconds: float) -> None:
    method = request.method if request.method in KNOWN_METHODS else "OTHER"
    labels = (view_label(request), method, f"{status // 100}xx")
    REQUEST_LATENCY.labels(*labels).observe(seconds)
    REQUESTS.labels(*labels).inc()


def _db_error_count(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    """Count unhandled exceptions that are the database being unreachable (not bad SQL)."""
    exc = sys.exc_info()[1]
    if isinstance(exc, (OperationalError, InterfaceError)):
        DB_CONNECTION_ERRORS.inc()


got_request_exception.connect(_db_error_count, dispatch_uid="wugong.core.metrics.db_errors")


class TaskQueueCollector(Collector):
    """Background tasks by state, counted in the database when scraped: the queue depth
    (ready to run now or later), running, and failed results still kept."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from django_tasks.base import TaskResultStatus
        from django_tasks_db.models import DBTaskResult

        up = GaugeMetricFamily("wugong_db_up", "1 if the database answered this scrape.")
        depth = GaugeMetricFamily(
            "wugong_task_queue_depth", "Tasks waiting to run, by queue.", labels=["queue"]
        )
        running = GaugeMetricFamily(
            "wugong_tasks_running", "Tasks being run by a worker, by queue.", labels=["queue"]
        )
        failed = GaugeMetricFamily(
            "wugong_tasks_failed",
            "Failed task results in the database, by queue.",
            labels=["queue"],
        )
        wanted = {
            TaskResultStatus.READY: depth,
            TaskResultStatus.RUNNING: running,
            TaskResultStatus.FAILED: failed,
        }
        try:
            rows = list(
                DBTaskResult.objects.filter(status__in=list(wanted))
                .order_by()
                .values_list("status", "queue_name")
                .annotate(n=Count("id"))
            )
        except DatabaseError:
            DB_CONNECTION_ERRORS.inc()
            up.add_metric([], 0)
            yield up
            return
        seen: set[tuple[str, str]] = set()
        for status, queue, n in rows:
            wanted[status].add_metric([queue], n)
            seen.add((status, queue))
        # The default queue always appears, at zero when empty, so alerts have a series.
        for status, family in wanted.items():
            if (status, "default") not in seen:
                family.add_metric(["default"], 0)
        up.add_metric([], 1)
        yield up
        yield depth
        yield running
        yield failed


_TASKS = CollectorRegistry(auto_describe=False)
_TASKS.register(TaskQueueCollector())


def exposition() -> bytes:
    """The metrics text: every worker process's request metrics (multi-process mode) or this
    process's, then the task figures from the database."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return generate_latest(registry) + generate_latest(_TASKS)


def _loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.split("%")[0]).is_loopback
    except ValueError:
        return False


def scrape_allowed(request: HttpRequest) -> bool:
    """With ``METRICS_TOKEN`` set: only ``Authorization: Bearer <token>``. Without: only a
    request made from this machine directly — not one forwarded by a proxy on this machine,
    which would make every visitor look local."""
    token = getattr(settings, "METRICS_TOKEN", "")
    if token:
        given = request.headers.get("Authorization", "")
        scheme, _, value = given.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            value.strip().encode(), token.encode()
        )
    forwarded = any(
        h in request.headers for h in ("X-Forwarded-For", "X-Real-IP", "Forwarded", "Via")
    )
    return not forwarded and _loopback(request.META.get("REMOTE_ADDR", ""))


def metrics_view(request: HttpRequest) -> HttpResponse:
    """``/metrics`` in the Prometheus text format, for the scraper only."""
    if not scrape_allowed(request):
        response = HttpResponse("forbidden\n", status=403, content_type="text/plain")
        if getattr(settings, "METRICS_TOKEN", ""):
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    response = HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response
