"""The needs list's part of the demo county: needs raised, supported, merged, answered and
declined, in the words of the source documents.

* 龙井村: an LED screen is declined and the ¥200,000 goes to the tea-garden road, which three
  residents asked for in their own words (merged into one, every "me too" carried over).
* 狮子岩村: which vegetable to plant is put to the villagers (decided by a vote).
* Street lights at the village entrance, answered; a dark path to the school, still waiting
  after 15 days (it shows on the "no answer after N days" list).
* 上湾村: the 500 m road, made a project; 千福小区: lifts in the old buildings and leaking
  roofs, the lift recorded on a visit for an old resident without a phone (代录).

Everything goes through the services (so history, audit and search tokens are real) with
synthetic viewers for the village's residents and cadres; only ``created_at`` is moved back
afterwards so the needs have an age. Deterministic from ``ctx.rng``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from wugong.core.demo import DemoContext
from wugong.needs import services
from wugong.needs.models import Need
from wugong.people.models import Person, RoleAssignment
from wugong.people.roles import Role
from wugong.people.rules import Assignment, Viewer
from wugong.places.models import Place, PlaceKind

# (place name, [(text, category, urgency, days ago, supporters)], what happens next)
_STORIES: list[dict[str, Any]] = [
    {
        "place": "龙井村",
        "needs": [
            ("村委会门口装一块LED大屏，放通知和新闻", "public_space", "low", 40, 2),
            ("修一条通到茶园的路，采茶季节三轮车开不进去", "roads", "high", 38, 9),
            ("茶园路坑坑洼洼，下雨天采茶走不了", "roads", "high", 36, 4),
            ("茶叶运不出去，求修茶园便道", "roads", "normal", 35, 3),
        ],
        "merge": (1, [2, 3]),
        "decline": (0, "经村民代表会议商议，大家认为茶园路更急，原定20万元改用于修茶园路。"),
        "status": [
            (1, "discussing", ""),
            (1, "decided", "村民代表会议表决通过"),
            (1, "in_project", ""),
        ],
    },
    {
        "place": "狮子岩村",
        "needs": [
            ("今年村集体种什么蔬菜，想让大家一起定", "other", "normal", 30, 12),
            ("种辣椒还是种香菇，请投票决定", "other", "normal", 29, 5),
        ],
        "merge": (0, [1]),
        "status": [(0, "discussing", "下周院场会讨论后投票"), (0, "decided", "投票结果：种辣椒")],
    },
    {
        "place": "双台村",
        "needs": [
            ("村口路灯坏了三个月，晚上看不见路", "lighting", "high", 20, 6),
            ("二组到小学的路没有路灯，孩子晚自习回家摸黑", "lighting", "urgent", 15, 4),
            ("垃圾桶不够，垃圾堆在路边", "sanitation", "normal", 3, 2),
        ],
        "answer": (0, "已报修，村里换了三盏太阳能路灯，本周已亮。"),
        "status": [(2, "discussing", "")],
    },
    {
        "place": "上湾村",
        "needs": [
            ("通组公路500米坑洼不平，老人孩子走路不安全", "roads", "high", 60, 15),
            ("村里没有活动的地方，想建个小广场", "public_space", "normal", 25, 8),
        ],
        "status": [
            (0, "discussing", ""),
            (0, "decided", "群众投工投劳、让地，政府以奖代补"),
            (0, "in_project", ""),
        ],
    },
]
_ESTATE_STORY: list[tuple[str, str, str, int, int]] = [
    ("老楼没有电梯，老人上下楼太难，想加装电梯", "elderly_care", "high", 50, 20),
    ("顶楼屋面漏水，下雨天家里接水", "safety", "urgent", 45, 7),
    ("小区里没有孩子玩的地方", "children", "normal", 10, 3),
]


def load(ctx: DemoContext) -> None:
    """Raise, support, merge and answer the demo's needs."""
    villages = _villages(ctx)
    by_name = {p.name: p for p in villages}
    made = 0
    for story in _STORIES:
        place = by_name.get(story["place"])
        if place is None:
            continue
        made += _tell(ctx, place, story)
    estate = Place.objects.filter(kind=PlaceKind.ESTATE, name="千福小区").first()
    if estate is not None:
        community = Place.objects.filter(pk=estate.parent_id).first()
        if community is not None:
            made += _tell(
                ctx,
                community,
                {"needs": _ESTATE_STORY, "answer": (1, "已申请维修资金，12户屋面下月修补。")},
                at=estate,
                record_first=True,
            )
    ctx.data["needs"] = list(Need.objects.order_by("id").values_list("id", flat=True))
    ctx.data["needs_made"] = made


