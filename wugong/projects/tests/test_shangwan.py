"""Done when the Shangwan road (上湾村) can be entered as it happened and its public page
tells that story in figures: ¥1.2 M budget, 158 donors, 410 person-times of labour, 1.25 mu of
land, a ¥400,000 subsidy, 500 m in 40 days. Also the demo's other stories."""

import random

import pytest
from django.test import Client

from wugong.core.demo import DemoContext
from wugong.people.rules import Assignment, Viewer
from wugong.places.services import place_create
from wugong.projects import demo, selectors
from wugong.projects.models import Project, Stage

pytestmark = pytest.mark.django_db


@pytest.fixture
def shangwan(county, make_user):  # type: ignore[no-untyped-def]
    village = place_create(name="上湾村", kind="village", parent=county.town_a)
    group = place_create(name="一组", kind="group", parent=village)
    cadre = make_user("village_cadre", village)
    viewer = Viewer(
        user_id=cadre.pk,
        person_id=cadre.person_id,
        household_id=None,
        assignments=(Assignment("village_cadre", village.pk, village.path),),
    )
    return village, group, cadre, viewer


def test_the_shangwan_road_tells_its_story_in_figures(shangwan):
    _village, group, cadre, viewer = shangwan
    p = demo.shangwan_road(viewer=viewer, actor=cadre, place=group, rng=random.Random(3))
    a = selectors.project_accounts(p)
    assert p.budget_fen == 120_000_000 and p.stage == Stage.UPKEEP
    assert a.donors == 158
    assert a.by_source()["residents"] == 9_860_000  # nearly ¥100,000
    assert a.by_source()["government"] == 40_000_000
    assert a.government_by_department == [("县交通运输局", 40_000_000)]
    assert a.labour_times == 410 and str(a.land_mu) == "1.2500"
    assert a.compliance.ok
    assert selectors.project_story(p, a)["days"] == 40
    html = Client().get(f"/projects/{p.pk}/").content.decode()
    for text in (
        "上湾村一组通组路扩宽",
        "¥1,200,000",  # the budget and the tender estimate
        "实际花费 ¥642,000",
        "用时 40 天",
        "节约 ¥558,000",
        "158 人",
        "410 人次",
        "1.25 亩（833.33 平方米）",
        "县交通运输局",
        "¥400,000",
        "符合以奖代补规则",
        "群众验收：46人同意，0人不同意。",
        "管护人：一组村民理事会（周萍）。",
        "约500米通组路扩宽完成",
    ):
        assert text in html, text
    api = Client().get(f"/api/v1/projects/{p.pk}/accounts").json()
    assert api["days"] == 40 and api["donors"] == 158 and api["labour_times"] == 410
    assert api["income_by_source"]["government"] == 40_000_000
    assert api["saving_fen"] == 120_000_000 - 64_200_000
    honour = Client().get(f"/projects/{p.pk}/honour/").content.decode()
    assert "房县鑫源建材有限公司" in honour and "水泥60吨" in honour and "猪圈" in honour
    assert selectors.rollup_mismatches() == []


def test_the_square_and_the_fence(shangwan, county):
    village, group, cadre, viewer = shangwan
    square = demo.shangwan_square(
        viewer=viewer, actor=cadre, place=group, rng=random.Random(1), people=[]
    )
    html = Client().get(f"/projects/{square.pk}/").content.decode()
    assert "实际花费 ¥28,600，常规招标估价 ¥100,000，用时 10 天，节约 ¥71,400。" in html
    fence = demo.bamboo_fence(viewer=viewer, actor=cadre, place=village, rng=random.Random(1))
    html = Client().get(f"/projects/{fence.pk}/").content.decode()
    assert "用时 9 天" in html


def test_demo_runs_on_any_county(county):
    """On the test county none of the demo's villages exist: it makes the county programme and
    no project, without failing."""
    ctx = DemoContext(rng=random.Random(1), households=8)
    demo.load(ctx)
    assert ctx.data["projects"] == [] and Project.objects.count() == 0
