"""Rollup figures equal the source facts (exact), parents are the sums of their children,
a refresh is idempotent and writes whole rows; the tick command and the task."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command

from wugong.dashboards.metrics import METRICS, figures_sum
from wugong.dashboards.models import PlaceFigures

pytestmark = pytest.mark.django_db


def _figures(place):  # type: ignore[no-untyped-def]
    return PlaceFigures.objects.get(place=place).figures


def test_village_figures_equal_the_facts(facts, refresh):  # type: ignore[no-untyped-def]
    refresh()
    a = _figures(facts.village_a)
    assert a["households"] == 4
    assert a["needs"] == 3 and a["proposers"] == 2
    assert a["votes_published"] == 1 and a["decisions"] == 1 and a["voters"] == 2
    assert a["projects"] == 2
    assert a["projects_building"] == 1 and a["projects_accepted"] == 1
    assert a["money_government_fen"] == 100_000
    assert a["money_residents_fen"] == 50_000
    assert a["money_enterprise_fen"] == 30_000
    assert a["in_kind_fen"] == 20_000
    assert Decimal(a["labour_days"]) == Decimal("12.75")
    assert a["labour_times"] == 25
    assert a["reports"] == 2
    assert a["reports_handled"] == 1 and a["reports_answered"] == 1
    assert a["reports_closed_in_time"] == 1
    assert a["reports_need_escalation"] == 1 and a["reports_escalated"] == 0
    assert a["reports_rated"] == 1 and a["reports_rating_sum"] == 5
    assert a["reports_satisfied"] == 1
    assert a["key_households"] == 1 and a["visits_in_time"] == 1
    assert a["grassroots"] == 1
    b = _figures(facts.village_b)
    assert b["households"] == 2 and b["needs"] == 1 and b["proposers"] == 1
    assert b["voters"] == 1  # a secret ballot: counted from the roll, nothing else is known
    assert b["votes_published"] == 0 and b["projects_proposed"] == 1
    assert b["key_households"] == 1 and b["visits_in_time"] == 0
    cm = _figures(facts.community)
    assert cm["reports"] == 1 and cm["reports_escalated"] == 1
    assert cm["reports_need_escalation"] == 1 and cm["households"] == 2


def test_parents_are_the_sums_of_their_children(facts, refresh):  # type: ignore[no-untyped-def]
    refresh()
    c = facts
    assert _figures(c.town_a) == _figures(c.village_a)
    assert _figures(c.street) == _figures(c.community)
    county = _figures(c.county)
    towns = [_figures(p) for p in (c.town_a, c.town_b, c.street)]
    assert county == figures_sum(towns)
    assert county["households"] == 8
    assert county["grassroots"] == 3
    assert county["money_government_fen"] == 100_000
    assert Decimal(county["labour_days"]) == Decimal("12.75")
    assert set(county) == set(METRICS)


def test_refresh_is_idempotent(facts, refresh, now):  # type: ignore[no-untyped-def]
    refresh()
    first = {r.place_id: r.figures for r in PlaceFigures.objects.all()}
    count = PlaceFigures.objects.count()
    refresh()
    refresh(place=facts.town_a)
    assert PlaceFigures.objects.count() == count == 7  # county, 3 towns/streets, 3 villages
    assert {r.place_id: r.figures for r in PlaceFigures.objects.all()} == first


def test_a_new_fact_shows_after_the_next_refresh_only(facts, refresh, now):  # type: ignore[no-untyped-def]
    from wugong.needs.models import Need

    refresh()
    Need.objects.create(
        title="路灯",
        text="不亮",
        place=facts.village_b,
        place_path=facts.village_b.path,
        source="online",
        reporter=facts.households_b[1].head,
    )
    assert _figures(facts.county)["needs"] == 4
    refresh(place=facts.town_b)  # one town: the county above it is recomputed too
    assert _figures(facts.village_b)["needs"] == 2
    assert _figures(facts.county)["needs"] == 5


def test_a_new_month_keeps_the_last_months_row(facts, refresh, now):  # type: ignore[no-untyped-def]
    refresh(at=now - dt.timedelta(days=31))
    refresh(at=now)
    periods = sorted(
        PlaceFigures.objects.filter(place=facts.county).values_list("period", flat=True)
    )
    assert periods == [dt.date(2026, 10, 1), dt.date(2026, 11, 1)]


def test_refresh_records_when(facts, refresh, now):  # type: ignore[no-untyped-def]
    refresh()
    assert {r.refreshed_at for r in PlaceFigures.objects.all()} == {now}


def test_tick_enqueues_a_task_per_county(facts, capsys):  # type: ignore[no-untyped-def]
    call_command("dashboards_tick")  # the immediate backend runs it at once in tests
    out = capsys.readouterr().out
    assert out.count("enqueued") == 1 and str(facts.county.pk) in out
    assert PlaceFigures.objects.filter(place=facts.county).exists()


def test_tick_refuses_a_bad_clock(db):  # type: ignore[no-untyped-def]
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("dashboards_tick", "--at", "yesterday")


def test_a_failed_refresh_leaves_the_old_rows(facts, refresh, now, monkeypatch):  # type: ignore[no-untyped-def]
    """Atomic: the subtree's rows are rewritten and the places above recomputed in one
    transaction, so a failure halfway leaves every row as it was."""
    from wugong.dashboards import rollups
    from wugong.needs.models import Need

    refresh()
    before = {r.place_id: (r.figures, r.refreshed_at) for r in PlaceFigures.objects.all()}
    Need.objects.create(
        title="路灯",
        text="不亮",
        place=facts.village_b,
        place_path=facts.village_b.path,
        source="online",
        reporter=facts.households_b[1].head,
    )

    def boom(*a, **k):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk full")

    monkeypatch.setattr(rollups, "_ancestor_refresh", boom)
    with pytest.raises(RuntimeError):
        rollups.dashboards_refresh_place(place=facts.town_b, now=now + dt.timedelta(hours=1))
    after = {r.place_id: (r.figures, r.refreshed_at) for r in PlaceFigures.objects.all()}
    assert after == before


def test_pilot_sites_coverage_and_points(facts, refresh, now):  # type: ignore[no-untyped-def]
    """Coverage from the pilots app (a group's site covers its village), points issued and
    redeemed from the points ledger (through the apps' village-totals selectors)."""
    from wugong.pilots.models import Site
    from wugong.points.models import Account, Entry, Transaction

    c = facts
    for place, status in (
        (c.group_a1, "active"),
        (c.village_a, "active"),
        (c.village_b, "finished"),
    ):
        Site.objects.create(
            place=place,
            place_path=place.path,
            village_path=c.village_a.path if place != c.village_b else c.village_b.path,
            name=f"试点{place.name}",
            started_on=dt.date(2026, 3, 1),
            status=status,
        )
    h = c.households_a[0]
    mine = Account.objects.create(
        kind="household", place=c.village_a, place_path=c.village_a.path, household=h
    )
    issuing = Account.objects.create(kind="issuing", place=c.village_a, place_path=c.village_a.path)
    shop = Account.objects.create(
        kind="supermarket", place=c.village_a, place_path=c.village_a.path
    )
    for kind, amount, other in (
        ("award", 10, issuing),
        ("award", 5, issuing),
        ("redemption", -3, shop),
    ):
        t = Transaction.objects.create(
            kind=kind, place=c.village_a, place_path=c.village_a.path, occurred_on=now.date()
        )
        for account, value in ((mine, amount), (other, -amount)):
            Entry.objects.create(
                transaction=t,
                account=account,
                amount=value,
                kind=kind,
                place_path=c.village_a.path,
                occurred_on=now.date(),
            )
    refresh()
    a = _figures(c.village_a)
    assert a["pilot_sites"] == 2 and a["grassroots_with_site"] == 1
    assert a["points_issued"] == 15 and a["points_redeemed"] == 3
    county = _figures(c.county)
    assert county["grassroots"] == 3 and county["grassroots_with_site"] == 1
    assert county["pilot_sites"] == 2
    assert county["points_issued"] == 15
