"""Background work of 周五一检查 (django-tasks): the coming week's rounds from each place's
schedule, and reminders to the inspectors on the eve and the day of a round.

``wugong inspections_tick`` enqueues ``inspections_scan`` (run it from cron, e.g. hourly; a
worker runs the task). Both halves are idempotent: a round is unique per place, checklist and
day, and each reminder carries a de-duplication key (UpkeepNotice.key), so a rerun delivers
nothing twice.
"""

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from wugong.inspections.models import Round
from wugong.inspections.services import rounds_schedule
from wugong.people.models import RoleAssignment
from wugong.people.rules import RULES
from wugong.places.paths import subtree_q
from wugong.upkeep.notices import notice_deliver


def round_inspectors(round: Round) -> list[int]:
    """The people who score a round: active holders of ``inspection.record`` at the round's
    place or below it (cadres, grid workers, chiefs, council members)."""
    return sorted(
        set(
            RoleAssignment.objects.filter(
                subtree_q(round.place_path, "place_path"),
                active=True,
                role__in=sorted(RULES["inspection.record"]),
            ).values_list("person_id", flat=True)
        )
    )


def round_reminders(*, today: dt.date) -> int:
    """Tell the inspectors of each round dated today or tomorrow (Thursday and Friday for a
    Friday round): in-app and by SMS, once per round, person and day."""
    sent = 0
    rounds = Round.objects.filter(date__in=[today, today + dt.timedelta(days=1)]).select_related(
        "place", "checklist"
    )
    for r in rounds.order_by("date", "pk"):
        when = "today" if r.date == today else "eve"
        params = {"place": r.place.name, "checklist": r.checklist.name, "date": r.date.isoformat()}
        if when == "today":
            text = _("检查提醒：今天（%(date)s）%(place)s进行%(checklist)s，请按时入户评分。")
        else:
            text = _("检查提醒：明天（%(date)s）%(place)s进行%(checklist)s，请提前安排。")
        url = reverse("inspections:round", args=[r.pk])
        for person_id in round_inspectors(r):
            sent += notice_deliver(
                person_id=person_id,
                key=f"inspection:{r.pk}:{when}:{person_id}",
                text=text % params,
                url=url,
                sms=True,
            )
    return sent


@task()
def inspections_scan(*, now: str | None = None) -> dict[str, int]:
    """The periodic scan: the coming week's rounds, then reminders. ``now`` (ISO 8601) fixes
    the clock, for tests and replays."""
    at = dt.datetime.fromisoformat(now) if now else timezone.now()
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    today = timezone.localdate(at)
    return {"rounds": rounds_schedule(today=today), "reminders": round_reminders(today=today)}
