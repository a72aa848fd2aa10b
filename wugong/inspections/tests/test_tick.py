"""The scheduled task: the coming week's round from each place's schedule (idempotent), and
reminders to the inspectors on the eve and the day of a round (once each)."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from wugong.inspections.models import Round, Schedule
from wugong.people.sms import OutboxSender
from wugong.upkeep.models import UpkeepNotice

pytestmark = pytest.mark.django_db

WEDNESDAY = dt.date(2026, 11, 25)


def tick(day: dt.date, hour: int = 7) -> str:
    at = timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour))
    out = StringIO()
    call_command("inspections_tick", "--run", "--at", at.isoformat(), stdout=out)
    return out.getvalue()


def _schedule(cast, weekday=4):  # type: ignore[no-untyped-def]
    place = cast.county.village_a
    return Schedule.objects.create(
        place=place, place_path=place.path, checklist=cast.hygiene, weekday=weekday
    )


def test_round_task_is_idempotent(cast):  # type: ignore[no-untyped-def]
    """Run on a Wednesday: Friday's round is made; run again, still one."""
    _schedule(cast)
    Round.objects.all().delete()
    assert "rounds=1" in tick(WEDNESDAY)
    assert "rounds=0" in tick(WEDNESDAY)
    assert "rounds=0" in tick(WEDNESDAY + dt.timedelta(days=1))
    rounds = list(Round.objects.values_list("place_id", "date"))
    assert rounds == [(cast.county.village_a.pk, dt.date(2026, 11, 27))]


def test_configured_weekday_and_friday_itself(cast):  # type: ignore[no-untyped-def]
    """A Tuesday schedule makes next Tuesday's round; run on a Friday, the Friday schedule makes
    that same day's round."""
    Round.objects.all().delete()
    _schedule(cast, weekday=1)
    tick(WEDNESDAY)
    assert list(Round.objects.values_list("date", flat=True)) == [dt.date(2026, 12, 1)]
    Schedule.objects.update(weekday=4)
    tick(dt.date(2026, 11, 27))
    assert dt.date(2026, 11, 27) in set(Round.objects.values_list("date", flat=True))


def test_inactive_schedule_makes_nothing(cast):  # type: ignore[no-untyped-def]
    Round.objects.all().delete()
    s = _schedule(cast)
    s.active = False
    s.save()
    tick(WEDNESDAY)
    assert not Round.objects.exists()


def test_reminders_on_the_eve_and_the_day_once_each(cast):  # type: ignore[no-untyped-def]
    """Thursday: the village's inspectors (grid worker, cadre) hear of tomorrow's round, in-app
    and by SMS; a rerun sends nothing; Friday: today's. 楼台村's cadre and residents hear
    nothing."""
    Round.objects.all().delete()
    _schedule(cast)
    tick(WEDNESDAY)
    thursday = WEDNESDAY + dt.timedelta(days=1)
    out = tick(thursday, 8)
    assert "reminders=2" in out
    people = set(UpkeepNotice.objects.values_list("person_id", flat=True))
    assert people == {cast.grid_a.person_id, cast.cadre_a.person_id}
    assert len(OutboxSender.outbox) == 2
    assert all("明天" in text for _phone, text in OutboxSender.outbox)
    assert "reminders=0" in tick(thursday, 9)
    assert len(OutboxSender.outbox) == 2
    assert "reminders=2" in tick(thursday + dt.timedelta(days=1), 7)
    assert UpkeepNotice.objects.count() == 4
    round_url = reverse("inspections:round", args=[Round.objects.get().pk])
    assert set(UpkeepNotice.objects.values_list("url", flat=True)) == {round_url}


def test_tick_enqueues_by_default(cast):  # type: ignore[no-untyped-def]
    out = StringIO()
    call_command("inspections_tick", stdout=out)
    assert "enqueued" in out.getvalue()


def test_upkeep_tick_also_runs_the_inspections_scan(cast):  # type: ignore[no-untyped-def]
    """Deployments schedule only ``upkeep_tick``: it makes the week's rounds too."""
    Round.objects.all().delete()
    _schedule(cast)
    at = timezone.make_aware(dt.datetime(2026, 11, 25, 7))
    out = StringIO()
    call_command("upkeep_tick", "--run", "--at", at.isoformat(), stdout=out)
    assert "rounds=1" in out.getvalue()
    assert Round.objects.get().date == dt.date(2026, 11, 27)
