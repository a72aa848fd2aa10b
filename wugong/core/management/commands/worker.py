"""`wugong worker`: runs background tasks from the database queue (django-tasks)."""

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run background tasks (django-tasks, database backend). Run as many as you like."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--interval", type=float, default=1.0, help="seconds between polls of an empty queue"
        )
        parser.add_argument("--batch", action="store_true", help="run what is queued, then exit")

    def handle(self, *args: Any, **opts: Any) -> None:
        call_command("db_worker", interval=opts["interval"], batch=opts["batch"])
