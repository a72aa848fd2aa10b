"""The demo's needs part runs on any county, even without the people part's ctx.data."""

import random

import pytest

from wugong.core.demo import DemoContext
from wugong.needs import demo
from wugong.needs.models import Need, Status

pytestmark = pytest.mark.django_db


def test_demo_tells_the_stories_of_the_villages_it_finds(county):
    """On the test county only 双台村 of the demo's villages exists: its street lights are
    raised, supported and answered, and the dark path to the school is still waiting."""
    ctx = DemoContext(rng=random.Random(1), households=8)
    demo.load(ctx)
    needs = {n.title: n for n in Need.objects.all()}
    assert ctx.data["needs_made"] == 3
    lamp = needs["村口路灯坏了三个月，晚上看不见路"]
    assert lamp.status == Status.ANSWERED and lamp.category == "lighting"
    assert needs["二组到小学的路没有路灯，孩子晚自习回家摸黑"].status == Status.NEW
