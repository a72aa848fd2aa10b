"""The demo's 效果共评 part runs on any county, without the other parts' ctx.data, and fast."""

import random
import time

import pytest

from wugong.core.demo import DemoContext
from wugong.evaluations import demo
from wugong.evaluations.models import (
    Award,
    ProjectRating,
    RatingRound,
    StarAward,
    StarCampaign,
)

pytestmark = pytest.mark.django_db


def test_demo_ratings_round_stars_and_award(cast, project_at):  # type: ignore[no-untyped-def]
    built = project_at("accepted", title="通组路")
    proposed = project_at("proposed", title="文化广场")
    ctx = DemoContext(rng=random.Random(7), households=8)
    ctx.data["projects"] = [built.pk, proposed.pk]
    ctx.data["role_people"] = {"resident": cast.resident_a.person_id}
    started = time.monotonic()
    demo.load(ctx)
    assert time.monotonic() - started < 3
    assert ProjectRating.objects.filter(project=built, stage="satisfied").exists()
    assert ProjectRating.objects.filter(project=proposed, stage="before").exists()
    assert not ProjectRating.objects.filter(project=proposed, stage="during").exists()
    rnd = RatingRound.objects.get()
    assert rnd.status == "closed" and rnd.ratings.exists()
    campaign = StarCampaign.objects.get(pk=ctx.data["star_campaign"])
    assert campaign.status == "awarded" and campaign.notice is not None
    mine = StarAward.objects.filter(
        household_id=cast.resident_a.person.household_id, revoked_on__isnull=True
    )
    assert mine.count() >= 2
    assert StarAward.objects.filter(revoked_on__isnull=False).exclude(revoke_reason="").exists()
    award = Award.objects.get()
    assert award.title == "最美庭院" and award.status == "closed"
    assert award.nominations.filter(won=True).exists() and award.ballots.exists()
