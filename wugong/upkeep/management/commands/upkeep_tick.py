"""`wugong upkeep_tick`: enqueue the periodic scans (visit reminders, overdue reports, the
week's Friday rounds, points past their validity). Run it from cron every few minutes;
``wugong worker`` runs the tasks. Idempotent: running it twice sends nothing twice."""

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from wugong.inspections.tasks import inspections_scan
from wugong.points.tasks import points_expiry_scan
from wugong.upkeep.tasks import upkeep_scan


class Command(BaseCommand):
    help = "Enqueue (or, with --now-run, run) the scan for due visits and overdue reports."

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
            result = upkeep_scan.call(now=at)
            result.update(inspections_scan.call(now=at))  # Friday rounds and their reminders
            result.update(points_expiry_scan.call(now=at))  # points past their validity
            self.stdout.write(" ".join(f"{k}={v}" for k, v in sorted(result.items())))
            return
        job = upkeep_scan.enqueue(now=at)
        inspections_scan.enqueue(now=at)
        points_expiry_scan.enqueue(now=at)
        self.stdout.write(f"enqueued {job.id} ({job.status})")
