"""Fixtures for 志愿服务: cadres of both villages, residents of 双台村 and 楼台村, a team of
双台村 and an activity made through the real services, and a receiver of deed_recorded."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from wugong.people.rules import viewer_for


@dataclass
class Cast:
    county: Any
    cadre_a: Any  # village cadre of 双台村
    cadre_b: Any  # village cadre of 楼台村
    resident_a: Any  # lives in 王秀英's household (双台村 一组)
    resident_a2: Any  # lives in 张德明's household (双台村 二组)
    resident_b: Any  # lives in 刘长春's household (楼台村 一组)


@pytest.fixture
def cast(county, make_user) -> Cast:  # type: ignore[no-untyped-def]
    c = county
    return Cast(
        county=c,
        cadre_a=make_user("village_cadre", c.village_a),
        cadre_b=make_user("village_cadre", c.village_b),
        resident_a=make_user("resident", c.group_a1, household=c.households_a[0]),
        resident_a2=make_user("resident", c.group_a2, household=c.households_a[2]),
        resident_b=make_user("resident", c.group_b1, household=c.households_b[0]),
    )


@pytest.fixture
def team_a(cast) -> Any:  # type: ignore[no-untyped-def]
    from wugong.volunteers import services

    return services.team_create(
        viewer=viewer_for(cast.cadre_a),
        actor=cast.cadre_a,
        place=cast.county.village_a,
        name="党员先锋队",
        kind="party",
    )


@pytest.fixture
def make_activity(cast, team_a) -> Any:  # type: ignore[no-untyped-def]
    """make_activity(starts_in=hours from now, length=hours, quota=, hours_cap=) -> Activity."""
    from wugong.volunteers import services

    def make(
        *, starts_in: float = 1, length: float = 3, quota: int = 5, hours_cap: Any = None, **kw: Any
    ) -> Any:
        start = timezone.now() + dt.timedelta(hours=starts_in)
        activity, _created = services.activity_create(
            viewer=viewer_for(cast.cadre_a),
            actor=cast.cadre_a,
            team=team_a,
            title=kw.pop("title", "清理河道垃圾"),
            starts_at=start,
            ends_at=start + dt.timedelta(hours=length),
            quota=quota,
            hours_cap=hours_cap,
            needs="手套、火钳",
            **kw,
        )
        return activity

    return make


@pytest.fixture
def deeds() -> Any:  # type: ignore[no-untyped-def]
    """Every deed_recorded sent during the test, as a list of keyword dicts."""
    from wugong.core.signals import deed_recorded

    got: list[dict[str, Any]] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        kwargs.pop("signal", None)
        got.append(kwargs)

    deed_recorded.connect(receiver, weak=False, dispatch_uid="volunteers-test-deeds")
    yield got
    deed_recorded.disconnect(dispatch_uid="volunteers-test-deeds")


class Clock:
    """The volunteers services' clock, moved by hand: ``clock.at(activity.starts_at)``."""

    def __init__(self) -> None:
        self.now = timezone.now()

    def at(self, when: dt.datetime) -> None:
        self.now = when

    def advance(self, **kw: float) -> None:
        self.now += dt.timedelta(**kw)


@pytest.fixture
def clock(monkeypatch) -> Clock:  # type: ignore[no-untyped-def]
    from wugong.volunteers import services

    c = Clock()
    monkeypatch.setattr(services, "_clock", lambda: c.now)
    return c
