"""The demo's 志愿服务 part runs on any county: teams, finished activities with confirmed
hours, and one open activity the printed resident can sign up for."""

import random
import time
from decimal import Decimal

import pytest

from wugong.core.demo import DemoContext
from wugong.volunteers import demo
from wugong.volunteers.models import Activity, Attendance, Team
from wugong.volunteers.selectors import village_volunteer_totals

pytestmark = pytest.mark.django_db


def test_demo_volunteering(cast, client_for, deeds):  # type: ignore[no-untyped-def]
    ctx = DemoContext(rng=random.Random(1), households=8)
    ctx.data["role_people"] = {"resident": cast.resident_a.person_id}
    started = time.monotonic()
    demo.load(ctx)
    assert time.monotonic() - started < 3
    village = cast.county.village_a
    assert Team.objects.filter(place=village).count() == 3
    assert Activity.objects.filter(status="finished").count() == 10
    confirmed = Attendance.objects.filter(confirmed_at__isnull=False)
    assert confirmed.count() == ctx.data["volunteer_attendances_confirmed"] > 10
    assert len(deeds) == confirmed.count()
    total = sum(a.confirmed_hours for a in confirmed)
    n = confirmed.values("person").distinct().count()
    assert village_volunteer_totals(path_prefix=cast.county.county.path) == {
        village.path: (n, total)
    }
    assert all(a.confirmed_hours <= a.activity.cap for a in confirmed)
    assert isinstance(total, Decimal)
    # the printed resident has a record and can join the open activity
    resident = client_for(cast.resident_a)
    assert resident.get("/api/v1/volunteers/mine").json()["confirmed_count"] >= 1
    cadre = client_for(cast.cadre_a)
    teams_page = cadre.get("/volunteers/teams/").content.decode()
    assert f"{n} 名志愿者，确认时长 {total} 小时" in teams_page
    for url in [
        "/volunteers/",
        f"/volunteers/teams/{Team.objects.first().pk}/",
        "/volunteers/mine/",
    ]:
        assert cadre.get(url).status_code == 200
        assert resident.get(url).status_code == 200
    pk = ctx.data["volunteer_activity_open"]
    r = resident.post(f"/api/v1/volunteers/activities/{pk}/signup", content_type="application/json")
    assert r.status_code == 200 and r.json()["changed"] is True
