"""The surveys' part of the demo county:

* 上湾村 (or the first village found): an anonymous satisfaction survey of the 500 m road,
  answered by up to 300 residents and closed, so its results page shows real bars;
* the same village: an open named survey on where to build the small square, waiting for
  answers (a demo resident can try it on a phone).

Every answer goes through ``survey_respond`` with the resident's viewer, so participations,
anonymous answers and audit events are exactly what a real survey leaves.
"""

from __future__ import annotations

from typing import Any

from wugong.core.demo import DemoContext
from wugong.people.models import Person, RoleAssignment
from wugong.people.roles import Role
from wugong.people.rules import Assignment, Viewer
from wugong.places.models import Place, PlaceKind
from wugong.surveys import services

RESPONSES = 300
# Weights of 满意 / 基本满意 / 不满意, and of 5..1 stars: most residents are pleased.
SATISFACTION = [("满意", 62), ("基本满意", 28), ("不满意", 10)]
STARS = [(5, 45), (4, 30), (3, 15), (2, 6), (1, 4)]
WANTS = ["路灯", "护栏", "排水沟", "会车道", "路边绿化"]
COMMENTS = [
    "路修好了，三轮车能直接开到茶园，谢谢大家出工出力。",
    "弯道处要加护栏，晚上不安全。",
    "排水沟有一段堵了，下雨积水。",
    "希望路边装几盏太阳能灯。",
    "会车的地方太少，建议加宽两处。",
]


def _village(ctx: DemoContext) -> Place | None:
    ids = ctx.data.get("villages")
    qs = Place.objects.filter(kind=PlaceKind.VILLAGE)
    if ids:
        qs = qs.filter(pk__in=list(ids))
    return qs.filter(name="上湾村").first() or qs.order_by("id").first()


def _cadre(place: Place) -> tuple[Viewer, Any]:
    row = (
        RoleAssignment.objects.filter(place=place, role=Role.VILLAGE_CADRE, active=True)
        .select_related("person__user")
        .order_by("id")
        .first()
    )
    viewer = Viewer(
        user_id=None,
        person_id=row.person_id if row else None,
        household_id=None,
        assignments=(Assignment(Role.VILLAGE_CADRE, place.pk, place.path),),
    )
    return viewer, getattr(row.person, "user", None) if row else None


def _residents(ctx: DemoContext, place: Place, n: int) -> list[Person]:
    by_village = ctx.data.get("people_by_village") or {}
    if place.pk in by_village:
        pool = list(by_village[place.pk])
    else:
        pool = list(
            Person.objects.filter(household__place_path__startswith=place.path)
            .order_by("id")
            .values_list("id", flat=True)[:5000]
        )
    chosen = ctx.rng.sample(pool, min(n, len(pool)))
    rows = Person.objects.select_related("household").in_bulk(chosen)
    return [rows[pk] for pk in chosen if pk in rows and rows[pk].household_id]


def _weighted(rng: Any, pairs: list[tuple[Any, int]]) -> Any:
    return rng.choices([v for v, _ in pairs], weights=[w for _, w in pairs])[0]


def load(ctx: DemoContext) -> None:
    place = _village(ctx)
    if place is None:
        return
    cadre, user = _cadre(place)
    survey = services.survey_create(
        viewer=cadre,
        place=place,
        title="通组公路满意度调查",
        description="500米通组公路已经完工。请说说您的看法，匿名填写，只记录您是否已填。",
        anonymous=True,
        actor=user,
    )
    q1 = services.question_add(
        viewer=cadre,
        survey=survey,
        kind="single",
        text="您对新修的通组公路满意吗？",
        choices=[c for c, _ in SATISFACTION],
        actor=user,
    )
    q2 = services.question_add(
        viewer=cadre,
        survey=survey,
        kind="multiple",
        text="您觉得还需要补上什么？（可多选）",
        choices=WANTS,
        required=False,
        actor=user,
    )
    q3 = services.question_add(
        viewer=cadre, survey=survey, kind="stars", text="给施工质量打几颗星？", actor=user
    )
    q4 = services.question_add(
        viewer=cadre, survey=survey, kind="text", text="其他意见", required=False, actor=user
    )
    services.survey_open(viewer=cadre, survey=survey, actor=user)
    choice_ids = {c.text: c.pk for c in q1.choices.all()}
    want_ids = [c.pk for c in q2.choices.order_by("position")]
    rng = ctx.rng
    answered = 0
    for person in _residents(ctx, place, RESPONSES):
        h = person.household
        viewer = Viewer(
            user_id=None,
            person_id=person.pk,
            household_id=h.pk,
            assignments=(Assignment(Role.RESIDENT, h.place_id, h.place_path),),
        )
        answers: dict[int, Any] = {
            q1.pk: choice_ids[_weighted(rng, SATISFACTION)],
            q2.pk: rng.sample(want_ids, rng.randint(0, 2)),
            q3.pk: _weighted(rng, STARS),
        }
        if rng.random() < 0.15:
            answers[q4.pk] = rng.choice(COMMENTS)
        services.survey_respond(viewer=viewer, survey=survey, answers=answers)
        answered += 1
    services.survey_close(viewer=cadre, survey=survey, actor=user)

    square = services.survey_create(
        viewer=cadre,
        place=place,
        title="村里的小广场建在哪里？",
        description="实名问卷：理事会将据此提出方案，再交村民代表会议表决。",
        anonymous=False,
        actor=user,
    )
    services.question_add(
        viewer=cadre,
        survey=square,
        kind="single",
        text="您希望小广场建在哪里？",
        choices=["村委会旁空地", "老学校操场", "河边晒场"],
        actor=user,
    )
    services.question_add(
        viewer=cadre,
        survey=square,
        kind="multiple",
        text="广场上需要什么？",
        choices=["健身器材", "跳舞的场地", "儿童滑梯", "座椅和凉亭"],
        actor=user,
    )
    services.question_add(
        viewer=cadre,
        survey=square,
        kind="text",
        text="您愿意出工出料吗？",
        required=False,
        actor=user,
    )
    services.survey_open(viewer=cadre, survey=square, actor=user)
    ctx.data["surveys"] = [survey.pk, square.pk]
    ctx.data["survey_responses"] = answered