def _villages(ctx: DemoContext) -> list[Place]:
    ids = ctx.data.get("villages")
    qs = Place.objects.filter(kind__in=[PlaceKind.VILLAGE, PlaceKind.COMMUNITY])
    if ids:
        qs = qs.filter(pk__in=list(ids))
    return list(qs.order_by("id"))


def _people(ctx: DemoContext, place: Place, n: int) -> list[Person]:
    """``n`` residents of the place, drawn from ctx.rng (heads and members with a household)."""
    pool: list[int]
    by_village = ctx.data.get("people_by_village") or {}
    if place.pk in by_village:
        pool = list(by_village[place.pk])
    else:
        pool = list(
            Person.objects.filter(household__place_path__startswith=place.path)
            .order_by("id")
            .values_list("id", flat=True)[:2000]
        )
    chosen = ctx.rng.sample(pool, min(n, len(pool)))
    rows = Person.objects.select_related("household").in_bulk(chosen)
    return [rows[pk] for pk in chosen if pk in rows and rows[pk].household_id]


def _resident(person: Person) -> Viewer:
    h = person.household
    assert h is not None
    return Viewer(
        user_id=None,
        person_id=person.pk,
        household_id=h.pk,
        assignments=(Assignment(Role.RESIDENT, h.place_id, h.place_path),),
    )


def _cadre(place: Place) -> tuple[Viewer, Any]:
    """A cadre's viewer at the place, and the real account of one of its cadres if any."""
    role = Role.VILLAGE_CADRE if place.kind == PlaceKind.VILLAGE else Role.COMMUNITY_CADRE
    row = (
        RoleAssignment.objects.filter(place=place, role=role, active=True)
        .select_related("person__user")
        .order_by("id")
        .first()
    )
    user = getattr(row.person, "user", None) if row else None
    person_id = row.person_id if row else None
    viewer = Viewer(
        user_id=user.pk if user else None,
        person_id=person_id,
        household_id=None,
        assignments=(Assignment(role, place.pk, place.path),),
    )
    return viewer, user


def _tell(
    ctx: DemoContext,
    place: Place,
    story: dict[str, Any],
    *,
    at: Place | None = None,
    record_first: bool = False,
) -> int:
    specs = story["needs"]
    people = _people(ctx, place, 6 + sum(s[4] for s in specs))
    if len(people) < len(specs) + 1:
        return 0
    cadre, cadre_user = _cadre(place)
    reporters, supporters = people[: len(specs)], people[len(specs) :]
    needs: list[Need] = []
    now = timezone.now()
    for i, (text, category, urgency, days, n_support) in enumerate(specs):
        reporter = reporters[i]
        if record_first and i == 0:
            need = services.need_record(
                viewer=cadre,
                actor=cadre_user,
                on_behalf_of=reporter,
                text=text,
                source="visit",
                category=category,
                place=at,
            )
        else:
            need = services.need_submit(
                viewer=_resident(reporter),
                actor=None,
                text=text,
                place=at,
                category=category,
            )
        for person in ctx.rng.sample(supporters, min(n_support, len(supporters))):
            if person.pk != reporter.pk:
                services.need_support(viewer=_resident(person), actor=None, need=need)
        # Sorting puts a village-wide need at the village (an estate's stays at the estate).
        services.need_classify(
            viewer=cadre,
            actor=cadre_user,
            need=need,
            category=category,
            urgency=urgency,
            place=at or place,
        )
        Need.objects.filter(pk=need.pk).update(created_at=now - dt.timedelta(days=days))
        needs.append(need)
    if "merge" in story:
        survivor, dups = story["merge"]
        services.need_merge(
            viewer=cadre,
            actor=cadre_user,
            duplicates=[needs[d] for d in dups],
            survivor=needs[survivor],
        )
    if "decline" in story:
        index, reason = story["decline"]
        services.need_status_change(
            viewer=cadre, actor=cadre_user, need=needs[index], status="declined", text=reason
        )
    for index, status, text in story.get("status", []):
        services.need_status_change(
            viewer=cadre, actor=cadre_user, need=needs[index], status=status, text=text
        )
    if "answer" in story:
        index, text = story["answer"]
        services.need_answer(viewer=cadre, actor=cadre_user, need=needs[index], text=text)
    return len(needs)
