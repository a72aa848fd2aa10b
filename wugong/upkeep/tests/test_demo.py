"""The demo's 建设共管 part runs on any county, without the people part's ctx.data."""

import random

import pytest

from wugong.core.demo import DemoContext
from wugong.upkeep import demo
from wugong.upkeep.models import Assistance, Report, Visit

pytestmark = pytest.mark.django_db


def test_demo_visits_and_reports(cast):  # type: ignore[no-untyped-def]
    """Visits over four weeks for the grid's key households, assistance paid, and the three
    report stories: fixed in a day and rated 5, escalated to the town, reopened."""
    ctx = DemoContext(rng=random.Random(1), households=8)
    demo.load(ctx)
    assert Visit.objects.count() == ctx.data["visits_made"] >= 4
    assert Assistance.objects.get().status == "paid"
    assert Report.objects.filter(rating=5, status="closed").count() == 1
    ditch = Report.objects.get(category__code="drainage")
    assert ditch.handler_place_id == cast.county.town_a.pk and ditch.status == "in_progress"
    assert Report.objects.get(category__code="sanitation").reopen_count == 1
    assert any(a.role == "Open311 客户端" for a in ctx.accounts)
