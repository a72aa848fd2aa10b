"""The demo's village rules: a published version adopted by a demo vote and filed with the town,
and a draft revision, in the village cadre's village; the public page shows it."""

import random

import pytest
from django.test import Client

from wugong.core.demo import DemoContext
from wugong.villagerules import demo
from wugong.villagerules.models import RulesVersion

pytestmark = pytest.mark.django_db


def test_demo_rules(cast):  # type: ignore[no-untyped-def]
    ctx = DemoContext(rng=random.Random(1), households=8)
    demo.load(ctx)
    village = cast.county.village_a
    assert ctx.data["village_rules_place"] == village.pk
    rows = {v.status: v for v in RulesVersion.objects.filter(place=village)}
    assert set(rows) == {"published", "draft"}
    published = rows["published"]
    assert published.vote.place_id == village.pk and published.vote.result["outcome"] == "passed"
    assert published.filing_number.startswith("宝丰镇备")
    assert published.filed_by_id == cast.town_a.pk
    page = Client().get(f"/village-rules/place/{village.pk}/").content.decode()
    assert "第一章 总则" in page and published.filing_number in page
    diff = Client().get(f"/api/v1/village-rules/versions/{rows['draft'].pk}/diff")
    assert diff.status_code == 404  # drafts are not public
