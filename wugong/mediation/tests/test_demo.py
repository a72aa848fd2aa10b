"""The demo's mediation part: one agreed with a follow-up due, one in mediation, one referred up,
all in the village cadre's village, and the cadre sees them while the mediator sees only theirs."""

import random

import pytest

from wugong.core.demo import DemoContext
from wugong.mediation import demo
from wugong.mediation.models import Matter

pytestmark = pytest.mark.django_db


def test_demo_matters(cast, client_for):  # type: ignore[no-untyped-def]
    from wugong.people import services as ps

    for i in range(8):
        data = ps.person_data_clean(name=f"村民{i}", sex="M", phone=f"137{i:08d}")
        ps.person_create(data=data, household=cast.county.households_a[i % 4])
    ctx = DemoContext(rng=random.Random(1), households=8)
    demo.load(ctx)
    matters = Matter.objects.filter(place=cast.county.village_a)
    assert sorted(matters.values_list("status", flat=True)) == ["agreed", "mediating", "referred"]
    agreed = matters.get(status="agreed")
    assert agreed.sessions.filter(agreement__gt="").count() == 1 and agreed.follow_up_on
    c = client_for(cast.cadre_a)
    assert len(c.get("/api/v1/mediation/matters").json()) == 3
    assert f"#{agreed.pk}" in c.get("/mediation/follow-up/").content.decode()
    assert ctx.data["mediation_mediator"]
