"""The demo part for votes loads on any county, even without the people demo's ctx.data."""

import random

from wugong.core.demo import DemoContext
from wugong.voting import demo
from wugong.voting.models import Vote


def test_demo_votes_load_on_the_test_county(county, make_user):
    """Stars, 正-tallied show of hands, a secret ballot, an open vote and an estate lift vote
    with floor cost shares are all made through the services and published."""
    make_user("village_cadre", county.village_a)
    make_user("community_cadre", county.community)
    demo.load(DemoContext(rng=random.Random(7), households=10))
    votes = {v.method: v for v in Vote.objects.filter(status="published")}
    assert set(votes) == {"stars", "motion", "estate"}
    assert Vote.objects.filter(status="published", secret=True).count() == 1
    assert Vote.objects.filter(status="open").count() == 1
    lift = votes["estate"].result
    assert sum(s["fen"] for s in lift["cost_shares"]) == 40_000_000
    assert votes["stars"].result["rows"][0]["option"]
