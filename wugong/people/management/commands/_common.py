"""What ``wugong demo`` and ``wugong seed`` share: the empty-database check and the analyse."""

from django.core.management import call_command
from django.db import connection

from wugong.people.models import Household, Person
from wugong.places.models import Place


def database_has_data() -> bool:
    return Place.objects.exists() or Household.objects.exists() or Person.objects.exists()


def database_flush() -> None:
    """Empty every table (``wugong flush``): the start-over of ``--flush``."""
    call_command("flush", interactive=False, verbosity=0)


def statistics_refresh() -> None:
    """Refresh the planner's statistics after a bulk load (PostgreSQL also sets the visibility
    map, which index-only scans need). Skipped inside a transaction (tests)."""
    if connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
