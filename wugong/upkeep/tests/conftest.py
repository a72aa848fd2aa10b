"""Fixtures for 建设共管: visitors, handlers and residents in the test county, a fixed clock."""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.core.management import call_command
from django.utils import timezone


@pytest.fixture(autouse=True)
def _report_categories(db):  # type: ignore[no-untyped-def]
    """The default categories come from a data migration, which a transactional test elsewhere
    may have flushed away: put them back for every upkeep test."""
    from wugong.upkeep.defaults import report_categories_ensure

    report_categories_ensure()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _on_commit_now(monkeypatch):  # type: ignore[no-untyped-def]
    """Tests run inside one transaction that never commits: run what waits for the commit
    (notices) at once, as the commit would."""
    from django.db import transaction

    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: func())


@dataclass
class Cast:
    county: object
    grid_a: object  # grid worker of 双台一组网格 (王秀英's and 李建国's households)
    grid_b: object  # grid worker of 楼台一组网格
    cadre_a: object  # village cadre of 双台村
    cadre_b: object  # village cadre of 楼台村
    town_a: object  # town supervisor of 宝丰镇
    county_sup: object  # county supervisor of 竹山县
    centre: object  # centre household role in 王秀英's household (李建国 is a neighbour)
    resident_a: object  # lives in 王秀英's household (双台村 一组)
    resident_b: object  # lives in 刘长春's household (楼台村 一组)


@pytest.fixture
def cast(county, make_user) -> Cast:  # type: ignore[no-untyped-def]
    c = county
    centre = make_user("resident", c.group_a1, household=c.households_a[0])
    from wugong.people import services as ps
    from wugong.people.rules import Assignment, Viewer

    admin = Viewer(0, None, None, (Assignment("system_admin", 0, "/"),))
    ps.role_assign(viewer=admin, person=centre.person, role="centre_household", place=c.group_a1)
    return Cast(
        county=c,
        grid_a=make_user("grid_worker", c.village_a, grid=c.grid_a),
        grid_b=make_user("grid_worker", c.village_b, grid=c.grid_b),
        cadre_a=make_user("village_cadre", c.village_a),
        cadre_b=make_user("village_cadre", c.village_b),
        town_a=make_user("town_supervisor", c.town_a),
        county_sup=make_user("county_supervisor", c.county),
        centre=centre,
        resident_a=make_user("resident", c.group_a1, household=c.households_a[0]),
        resident_b=make_user("resident", c.group_b1, household=c.households_b[0]),
    )


def tick(at: dt.datetime) -> str:
    """Run the periodic scan at a fixed clock, as cron + the worker would."""
    from io import StringIO

    out = StringIO()
    call_command("upkeep_tick", "--run", "--at", at.isoformat(), stdout=out)
    return out.getvalue()


def now() -> dt.datetime:
    return timezone.now()
