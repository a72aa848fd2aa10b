"""`wugong dashboards_tick`: enqueue a rollup refresh of every county for the dashboards and
report cards. Run it from cron every few minutes; ``wugong worker`` runs the tasks.
Idempotent: a refresh rewrites the same rows from the same facts."""

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from wugong.dashboards.tasks import dashboards_refresh, refresh_targets


class Command(BaseCommand):
    help = "Enqueue (or, with --run, run) the rollup refresh of every county."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--at", help="the clock to refresh at, ISO 8601 (default: now)")
        parser.add_argument("--place", type=int, help="refresh only this place's subtree")
        parser.add_argument(
            "--run", action="store_true", help="run the refreshes here instead of enqueueing"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        at = opts.get("at")
        if at:
            try:
                dt.datetime.fromisoformat(at)
            except ValueError:
                raise CommandError(f"--at is not an ISO 8601 time: {at}") from None
        targets = [opts["place"]] if opts.get("place") else refresh_targets()
        for pk in targets:
            if opts["run"]:
                rows = dashboards_refresh.call(place_id=pk, now=at)
                self.stdout.write(f"refreshed place {pk}: {rows} rows")
            else:
                job = dashboards_refresh.enqueue(place_id=pk, now=at)
                self.stdout.write(f"enqueued {job.id} ({job.status}) for place {pk}")
