"""`wugong inspections_tick`: enqueue the periodic scan of 周五一检查 (the coming week's rounds,
reminders to inspectors). Run it from cron (hourly is plenty); ``wugong worker`` runs the task.
Idempotent: running it twice makes each round once and sends nothing twice."""

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from wugong.inspections.tasks import inspections_scan


class Command(BaseCommand):
    help = "Enqueue (or, with --run, run) the scan for weekly inspection rounds and reminders."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--at", help="the clock to scan at, ISO 8601 (default: now)")
        parser.add_argument(
            "--run", action="store_true", help="run the scan here instead of enqueueing it"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        at = opts.get("at")
        if at:
            try:
                dt.datetime.fromisoformat(at)
            except ValueError:
                raise CommandError(f"--at is not an ISO 8601 time: {at}") from None
        if opts["run"]:
            result = inspections_scan.call(now=at)
            self.stdout.write(" ".join(f"{k}={v}" for k, v in sorted(result.items())))
            return
        job = inspections_scan.enqueue(now=at)
        self.stdout.write(f"enqueued {job.id} ({job.status})")
