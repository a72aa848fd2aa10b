"""Background work of 积分制 (django-tasks): points past their validity expire. Run by
``wugong upkeep_tick`` with the other periodic scans; idempotent, since a village's year
expires once (``points_expire`` records it)."""

import datetime as dt

from django.utils import timezone
from django_tasks import task

from wugong.points.services import points_expire_due


@task()
def points_expiry_scan(*, now: str | None = None) -> dict[str, int]:
    """Expire every village's due years. ``now`` (ISO 8601) fixes the clock."""
    at = dt.datetime.fromisoformat(now) if now else timezone.now()
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    return {"points_expired": points_expire_due(today=timezone.localdate(at))}
