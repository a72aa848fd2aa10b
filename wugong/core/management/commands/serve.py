"""`wugong serve`: the production server (granian, WSGI workers; static files by whitenoise)."""

import os
import shutil
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


def _metrics_dir(port: str) -> None:
    """Prometheus multi-process mode: the workers write their counters under one directory and
    /metrics sums them. A fresh directory per node (by port) under the data directory unless
    PROMETHEUS_MULTIPROC_DIR is set; emptied at start, as prometheus_client requires."""
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or str(
        settings.DATA_DIR / "metrics" / f"port-{port}"
    )
    os.makedirs(path, exist_ok=True)
    for name in os.listdir(path):
        if name.endswith(".db"):
            os.unlink(os.path.join(path, name))
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = path


class Command(BaseCommand):
    help = "Serve Wugong in production with granian's WSGI workers."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--bind",
            default=os.environ.get("WUGONG_BIND", "127.0.0.1:8000"),
            help="HOST:PORT to listen on (default 127.0.0.1:8000)",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("WUGONG_WORKERS", os.cpu_count() or 2)),
            help="worker processes (default: one per core)",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=int(os.environ.get("WUGONG_THREADS", "4")),
            help="threads per worker; keep workers × threads within the "
            "database's connection limit",
        )
        parser.add_argument(
            "--no-collectstatic",
            action="store_true",
            help="skip collecting static files before start",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        host, _, port = opts["bind"].rpartition(":")
        if not host or not port.isdigit():
            raise CommandError("--bind must be HOST:PORT, e.g. 0.0.0.0:8000")
        if not opts["no_collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        granian = shutil.which("granian", path=os.path.dirname(sys.executable)) or shutil.which(
            "granian"
        )
        if granian is None:
            raise CommandError("granian is not installed")
        _metrics_dir(port)
        argv = [
            granian,
            "--interface",
            "wsgi",
            "--host",
            host.strip("[]"),
            "--port",
            port,
            "--workers",
            str(opts["workers"]),
            "--blocking-threads",
            str(opts["threads"]),
            "--respawn-failed-workers",
            "--no-access-log",
            "--log-level",
            "warning",
            "config.wsgi:application",
        ]
        self.stdout.write(
            f"Wugong on http://{opts['bind']} ({opts['workers']} workers × "
            f"{opts['threads']} threads, {settings.DATABASES['default']['ENGINE']})"
        )
        self.stdout.flush()
        os.execv(granian, argv)
