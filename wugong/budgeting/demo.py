"""The budget part of the demo: 龙井村 asks its residents how to spend ¥200,000.

The village fund is ¥150,000 and the town adds ¥50,000 (镇财政配套). Four candidates: the
tea-garden road (茶园路, from the needs list), an LED screen at the village office, street
lights and a small square. About 300 residents vote (approval, at least one project), a sixth
of them on paper entered by a village cadre (代录). The Method of Equal Shares funds the road,
the lights and the square — not the LED screen, whose 75 supporters hold only a quarter of its
cost — and the outcome is published with a public notice. Everything goes through the services
(roll, audit, notice are real). Deterministic: who votes is drawn from ``ctx.rng``; what each
voter picks follows their position in the draw.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from wugong.budgeting import services
from wugong.budgeting.models import BudgetRound, RollEntry
from wugong.core.demo import DemoContext
from wugong.needs.models import Need
from wugong.people.models import RoleAssignment, User
from wugong.people.roles import Role
from wugong.people.rules import Assignment, Viewer, viewer_for
from wugong.places.models import Place, PlaceKind
from wugong.places.paths import subtree_q

TITLE = "龙井村20万元公益资金怎么花"
BALLOTS = 300


def _village() -> Place | None:
    place = Place.objects.filter(kind=PlaceKind.VILLAGE, name="龙井村").first()
    return place or Place.objects.filter(kind=PlaceKind.VILLAGE).order_by("id").first()


def _cadre(place: Place) -> tuple[Viewer, Any]:
    """A village cadre of the place (their account if they have one)."""
    assignment = (
        RoleAssignment.objects.filter(place=place, role=Role.VILLAGE_CADRE, active=True)
        .order_by("id")
        .first()
    )
    user = None
    if assignment is not None:
        user = User.objects.filter(person_id=assignment.person_id).first()
    if user is not None:
        return viewer_for(user), user
    viewer = Viewer(
        user_id=None,
        person_id=assignment.person_id if assignment else None,
        household_id=None,
        assignments=(Assignment(Role.VILLAGE_CADRE, place.pk, place.path),),
    )
    return viewer, None


def _need(place: Place, word: str) -> Need | None:
    return (
        Need.objects.filter(subtree_q(place.path, "place_path"), title__contains=word)
        .exclude(status__in=["merged", "declined"])
        .order_by("id")
        .first()
    )


def _picks(i: int, road: int, led: int, lights: int, square: int) -> dict[int, int]:
    """What the i-th voter approves: the road 80 %, the LED screen 25 %, the lights 55 %, the
    square 45 %; nobody's ballot is empty."""
    r = i % 20
    choice = {}
    if i % 5:
        choice[road] = 1
    if i % 4 == 0:
        choice[led] = 1
    if r < 11:
        choice[lights] = 1
    if r >= 11:
        choice[square] = 1
    return choice


def load(ctx: DemoContext) -> None:
    place = _village()
    if place is None or BudgetRound.objects.filter(place=place, title=TITLE).exists():
        return
    viewer, actor = _cadre(place)
    now = timezone.now().replace(microsecond=0)
    settings = services.round_settings_clean(
        title=TITLE,
        description=(
            "村里有15万元公益资金，镇财政配套5万元，共20万元。原计划在村委会门口装LED大屏，"
            "村民提出先修茶园路。请大家投票：勾选您支持的项目（至少一项），"
            "按平等份额法分配，结果公示。"
        ),
        fund=15_000_000,
        matching=5_000_000,
        matching_source="镇财政配套",
        min_choices=1,
        rule="mes",
        opens_at=now - dt.timedelta(days=7),
        closes_at=now + dt.timedelta(hours=1),
    )
    budget_round = services.round_create(viewer=viewer, actor=actor, place=place, settings=settings)
    road_need = _need(place, "茶园")
    led_need = Need.objects.filter(
        subtree_q(place.path, "place_path"), title__contains="LED"
    ).first()
    projects = [
        ("修通茶园路（硬化2公里）", 12_000_000, road_need, "采茶季节三轮车能开进茶园。"),
        (
            "村委会门口LED大屏",
            10_000_000,
            None,
            "放通知和新闻。" + (f"来自问题清单 #{led_need.pk}。" if led_need else ""),
        ),
        ("村道太阳能路灯30盏", 4_000_000, _need(place, "路灯"), "晚上出门看得见路。"),
        ("村口小广场", 2_800_000, _need(place, "广场"), "群众投工投劳，10天建成。"),
    ]
    made = [
        services.project_add(
            viewer=viewer,
            actor=actor,
            budget_round=budget_round,
            title=title,
            cost=cost,
            need=need,
            description=text,
        )
        for title, cost, need, text in projects
    ]
    services.round_open(viewer=viewer, actor=actor, budget_round=budget_round)
    entries = list(
        RollEntry.objects.filter(round=budget_round).select_related("person").order_by("id")
    )
    voters = ctx.rng.sample(entries, min(BALLOTS, len(entries)))
    road, led, lights, square = (p.pk for p in made)
    for i, entry in enumerate(voters):
        choice = _picks(i, road, led, lights, square)
        if actor is not None and i % 6 == 5:  # the elderly without a phone: paper, 代录
            services.paper_ballot_record(
                viewer=viewer, actor=actor, budget_round=budget_round, entry=entry, choice=choice
            )
            continue
        resident = Viewer(
            user_id=None,
            person_id=entry.person_id,
            household_id=entry.person.household_id,
            assignments=(Assignment(Role.RESIDENT, place.pk, place.path),),
        )
        services.ballot_cast(viewer=resident, actor=None, budget_round=budget_round, choice=choice)
    services.round_close(viewer=viewer, actor=actor, budget_round=budget_round)
    services.round_compute(viewer=viewer, actor=actor, budget_round=budget_round)
    services.round_publish(viewer=viewer, actor=actor, budget_round=budget_round)
    ctx.data["budget_rounds"] = [budget_round.pk]
