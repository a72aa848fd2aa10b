"""Fixtures of the dashboards tests: a county with known facts in every source, and a
refresh through the command line at a fixed clock."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def now() -> dt.datetime:
    return NOW


@pytest.fixture
def refresh():  # type: ignore[no-untyped-def]
    def run(at: dt.datetime = NOW, place=None) -> None:  # type: ignore[no-untyped-def]
        args = ["dashboards_tick", "--run", "--at", at.isoformat()]
        if place is not None:
            args += ["--place", str(place.pk)]
        call_command(*args)

    return run


def _project(place, stage: str, **money):  # type: ignore[no-untyped-def]
    from wugong.projects.models import Project, ProjectRollup

    p = Project.objects.create(
        title=f"项目{stage}", place=place, place_path=place.path, stage=stage
    )
    ProjectRollup.objects.update_or_create(
        project=p, defaults={"place_path": place.path, "stage": stage, **money}
    )
    return p


def _report(place, **kw):  # type: ignore[no-untyped-def]
    from wugong.upkeep.defaults import report_categories_ensure
    from wugong.upkeep.models import Report, ReportCategory

    report_categories_ensure()
    fields = {
        "category": ReportCategory.objects.order_by("id").first(),
        "text": "路灯坏了",
        "place": place,
        "place_path": place.path,
        "handler_place": place,
        "handler_path": place.path,
        "channel": "web",
        "respond_due_at": NOW - dt.timedelta(days=5),
        "resolve_due_at": NOW - dt.timedelta(days=1),
        "created_at": NOW - dt.timedelta(days=6),
        "updated_at": NOW - dt.timedelta(days=6),
        **kw,
    }
    return Report.objects.create(**fields)


@pytest.fixture
def facts(county):  # type: ignore[no-untyped-def]
    """Known facts under 竹山县 (see the expectations in test_rollups)."""
    from wugong.needs.models import Need
    from wugong.upkeep.models import VisitDue
    from wugong.voting.models import RollEntry, Vote

    c = county
    x, y, z = (h.head for h in (c.households_a[0], c.households_a[2], c.households_b[0]))
    for place, who in ((c.group_a1, x), (c.group_a1, x), (c.village_a, y), (c.group_b1, z)):
        Need.objects.create(
            title="修路",
            text="路坏了",
            place=place,
            place_path=place.path,
            source="online",
            reporter=who,
        )
    vote = Vote.objects.create(
        place=c.village_a,
        place_path=c.village_a.path,
        title="修哪条路",
        method="motion",
        unit="person",
        status="published",
        opens_at=NOW - dt.timedelta(days=3),
        closes_at=NOW - dt.timedelta(days=1),
    )
    open_vote = Vote.objects.create(
        place=c.village_b,
        place_path=c.village_b.path,
        title="种什么菜",
        method="motion",
        unit="person",
        status="open",
        secret=True,
        opens_at=NOW - dt.timedelta(days=1),
        closes_at=NOW + dt.timedelta(days=1),
    )
    for person, voted in ((x, True), (y, True), (c.households_a[1].head, False)):
        RollEntry.objects.create(
            vote=vote,
            person=person,
            name=person.name,
            voted_at=NOW - dt.timedelta(days=2) if voted else None,
            channel="online" if voted else "",
        )
    RollEntry.objects.create(
        vote=open_vote,
        person=z,
        name=z.name,
        voted_at=NOW - dt.timedelta(hours=1),
        channel="online",
    )
    _project(
        c.village_a,
        "building",
        in_government_fen=100_000,
        in_residents_fen=50_000,
        material_fen=20_000,
        labour_days=Decimal("12.50"),
        labour_times=25,
    )
    _project(c.group_a2, "accepted", in_enterprise_fen=30_000, labour_days=Decimal("0.25"))
    _project(c.village_b, "proposed")
    _report(
        c.group_a1,
        status="closed",
        responded_at=NOW - dt.timedelta(days=5, hours=20),
        resolved_at=NOW - dt.timedelta(days=2),
        closed_at=NOW - dt.timedelta(days=2),
        rating=5,
        answer="已修好",
    )
    _report(c.village_a, status="new")  # overdue, still at the village: needs escalation
    _report(c.community, status="in_progress", level=1, resolve_due_at=NOW + dt.timedelta(days=3))
    VisitDue.objects.create(
        household=c.households_a[0],
        place_path=c.households_a[0].place_path,
        interval_days=5,
        next_due_at=NOW + dt.timedelta(days=2),
        last_visited_at=NOW - dt.timedelta(days=3),
    )
    VisitDue.objects.create(
        household=c.households_b[0],
        place_path=c.households_b[0].place_path,
        interval_days=5,
        next_due_at=NOW - dt.timedelta(days=2),
    )
    return c


@pytest.fixture
def clock(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    return NOW
