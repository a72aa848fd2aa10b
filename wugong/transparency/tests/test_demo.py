"""The notices' demo runs on any county, even without the people part's ctx.data."""

import random

import pytest

from wugong.core.demo import DemoContext
from wugong.transparency import demo
from wugong.transparency.models import Notice, Objection
from wugong.transparency.selectors import notice_hash_matches

pytestmark = pytest.mark.django_db


def test_demo_publishes_notices_with_an_answered_objection(county):
    """The test county has two villages: the road decision (with an answered objection) and
    the low-income list; every published notice's hash matches its text."""
    ctx = DemoContext(rng=random.Random(5), households=8)
    demo.load(ctx)
    notices = list(Notice.objects.filter(pk__in=ctx.data["notices"]))
    assert len(notices) == 2
    assert all(n.status == "published" and notice_hash_matches(n) for n in notices)
    objection = Objection.objects.get()
    assert objection.answer and objection.answered_at
    dibao = next(n for n in notices if n.kind == "list")
    assert "身份证" in dibao.body and "王秀英" not in dibao.body  # says it omits them; names none
