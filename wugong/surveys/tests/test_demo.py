"""The surveys' demo runs on any county, even without the people part's ctx.data."""

import random

import pytest

from wugong.core.demo import DemoContext
from wugong.surveys import demo
from wugong.surveys.models import Participation, Response, Survey

pytestmark = pytest.mark.django_db


def test_demo_makes_a_closed_satisfaction_survey_and_an_open_one(county):
    """On the test county the first village gets the road survey, answered by every resident
    found (anonymous: no person on the responses), and the open square survey."""
    ctx = DemoContext(rng=random.Random(3), households=8)
    demo.load(ctx)
    road, square = (Survey.objects.get(pk=pk) for pk in ctx.data["surveys"])
    assert road.status == "closed" and square.status == "open"
    n = ctx.data["survey_responses"]
    assert n == Participation.objects.filter(survey=road).count() > 0
    assert Response.objects.filter(survey=road, person__isnull=False).count() == 0
