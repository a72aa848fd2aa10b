"""Background work of 大屏 (django-tasks): refreshing the rollups.

``wugong dashboards_tick`` enqueues ``dashboards_refresh`` for every county (run it from cron,
e.g. every ten minutes; ``wugong worker`` runs the tasks). A refresh is idempotent, so a tick
that overlaps the previous one only does the same work again.
"""

import datetime as dt

from django.utils import timezone
from django_tasks import task

from wugong.places.models import Place, PlaceKind


@task()
def dashboards_refresh(*, place_id: int, now: str | None = None) -> int:
    """Recompute the rollups of one place's subtree (a county, a town ...) and of the places
    above it. ``now`` (ISO 8601) fixes the clock, for tests and replays. Returns rows written."""
    from wugong.dashboards.rollups import dashboards_refresh_place

    place = Place.objects.filter(pk=place_id).first()
    if place is None:
        return 0
    at = dt.datetime.fromisoformat(now) if now else timezone.now()
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    return dashboards_refresh_place(place=place, now=at)


def refresh_targets() -> list[int]:
    """The places a tick refreshes: every county, or the top places when there is none."""
    counties = list(
        Place.objects.filter(kind=PlaceKind.COUNTY).order_by("path").values_list("pk", flat=True)
    )
    if counties:
        return counties
    return list(Place.objects.filter(parent=None).order_by("pk").values_list("pk", flat=True))
