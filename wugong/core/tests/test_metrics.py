"""Prometheus metrics at /metrics: request latency by view (the route's name, never the raw
path), the task queue read from the database, access only for the scraper, and the sum over
several worker processes in multi-process mode."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[3]


def _sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in the exposition text (0 when absent)."""
    want = [f'{k}="{v}"' for k, v in labels.items()]
    for line in text.splitlines():
        named = line.startswith(name + "{") or line.startswith(name + " ")
        if named and all(w in line for w in want):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def _task(status: str) -> DBTaskResult:
    return DBTaskResult.objects.create(
        status=status,
        args_kwargs={"args": [], "kwargs": {}},
        task_path="wugong.core.tasks.probe_task",
        backend_name="default",
        run_after=timezone.now(),
        exception_class_path="",
        traceback="",
    )


def test_metrics_show_the_latency_histogram_of_a_view_after_a_request(client, county):
    before = client.get("/metrics").content.decode()
    seen = _sample(before, "wugong_http_request_duration_seconds_count", view="needs:detail")
    client.get(f"/needs/{10**9}/")  # a 404 still has its route's name, not the raw path
    client.get("/healthz")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    text = response.content.decode()
    assert "# TYPE wugong_http_request_duration_seconds histogram" in text
    labels = {"view": "core:healthz", "method": "GET", "status": "2xx"}
    assert _sample(text, "wugong_http_request_duration_seconds_bucket", le="+Inf", **labels) >= 1
    assert _sample(text, "wugong_http_requests_total", **labels) >= 1
    assert _sample(text, "wugong_http_request_duration_seconds_count", view="needs:detail") >= seen
    assert str(10**9) not in text  # never the raw path


def test_unmatched_paths_share_one_label(client):
    client.get("/no/such/page/zqxjv/")
    text = client.get("/metrics").content.decode()
    assert _sample(text, "wugong_http_requests_total", view="<unmatched>", status="4xx") >= 1
    assert "zqxjv" not in text


def test_queue_depth_and_failed_tasks_are_read_from_the_database(client):
    text = client.get("/metrics").content.decode()
    assert _sample(text, "wugong_task_queue_depth", queue="default") == 0
    assert _sample(text, "wugong_db_up") == 1
    _task("READY"), _task("READY"), _task("FAILED"), _task("SUCCESSFUL")
    text = client.get("/metrics").content.decode()
    assert _sample(text, "wugong_task_queue_depth", queue="default") == 2
    assert _sample(text, "wugong_tasks_failed", queue="default") == 1
    assert _sample(text, "wugong_tasks_running", queue="default") == 0


def test_only_loopback_may_scrape_without_a_token(client):
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="::1").status_code == 200
    # A proxy on this machine forwards visitors from anywhere: they are not local.
    forwarded = client.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert forwarded.status_code == 403 and b"wugong_" not in forwarded.content


def test_with_a_token_only_the_bearer_may_scrape(client, settings):
    settings.METRICS_TOKEN = "s3cret-scrape-token"
    assert client.get("/metrics").status_code == 403  # loopback is not enough any more
    wrong = client.get("/metrics", HTTP_AUTHORIZATION="Bearer guess", REMOTE_ADDR="10.1.2.3")
    assert wrong.status_code == 403 and wrong["WWW-Authenticate"].startswith("Bearer")
    right = client.get(
        "/metrics", HTTP_AUTHORIZATION="Bearer s3cret-scrape-token", REMOTE_ADDR="10.1.2.3"
    )
    assert right.status_code == 200 and b"wugong_http_requests_total" in right.content


def test_multiprocess_mode_sums_every_worker_process(client, tmp_path, monkeypatch):
    """Two worker processes answer a request each; /metrics, answered by a third, counts both."""
    metrics_dir = tmp_path / "prom"
    metrics_dir.mkdir()
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "WUGONG_DATA_DIR": str(tmp_path / "data"),
        "SECURE_SSL_REDIRECT": "0",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    env.pop("DATABASE_URL", None)
    code = (
        "import django; django.setup(); from django.test import Client; "
        "assert Client().get('/healthz', HTTP_HOST='localhost').status_code == 200"
    )
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr[-2000:]
    assert len(list(metrics_dir.glob("*.db"))) >= 2  # one file per process
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(metrics_dir))
    text = client.get("/metrics").content.decode()
    labels = {"view": "core:healthz", "method": "GET", "status": "2xx"}
    assert _sample(text, "wugong_http_requests_total", **labels) == 2
    assert _sample(text, "wugong_http_request_duration_seconds_count", **labels) == 2
    assert _sample(text, "wugong_task_queue_depth", queue="default") == 0
