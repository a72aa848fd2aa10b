"""The periodic scan (wugong upkeep_tick): visit reminders by notice and SMS, once."""

import datetime as dt

import pytest
from django.core.management import call_command

from wugong.people.sms import OutboxSender
from wugong.upkeep.models import UpkeepNotice, VisitDue
from wugong.upkeep.tests.conftest import now, tick

pytestmark = pytest.mark.django_db


def test_tick_reminds_each_visitor_once_a_day(cast):  # type: ignore[no-untyped-def]
    """Due and overdue visits are announced to the grid worker and the centre household by
    in-app notice and SMS; running the scan twice sends nothing twice; the next day again."""
    c = cast.county
    tick(now())
    VisitDue.objects.filter(household=c.households_a[0]).update(
        next_due_at=now() - dt.timedelta(days=2)
    )
    OutboxSender.outbox.clear()
    UpkeepNotice.objects.all().delete()
    at = now()
    tick(at)
    tick(at)
    notices = UpkeepNotice.objects.filter(person=cast.grid_a.person)
    assert notices.count() == 1 and "逾期" in notices.get().text
    phone = cast.grid_a.person.phone
    assert [t for p, t in OutboxSender.outbox if p == phone] == [notices.get().text]
    assert UpkeepNotice.objects.filter(person=cast.grid_b.person).count() == 1
    tick(at + dt.timedelta(days=1))
    assert UpkeepNotice.objects.filter(person=cast.grid_a.person).count() == 2


def test_tick_enqueues_without_run(cast):  # type: ignore[no-untyped-def]
    """Without --run the command enqueues the scan (the test backend runs it at once)."""
    from io import StringIO

    out = StringIO()
    call_command("upkeep_tick", stdout=out)
    assert "enqueued" in out.getvalue()
    assert VisitDue.objects.count() == 2


def test_tick_rejects_a_bad_clock(db):  # type: ignore[no-untyped-def]
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("upkeep_tick", "--run", "--at", "tomorrow")
