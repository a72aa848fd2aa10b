"""Fixtures for the vote tests: cadres of both villages, residents on 双台村's roll, and a
helper that drafts and opens a vote through the services."""

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from wugong.people.rules import viewer_for
from wugong.voting import services


@pytest.fixture
def cadre_a(county, make_user):  # type: ignore[no-untyped-def]
    """A village cadre of 双台村."""
    return make_user("village_cadre", county.village_a)


@pytest.fixture
def cadre_b(county, make_user):  # type: ignore[no-untyped-def]
    """A village cadre of 楼台村."""
    return make_user("village_cadre", county.village_b)


@pytest.fixture
def residents_a(county, make_user):  # type: ignore[no-untyped-def]
    """One signed-in resident in each of 双台村's four households (added to the household)."""
    return [make_user("resident", h.place, household=h) for h in county.households_a]


@pytest.fixture
def new_vote(county) -> Callable[..., Any]:  # type: ignore[no-untyped-def]
    """new_vote(cadre, method="motion", place=双台村, open=True, **kw) -> Vote."""

    def make(cadre, method="motion", place=None, open=True, **kw):  # type: ignore[no-untyped-def]
        now = timezone.now()
        kw.setdefault("unit", "household")
        kw.setdefault("title", "修建村口小广场")
        if method in {"approval", "stars", "ranked"}:
            kw.setdefault("options", ["白菜", "萝卜", "辣椒"])
        vote = services.vote_create(
            viewer=viewer_for(cadre),
            actor=cadre,
            place=place or county.village_a,
            method=method,
            opens_at=now - dt.timedelta(minutes=1),
            closes_at=now + dt.timedelta(days=1),
            **kw,
        )
        if open:
            vote = services.vote_open(viewer=viewer_for(cadre), actor=cadre, vote=vote)
        return vote

    return make


def option_ids(vote) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Option label or motion code → id."""
    return {(o.code or o.label): o.pk for o in vote.options.all()}
