"""Fixtures for 村规民约: viewers around 双台村, and votes of the village that carried, lost or
are still open (made through the voting services, counted by show of hands)."""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone


@dataclass
class Cast:
    county: object
    cadre_a: object  # village cadre of 双台村
    cadre_b: object  # village cadre of 楼台村
    town_a: object  # town supervisor of 宝丰镇 (holds 双台村)
    town_b: object  # town supervisor of 麻家渡镇
    county_sup: object
    admin: object
    resident_a: object  # lives in 双台村
    resident_b: object  # lives in 楼台村


@pytest.fixture
def cast(county, make_user) -> Cast:  # type: ignore[no-untyped-def]
    from wugong.people.models import User

    c = county
    return Cast(
        county=c,
        cadre_a=make_user("village_cadre", c.village_a),
        cadre_b=make_user("village_cadre", c.village_b),
        town_a=make_user("town_supervisor", c.town_a),
        town_b=make_user("town_supervisor", c.town_b),
        county_sup=make_user("county_supervisor", c.county),
        admin=User.objects.create_superuser(username="root", password="pw"),
        resident_a=make_user("resident", c.group_a1, household=c.households_a[0]),
        resident_b=make_user("resident", c.group_b1, household=c.households_b[0]),
    )


def vote_make(place, *, outcome: str = "carried", publish: bool = True, method: str = "motion"):  # type: ignore[no-untyped-def]
    """A household vote of ``place``: "carried" (all for), "lost" (all against) or "open"."""
    from wugong.people.rules import Assignment, Viewer
    from wugong.voting import services as voting
    from wugong.voting.models import RollEntry

    admin = Viewer(0, None, None, (Assignment("system_admin", 0, "/"),))
    now = timezone.now()
    kw = {"options": ["甲", "乙"], "max_choices": 1} if method == "approval" else {}
    vote = voting.vote_create(
        viewer=admin,
        actor=None,
        place=place,
        title=f"表决村规民约（{outcome}）",
        method=method,
        unit="household",
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=3),
        **kw,
    )
    vote = voting.vote_open(viewer=admin, actor=None, vote=vote)
    if outcome == "open":
        return vote
    entries = list(RollEntry.objects.filter(vote=vote).values_list("pk", flat=True))
    ids = {o.code or o.label: o.pk for o in vote.options.all()}
    n = len(entries)
    if method == "motion":
        counts = {
            ids["for"]: n if outcome == "carried" else 0,
            ids["against"]: 0 if outcome == "carried" else n,
            ids["abstain"]: 0,
        }
    else:
        counts = {ids["甲"]: n, ids["乙"]: 0}
    voting.offline_tally_record(
        vote=vote,
        viewer=admin,
        actor=None,
        meeting="村委会",
        counts=counts,
        present_entry_ids=entries,
    )
    voting.vote_close(viewer=admin, actor=None, vote=vote)
    if publish:
        vote = voting.vote_publish(viewer=admin, actor=None, vote=vote)
    return vote
