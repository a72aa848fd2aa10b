"""The demo part refreshes every county, so the county supervisor's dashboard has figures."""

import random

import pytest

from wugong.core.demo import DemoContext
from wugong.dashboards import demo
from wugong.dashboards.models import PlaceFigures

pytestmark = pytest.mark.django_db


def test_demo_refreshes_the_county(facts, make_user, client_for):  # type: ignore[no-untyped-def]
    ctx = DemoContext(rng=random.Random(1), households=10)
    demo.load(ctx)
    assert ctx.data["dashboards_rows"] == 7
    assert PlaceFigures.objects.get(place=facts.county).figures["needs"] == 4
    client = client_for(make_user("county_supervisor", facts.county))
    html = client.get("/dashboards/").content.decode()
    assert "数据更新于" in html and "暂无汇总数据" not in html
