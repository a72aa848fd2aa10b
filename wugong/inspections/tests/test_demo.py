"""The demo's inspections part runs on any county, without the people part's ctx.data."""

import random

import pytest
from django.urls import reverse

from wugong.core.demo import DemoContext
from wugong.inspections import demo
from wugong.inspections.models import Round, Schedule, ScoreSheet

pytestmark = pytest.mark.django_db


def test_demo_rounds_sheets_and_ranking(cast, client_for):  # type: ignore[no-untyped-def]
    """Four past Fridays scored in the test villages plus the coming round; loading twice adds
    nothing; the grid worker's village shows a ranking."""
    ctx = DemoContext(rng=random.Random(1), households=8)
    demo.load(ctx)
    village_a = cast.county.village_a
    assert village_a.pk in ctx.data["inspection_villages"]
    assert Schedule.objects.filter(place=village_a, weekday=4).exists()
    past = Round.objects.filter(place=village_a, sheets__isnull=False).distinct()
    assert past.count() == 4
    assert all(r.date.weekday() == 4 for r in past)
    n = ScoreSheet.objects.count()
    assert n == ctx.data["inspection_sheets"] > 0
    assert all(s.items.count() == 8 for s in ScoreSheet.objects.all()[:5])
    demo.load(DemoContext(rng=random.Random(2), households=8))
    assert ScoreSheet.objects.count() == n
    month = ScoreSheet.objects.order_by("-date").first().date.strftime("%Y-%m")
    page = client_for(cast.resident_a).get(
        reverse("inspections:ranking") + f"?place={village_a.pk}&month={month}"
    )
    assert page.status_code == 200 and "<td>1</td>" in page.content.decode()
