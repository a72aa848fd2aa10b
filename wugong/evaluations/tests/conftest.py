"""Fixtures for 效果共评: a cast of residents, representatives and cadres in the test county,
projects at each stage, and Friday-inspection sheets made through the inspections services."""

import datetime as dt
import uuid
from dataclasses import dataclass

import pytest
from django.utils import timezone


@pytest.fixture(autouse=True)
def _on_commit_now(monkeypatch):  # type: ignore[no-untyped-def]
    from django.db import transaction

    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: func())


ADMIN = None


def admin_viewer():  # type: ignore[no-untyped-def]
    from wugong.people.rules import Assignment, Viewer

    return Viewer(0, None, None, (Assignment("system_admin", 0, "/"),))


@dataclass
class Cast:
    county: object
    resident_a: object  # lives in 王秀英's household (双台村 一组)
    resident_a2: object  # lives in 李建国's household (双台村 一组)
    resident_a3: object  # lives in 张德明's household (双台村 二组)
    resident_b: object  # lives in 刘长春's household (楼台村 一组)
    cadre_a: object  # village cadre of 双台村
    cadre_b: object  # village cadre of 楼台村
    team_a: object  # work-team member at 双台村
    council_a: object  # council member of 双台村 (a representative), lives in 陈桂兰's household
    council_b: object  # council member of 楼台村
    town_a: object  # town supervisor of 宝丰镇


@pytest.fixture
def cast(county, make_user) -> Cast:  # type: ignore[no-untyped-def]
    c = county
    ha, hb = c.households_a, c.households_b
    return Cast(
        county=c,
        resident_a=make_user("resident", c.group_a1, household=ha[0]),
        resident_a2=make_user("resident", c.group_a1, household=ha[1]),
        resident_a3=make_user("resident", c.group_a2, household=ha[2]),
        resident_b=make_user("resident", c.group_b1, household=hb[0]),
        cadre_a=make_user("village_cadre", c.village_a),
        cadre_b=make_user("village_cadre", c.village_b),
        team_a=make_user("work_team", c.village_a),
        council_a=make_user("council_member", c.village_a, household=ha[3]),
        council_b=make_user("council_member", c.village_b),
        town_a=make_user("town_supervisor", c.town_a),
    )


@pytest.fixture
def project_at(county):  # type: ignore[no-untyped-def]
    """project_at(stage, place=双台村 一组) -> a project in that stage."""
    from wugong.projects.models import Project

    def make(stage: str, place=None, title: str = "通组路硬化"):  # type: ignore[no-untyped-def]
        place = place or county.group_a1
        return Project.objects.create(
            title=title, place=place, place_path=place.path, stage=stage, motion="村民代表会议决议"
        )

    return make


def inspect(household, percents: list[int], *, cadre, start_days_ago: int = 20):  # type: ignore[no-untyped-def]
    """Score a household in weekly hygiene rounds of its place, each sheet either full marks
    (100) or nothing (0), by a cadre through the inspections services; returns the sheets."""
    from wugong.inspections import services as ins
    from wugong.inspections.models import ChecklistKind, TargetKind
    from wugong.people.rules import viewer_for
    from wugong.places.models import Place

    checklist = next(
        c
        for c in ins.checklist_defaults_ensure()
        if c.kind == ChecklistKind.HYGIENE and c.target == TargetKind.HOUSEHOLD
    )
    place = Place.objects.get(pk=household.place_id)
    today = timezone.localdate()
    sheets = []
    for i, pct in enumerate(percents):
        assert pct in (0, 100)
        rnd, _ = ins.round_create(
            viewer=viewer_for(cadre),
            actor=cadre,
            place=place,
            checklist=checklist,
            date=today - dt.timedelta(days=start_days_ago - 7 * i),
        )
        scores = {item.pk: (item.max_score if pct == 100 else 0) for item in checklist.items.all()}
        sheet, _ = ins.sheet_record(
            viewer=viewer_for(cadre),
            actor=cadre,
            round=rnd,
            idempotency_key=uuid.uuid4().hex,
            scores=scores,
            household=household,
        )
        sheets.append(sheet)
    return sheets


def inspections_ready() -> bool:
    try:
        from wugong.inspections import services  # noqa: F401
        from wugong.inspections.selectors import household_average_score  # noqa: F401
    except ImportError:
        return False
    return True
